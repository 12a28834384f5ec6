/**
 * Klarna's limits: at most 1000 lines (more are merged and still add up), names and references at
 * most 255 UTF-16 units without broken characters, amounts at most 200000000.
 */
import fc from "fast-check"
import { findOrderLineViolations, validateOrderLines } from "../../packages/core/src/sync/line-validation"
import { KLARNA_MAX_AMOUNT } from "../../packages/core/src/sync/money"
import type { ItemLine, OrderSnapshot } from "../../packages/core/src/sync/order-model"
import { KLARNA_MAX_ORDER_LINES, fitLineLimit } from "../../packages/core/src/sync/order-lines/line-limit"
import { itemShareLine } from "../../packages/core/src/sync/order-lines/item-lines"
import { shareOf } from "../../packages/core/src/sync/order-lines/unit-allocation"
import { klarnaName, klarnaReference, truncateText } from "../../packages/core/src/sync/order-lines/text"
import { planCapture } from "../../packages/core/src/sync/plan-capture"
import { planRemainingCapture } from "../../packages/core/src/sync/plan-remaining"
import { planRefund } from "../../packages/core/src/sync/plan-refund"
import { RUNS } from "./arbitraries"

const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

function bigOrder(
  itemCount: number,
  rates: number[],
  quantities: number[],
  prices: number[],
  giftCard: number,
  fulfillments: number,
): OrderSnapshot {
  const items: ItemLine[] = Array.from({ length: itemCount }, (_, i) => {
    const quantity = quantities[i % quantities.length]
    const originalTotal = quantity * prices[i % prices.length] + (i % 3 === 0 && prices[i % prices.length] > 0 ? quantity - 1 : 0)
    const discountTotal = i % 5 === 0 ? Math.floor(originalTotal / 10) : 0
    return {
      id: `item_${i}`,
      name: `Product ${i}`,
      type: i % 7 === 0 ? "digital" : "physical",
      quantity,
      originalTotal,
      discountTotal,
      total: originalTotal - discountTotal,
      taxRate: rates[i % rates.length],
    }
  })
  const itemsTotal = items.reduce((s, i) => s + i.total, 0)
  const gc = Math.min(giftCard, itemsTotal + 500)
  return {
    platform: "medusa",
    orderId: "order_big",
    currency: "EUR",
    currencyDecimals: 2,
    totalAmount: itemsTotal + 500 - gc,
    items,
    shippingLines: [{ id: "ship", name: "Freight", originalTotal: 500, discountTotal: 0, total: 500, taxRate: rates[0] }],
    giftCards: gc > 0 ? [{ id: "gc", code: "CODE-1234", amount: gc }] : [],
    fulfillments: Array.from({ length: fulfillments }, (_, f) => ({
      id: `ful_${f}`,
      createdAt: new Date(0),
      // fulfillment f ships the items i with i % fulfillments == f
      items: items.filter((_, i) => i % fulfillments === f).map((it) => ({ itemId: it.id, quantity: it.quantity })),
      trackings: [],
    })),
    refunds: [],
  }
}

