/** Named examples for planRefund, with hand-checked lines. */
import { validateOrderLines } from "../line-validation"
import type { OrderSnapshot } from "../order-model"
import { RefundExceedsCapturedError, RefundNotFoundError } from "../order-lines/errors"
import { type RefundLedger, planRefund } from "../plan-refund"
import { compact, fulfillment, item, order, refund, shipping } from "./__fixtures__/order-builder"

type Row = [string, number, number, number, number, number | undefined, number | undefined]

const shipped = (refunds: OrderSnapshot["refunds"]): OrderSnapshot =>
  order({
    items: [item("A", 3, 3000, { taxRate: 2500 })],
    shippingLines: [shipping("S", 495, { taxRate: 2500 })],
    fulfillments: [fulfillment("F1", { A: 3 })],
    refunds,
  })
const full: RefundLedger = { capturedAmount: 3495, refunds: [] }

const examples: { name: string; order: OrderSnapshot; refundId: string; ledger: RefundLedger; lines: Row[]; adjustment: number }[] = [
  {
    name: "return of part of a fulfillment, refunded at its value",
    order: shipped([refund("R1", 1000, { items: { A: 1 } })]),
    refundId: "R1",
    ledger: full,
    // 1000/1.25 = 800 -> tax 200
    lines: [["Item A", 1, 1000, 0, 1000, 2500, 200]],
    adjustment: 0,
  },
  {
    name: "merchant refunds less than the goods (restocking fee kept): negative return_fee line",
    order: shipped([refund("R1", 800, { items: { A: 1 } })]),
    refundId: "R1",
    ledger: full,
    lines: [
      ["Item A", 1, 1000, 0, 1000, 2500, 200],
      ["Return fee", 1, -200, 0, -200, 0, 0],
    ],
    adjustment: -200,
  },
  {
    name: "merchant refunds more than the goods (goodwill): positive adjustment line",
    order: shipped([refund("R1", 1200, { items: { A: 1 } })]),
    refundId: "R1",
    ledger: full,
    lines: [
      ["Item A", 1, 1000, 0, 1000, 2500, 200],
      ["Refund adjustment", 1, 200, 0, 200, 0, 0],
    ],
    adjustment: 200,
  },
  {
    name: "amount-only refund without a return: one adjustment line",
    order: shipped([refund("R1", 500)]),
    refundId: "R1",
    ledger: full,
    lines: [["Refund adjustment", 1, 500, 0, 500, 0, 0]],
    adjustment: 500,
  },
  {
    name: "return with shipping refunded (shippingAmount set), shipping taxed at its rate",
    order: shipped([refund("R1", 1495, { items: { A: 1 }, shippingAmount: 495 })]),
    refundId: "R1",
    ledger: full,
    lines: [
      ["Item A", 1, 1000, 0, 1000, 2500, 200],
      ["Standard shipping", 1, 495, 0, 495, 2500, 99],
    ],
    adjustment: 0,
  },
  {
    name: "second return of a split item takes the next units (cumulative by refund order)",
    order: order({
      items: [item("A", 3, 1000)],
      fulfillments: [fulfillment("F1", { A: 3 })],
      refunds: [refund("R1", 333, { items: { A: 1 } }), refund("R2", 667, { items: { A: 2 } })],
    }),
    refundId: "R2",
    ledger: { capturedAmount: 1000, refunds: [{ refundId: "R1", amount: 333 }] },
    // units [1,3): 1000 - 333 = 667, unit price ceil(667/2) = 334, discount 1
    lines: [["Item A", 2, 334, 1, 667, 0, 0]],
    adjustment: 0,
  },
  {
    // Issue 13: Medusa refunds 1 of 2 socks (2 x 129.50 + 25% = 323.75) at 129.50 + round(32.375) = 161.88,
    // one öre above the unit's captured share (161.87). That rounding stays on the sock's line, at
    // the unit price the capture showed; no adjustment line.
    name: "Medusa's per-unit rounding of a return stays on the item line",
    order: order({
      items: [item("A", 2, 32375, { taxRate: 2500 })],
      fulfillments: [fulfillment("F1", { A: 2 })],
      refunds: [refund("R1", 16188, { items: { A: 1 } })],
    }),
    refundId: "R1",
    ledger: { capturedAmount: 32375, refunds: [] },
    lines: [["Item A", 1, 16188, 0, 16188, 2500, 3238]],
    adjustment: 0,
  },
  {
    name: "a refund one unit below the returned units' value: the item line's discount carries it",
    order: order({
      items: [item("A", 3, 3000, { taxRate: 2500 })],
      fulfillments: [fulfillment("F1", { A: 3 })],
      refunds: [refund("R1", 1999, { items: { A: 2 } })],
    }),
    refundId: "R1",
    ledger: { capturedAmount: 3000, refunds: [] },
    lines: [["Item A", 2, 1000, 1, 1999, 2500, 400]],
    adjustment: 0,
  },
  {
    name: "more than a rounding below the value is a return fee, the item line stays at its captured value",
    order: order({
      items: [item("A", 3, 3000, { taxRate: 2500 })],
      fulfillments: [fulfillment("F1", { A: 3 })],
      refunds: [refund("R1", 1997, { items: { A: 2 } })],
    }),
    refundId: "R1",
    ledger: { capturedAmount: 3000, refunds: [] },
    lines: [
      ["Item A", 2, 1000, 0, 2000, 2500, 400],
      ["Return fee", 1, -3, 0, -3, 0, 0],
    ],
    adjustment: -3,
  },
]

