/** Named examples for planRemainingCapture (Medusa's "Capture payment" button). */
import { validateOrderLines } from "../line-validation"
import type { OrderSnapshot } from "../order-model"
import { type CaptureLedger, planRemainingCapture } from "../plan-remaining"
import { compact, fulfillment, giftCard, item, order, shipping } from "./__fixtures__/order-builder"

type Row = [string, number, number, number, number, number | undefined, number | undefined]

const examples: {
  name: string
  order: OrderSnapshot
  ledger: CaptureLedger
  amount: number
  lines: Row[]
  skip?: string
  reconciliation?: number
  overCaptured?: number
}[] = [
  {
    name: "nothing shipped: everything, with shipping and the gift card",
    order: order({
      items: [item("A", 2, 2000, { taxRate: 2500 })],
      shippingLines: [shipping("S", 500, { taxRate: 2500 })],
      giftCards: [giftCard("GC", 300, "GIFT-0001")],
    }),
    ledger: { captures: [] },
    amount: 2200,
    lines: [
      ["Item A", 2, 1000, 0, 2000, 2500, 400],
      ["Standard shipping", 1, 500, 0, 500, 2500, 100],
      ["Gift card ****0001", 1, -300, 0, -300, 0, 0],
    ],
  },
  {
    name: "1 of 3 shipped and captured (with shipping): the other 2 units",
    order: order({ items: [item("A", 3, 3000)], shippingLines: [shipping("S", 500)], fulfillments: [fulfillment("F1", { A: 1 })] }),
    ledger: { captures: [{ fulfillmentId: "F1", amount: 1500 }] },
    amount: 2000,
    lines: [["Item A", 2, 1000, 0, 2000, 0, 0]],
  },
  {
    name: "a shipped but not yet captured fulfillment is captured here too, merged into one line per item",
    order: order({ items: [item("A", 3, 3000)], fulfillments: [fulfillment("F1", { A: 1 }), fulfillment("F2", { A: 1 })] }),
    ledger: { captures: [{ fulfillmentId: "F2", amount: 1000 }] },
    amount: 2000,
    lines: [["Item A", 2, 1000, 0, 2000, 0, 0]],
  },
  {
    name: "a fulfillment whose capture is queued is left to that capture",
    order: order({ items: [item("A", 3, 3000)], fulfillments: [fulfillment("F1", { A: 1 }), fulfillment("F2", { A: 1 })] }),
    ledger: { captures: [{ fulfillmentId: "F1", amount: 1000 }], pendingFulfillmentIds: ["F2"] },
    amount: 1000,
    lines: [["Item A", 1, 1000, 0, 1000, 0, 0]],
  },
  {
    name: "everything captured: nothing remains",
    order: order({ items: [item("A", 1, 1000)], fulfillments: [fulfillment("F1", { A: 1 })] }),
    ledger: { captures: [{ fulfillmentId: "F1", amount: 1000 }] },
    amount: 0,
    lines: [],
    skip: "nothing_remaining",
  },
  {
    name: "canceled units are never captured",
    order: order({ items: [item("A", 3, 3000)], canceledQuantities: { A: 1 }, fulfillments: [fulfillment("F1", { A: 1 })] }),
    ledger: { captures: [{ fulfillmentId: "F1", amount: 1000 }] },
    amount: 1000,
    lines: [["Item A", 1, 1000, 0, 1000, 0, 0]],
  },
  {
    name: "a capture made outside the engine (Klarna portal) is reconciled by an explicit line",
    order: order({ items: [item("A", 2, 2000)] }),
    ledger: { captures: [{ fulfillmentId: null, amount: 500 }] },
    amount: 1500,
    lines: [
      ["Item A", 2, 1000, 0, 2000, 0, 0],
      ["Adjustment for earlier captures", 1, -500, 0, -500, 0, 0],
    ],
    reconciliation: -500,
  },
  {
    name: "a fulfillment canceled after its capture: its units are open again, its money is already in",
    order: order({ items: [item("A", 2, 2000)], fulfillments: [fulfillment("F1", { A: 1 }, { canceled: true })] }),
    ledger: { captures: [{ fulfillmentId: "F1", amount: 1000 }] },
    amount: 1000,
    lines: [
      ["Item A", 2, 1000, 0, 2000, 0, 0],
      ["Adjustment for earlier captures", 1, -1000, 0, -1000, 0, 0],
    ],
    reconciliation: -1000,
  },
  {
    name: "captures above the total: nothing captured, over-capture reported",
    order: order({ items: [item("A", 2, 2000)] }),
    ledger: { captures: [{ amount: 2500 }] },
    amount: 0,
    lines: [],
    skip: "over_captured",
    reconciliation: -2500,
    overCaptured: 500,
  },
]

describe("planRemainingCapture: named examples", () => {
  test.each(examples.map((e) => [e.name, e] as const))("%s", (_name, e) => {
    const plan = planRemainingCapture(e.order, e.ledger)
    expect(compact(plan.orderLines)).toEqual(e.lines)
    expect(plan.capturedAmount).toBe(e.amount)
    expect(plan.skip).toBe(e.skip)
    expect(plan.reconciliationAmount).toBe(e.reconciliation ?? 0)
    expect(plan.overCapturedAmount).toBe(e.overCaptured ?? 0)
    expect(plan.fulfillmentId).toBeNull()
    validateOrderLines(plan.capturedAmount, plan.orderLines)
  })

  test("short form: captured fulfillment ids, assumed captured as planned", () => {
    const o = order({ items: [item("A", 3, 3000)], shippingLines: [shipping("S", 500)], fulfillments: [fulfillment("F1", { A: 1 })] })
    expect(planRemainingCapture(o, ["F1", "remaining:order_01"])).toMatchObject({ capturedAmount: 2000, alreadyCapturedAmount: 1500 })
  })

  test("a canceled order has nothing remaining", () => {
    const o = order({ items: [item("A", 1, 1000)] })
    expect(planRemainingCapture({ ...o, canceled: true }, { captures: [] })).toMatchObject({ capturedAmount: 0, skip: "order_canceled" })
  })
})