describe("Klarna limits", () => {
  test("orders with more than 1000 lines are merged into <= 1000 lines that still add up", () => {
    fc.assert(
      fc.property(
        fc.record({
          itemCount: fc.integer({ min: 995, max: 1600 }),
          rates: fc.oneof(fc.constant([2500]), fc.array(fc.integer({ min: 0, max: 2500 }), { minLength: 1, maxLength: 6 })),
          quantities: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 5 }),
          prices: fc.array(fc.integer({ min: 0, max: 20000 }), { minLength: 1, maxLength: 5 }),
          giftCard: fc.nat({ max: 50000 }),
          fulfillments: fc.integer({ min: 1, max: 2 }),
        }),
        ({ itemCount, rates, quantities, prices, giftCard, fulfillments }) => {
          const order = bigOrder(itemCount, rates, quantities, prices, giftCard, fulfillments)
          let sum = 0
          for (const f of order.fulfillments) {
            const plan = planCapture(order, f.id)
            expect(plan.orderLines.length).toBeLessThanOrEqual(KLARNA_MAX_ORDER_LINES)
            validateOrderLines(plan.capturedAmount, plan.orderLines)
            const itemLines = Math.ceil(itemCount / fulfillments) + (f.id === "ful_0" ? 2 : 0)
            if (itemLines <= KLARNA_MAX_ORDER_LINES) expect(plan.mergedLineCount).toBe(0)
            else expect(plan.mergedLineCount).toBeGreaterThan(0)
            sum += plan.capturedAmount
          }
          expect(sum).toBe(order.totalAmount)
          const remaining = planRemainingCapture(order, { captures: [] })
          expect(remaining.capturedAmount).toBe(order.totalAmount)
          expect(remaining.orderLines.length).toBeLessThanOrEqual(KLARNA_MAX_ORDER_LINES)
          validateOrderLines(remaining.capturedAmount, remaining.orderLines)
          // a refund returning every item is merged the same way
          const withRefund: OrderSnapshot = {
            ...order,
            refunds: [
              {
                id: "ref_all",
                amount: order.totalAmount,
                createdAt: new Date(0),
                returnedItems: order.items.map((i) => ({ itemId: i.id, quantity: i.quantity })),
              },
            ],
          }
          const refund = planRefund(withRefund, "ref_all", { capturedAmount: order.totalAmount, refunds: [] })
          expect(refund.orderLines.length).toBeLessThanOrEqual(KLARNA_MAX_ORDER_LINES)
          validateOrderLines(refund.refundedAmount, refund.orderLines)
        },
      ),
      { numRuns: RUNS },
    )
  })

  test("fitLineLimit keeps the sum and every formula for arbitrary item lines and limits", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            q: fc.integer({ min: 1, max: 5 }),
            unit: fc.nat({ max: 100000 }),
            extra: fc.nat({ max: 4 }),
            disc: fc.nat({ max: 1000 }),
            rate: fc.integer({ min: 0, max: 2500 }),
          }),
          { minLength: 1, maxLength: 300 },
        ),
        fc.integer({ min: 1, max: 60 }),
        (specs, max) => {
          const lines = specs.map((s, i) => {
            const originalTotal = s.q * s.unit + (s.unit > 0 ? s.extra % s.q : 0)
            const discountTotal = Math.min(s.disc, originalTotal)
            const item: ItemLine = {
              id: `i${i}`,
              name: `n${i}`,
              type: "physical",
              quantity: s.q,
              originalTotal,
              discountTotal,
              total: originalTotal - discountTotal,
              taxRate: s.rate,
            }
            return itemShareLine(shareOf(i, item, 0, s.q))
          })
          const sum = lines.reduce((s, l) => s + l.total_amount, 0)
          const fitted = fitLineLimit(lines, max)
          expect(fitted.lines.length).toBeLessThanOrEqual(max)
          expect(findOrderLineViolations(sum, fitted.lines).filter((v) => v.rule !== "line_count")).toEqual([])
          if (lines.length <= max) expect(fitted.lines).toEqual(lines)
        },
      ),
      { numRuns: RUNS },
    )
  })

  test("names and references: at most 255 UTF-16 units, no broken surrogate, unchanged when they fit", () => {
    const text = fc.oneof(
      fc.string({ unit: "binary", maxLength: 600 }),
      fc.string({ unit: "grapheme", maxLength: 400 }),
      fc.fullUnicodeString({ maxLength: 300 }),
      fc.string({ maxLength: 300 }),
    )
    fc.assert(
      fc.property(text, (s) => {
        const name = klarnaName(s, "Item")
        expect(name.length).toBeGreaterThan(0)
        expect(name.length).toBeLessThanOrEqual(255)
        expect(LONE.test(name)).toBe(false)
        const ref = klarnaReference(s)
        if (ref !== undefined) {
          expect(ref.length).toBeLessThanOrEqual(255)
          expect(LONE.test(ref)).toBe(false)
        }
        const cut = truncateText(s, 255)
        if (s.length <= 255 && !LONE.test(s)) expect(cut).toBe(s)
        if (!LONE.test(s)) expect(s.startsWith(cut)).toBe(true)
        const withEllipsis = truncateText(s, 255, { ellipsis: true })
        expect(withEllipsis.length).toBeLessThanOrEqual(255)
      }),
      { numRuns: RUNS },
    )
  })

  test("no generated amount field exceeds 200000000, and an order that would is refused by validation", () => {
    fc.assert(
      fc.property(fc.integer({ min: KLARNA_MAX_AMOUNT + 1, max: 4 * KLARNA_MAX_AMOUNT }), (amount) => {
        const order: OrderSnapshot = {
          platform: "medusa",
          orderId: "order_huge",
          currency: "EUR",
          currencyDecimals: 2,
          totalAmount: amount,
          items: [
            {
              id: "i",
              name: "Yacht",
              type: "physical",
              quantity: 1,
              originalTotal: amount,
              discountTotal: 0,
              total: amount,
              taxRate: 2500,
            },
          ],
          shippingLines: [],
          giftCards: [],
          fulfillments: [{ id: "f", createdAt: new Date(0), items: [{ itemId: "i", quantity: 1 }], trackings: [] }],
          refunds: [],
        }
        expect(() => planCapture(order, "f")).toThrow(/amount .* must be an integer in 0\.\.200000000/)
      }),
      { numRuns: RUNS },
    )
  })
})