describe("planRefund: named examples", () => {
  test.each(examples.map((e) => [e.name, e] as const))("%s", (_name, e) => {
    const plan = planRefund(e.order, e.refundId, e.ledger)
    const r = e.order.refunds.find((x) => x.id === e.refundId)
    expect(compact(plan.orderLines)).toEqual(e.lines)
    expect(plan.refundedAmount).toBe(r?.amount)
    expect(plan.adjustmentAmount).toBe(e.adjustment)
    expect(plan.request).toMatchObject({ refunded_amount: r?.amount, reference: e.refundId, order_lines: plan.orderLines })
    validateOrderLines(plan.refundedAmount, plan.orderLines)
  })
})

describe("planRefund: limits", () => {
  const o = shipped([refund("R0", 600), refund("R1", 500)])

  test("a refund above captured - refunded is refused before Klarna is called, with the amounts", () => {
    const ledger = { capturedAmount: 1000, refunds: [{ refundId: "R0", amount: 600 }] }
    expect(() => planRefund(o, "R1", ledger)).toThrow(RefundExceedsCapturedError)
    expect(() => planRefund(o, "R1", ledger)).toThrow(
      "Refund R1 of order order_01 is 5.00 EUR, more than what is captured and not yet refunded: captured 10.00 EUR - already refunded 6.00 EUR = 4.00 EUR refundable",
    )
    try {
      planRefund(o, "R1", ledger)
    } catch (err: unknown) {
      expect(err).toMatchObject({
        refundAmount: 500,
        capturedAmount: 1000,
        alreadyRefundedAmount: 600,
        refundableAmount: 400,
        retryable: false,
      })
    }
  })

  test("exactly the refundable amount is accepted", () => {
    expect(planRefund(o, "R1", { capturedAmount: 1100, refunds: [{ refundId: "R0", amount: 600 }] }).refundableAmount).toBe(500)
  })

  test("replanning a refund that is already recorded does not count it twice", () => {
    const ledger = {
      capturedAmount: 1100,
      refunds: [
        { refundId: "R0", amount: 600 },
        { refundId: "R1", amount: 500 },
      ],
    }
    expect(planRefund(o, "R1", ledger).refundedAmount).toBe(500)
  })

  test("nothing captured: refused", () => {
    expect(() => planRefund(o, "R0", { capturedAmount: 0, refunds: [] })).toThrow(
      /captured 0.00 EUR - already refunded 0.00 EUR = 0.00 EUR refundable/,
    )
  })

  test("unknown refund is a typed error", () => {
    expect(() => planRefund(o, "nope", full)).toThrow(RefundNotFoundError)
  })

  test("3-decimal currency in the message", () => {
    const kwd = { ...o, currency: "KWD", currencyDecimals: 3 }
    expect(() => planRefund(kwd, "R0", { capturedAmount: 599, refunds: [] })).toThrow(/is 0\.600 KWD.*captured 0\.599 KWD/)
  })

  test("returning more units than the item has is refused", () => {
    const bad = shipped([refund("R1", 1000, { items: { A: 2 } }), refund("R2", 1000, { items: { A: 2 } })])
    expect(() => planRefund(bad, "R2", full)).toThrow(/item A is returned 4 times .* quantity is 3/)
  })
})
