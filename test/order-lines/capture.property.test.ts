/**
 * Properties of planCapture over generated orders: every line obeys Klarna's formulas, every
 * capture adds up, all captures of a fully fulfilled order add up to its total, none is negative,
 * and a fulfillment's capture does not depend on when or how often it is planned.
 */
import fc from "fast-check"
import { validateOrderLines } from "../../packages/core/src/sync/line-validation"
import type { OrderSnapshot } from "../../packages/core/src/sync/order-model"
import { planCapture } from "../../packages/core/src/sync/plan-capture"
import { taxIncluded } from "../../packages/core/src/sync/order-lines/tax"
import { RUNS, orderArb } from "./arbitraries"

function activeIds(order: OrderSnapshot): string[] {
  return order.fulfillments.filter((f) => !f.canceled).map((f) => f.id)
}

describe("planCapture properties", () => {
  test("every line obeys the line and tax formulas, every capture adds up, none is negative", () => {
    fc.assert(
      fc.property(orderArb(), ({ order }) => {
        for (const f of order.fulfillments) {
          const plan = planCapture(order, f.id)
          expect(plan.capturedAmount).toBeGreaterThanOrEqual(0)
          validateOrderLines(plan.capturedAmount, plan.orderLines, `capture ${f.id}`)
          for (const line of plan.orderLines) {
            expect(line.total_amount).toBe(line.quantity * line.unit_price - (line.total_discount_amount ?? 0))
            expect(line.total_discount_amount ?? 0).toBeGreaterThanOrEqual(0)
            if (line.tax_rate !== undefined) expect(line.total_tax_amount).toBe(taxIncluded(line.total_amount, line.tax_rate))
          }
          expect(plan.orderLines.reduce((s, l) => s + l.total_amount, 0)).toBe(plan.capturedAmount)
          if (f.canceled) expect(plan.skip).toBe("fulfillment_canceled")
        }
      }),
      { numRuns: RUNS },
    )
  })

  test("the captures of a fully fulfilled order add up to totalAmount exactly, item by item", () => {
    fc.assert(
      fc.property(orderArb({ fullyFulfilled: true }), ({ order }) => {
        const plans = activeIds(order).map((id) => planCapture(order, id))
        expect(plans.reduce((s, p) => s + p.capturedAmount, 0)).toBe(order.totalAmount)
        // each item's lines add up to the item's total, units to its quantity
        for (const item of order.items) {
          const lines = plans.flatMap((p) => p.orderLines).filter((l) => l.reference === item.reference)
          expect(lines.reduce((s, l) => s + l.total_amount, 0)).toBe(item.total)
          expect(lines.reduce((s, l) => s + l.quantity, 0)).toBe(item.quantity)
        }
        // shipping exactly once, gift cards fully used
        const withShipping = order.shippingLines.length > 0 ? 1 : 0
        expect(plans.filter((p) => p.includesShipping)).toHaveLength(withShipping)
        expect(plans[0].includesShipping).toBe(withShipping === 1)
        const giftCards = order.giftCards.reduce((s, g) => s + g.amount, 0)
        expect(plans.reduce((s, p) => s + p.giftCardAmount, 0)).toBe(giftCards)
      }),
      { numRuns: RUNS },
    )
  })

  test("deterministic: the same plan twice, in any event order, and before or after later fulfillments exist", () => {
    fc.assert(
      fc.property(
        orderArb().chain((g) =>
          fc.record({
            g: fc.constant(g),
            eventOrder: fc.shuffledSubarray(
              g.order.fulfillments.map((f) => f.id),
              { minLength: g.order.fulfillments.length },
            ),
            // when each fulfillment's event is handled: how many fulfillments exist by then (>= its position + 1)
            lag: fc.array(fc.nat({ max: 6 }), { minLength: g.order.fulfillments.length, maxLength: g.order.fulfillments.length }),
          }),
        ),
        ({ g, eventOrder, lag }) => {
          const { order } = g
          const reference = new Map(order.fulfillments.map((f) => [f.id, planCapture(order, f.id)]))
          for (const id of eventOrder) {
            const position = order.fulfillments.findIndex((f) => f.id === id)
            const seen = Math.min(order.fulfillments.length, position + 1 + lag[position])
            const snapshot: OrderSnapshot = { ...order, fulfillments: order.fulfillments.slice(0, seen) }
            expect(planCapture(snapshot, id)).toEqual(reference.get(id))
            expect(planCapture(order, id)).toEqual(reference.get(id))
          }
        },
      ),
      { numRuns: RUNS },
    )
  })

  test("canceled fulfillments change nothing for the others' sum: a fully fulfilled order still adds up", () => {
    fc.assert(
      fc.property(orderArb({ fullyFulfilled: true, withCanceledFulfillments: true, maxFulfillments: 3 }), ({ order }) => {
        const total = order.fulfillments.reduce((s, f) => s + planCapture(order, f.id).capturedAmount, 0)
        expect(total).toBe(order.totalAmount)
      }),
      { numRuns: RUNS },
    )
  })
})
