import type { FulfillmentSnapshot } from "../order-model"
import { withPaidUnits } from "../paid-units"
import type { SyncableOrder } from "../ports"

const fulfillment = (id: string, items: Record<string, number>, canceled = false): FulfillmentSnapshot => ({
  id,
  createdAt: new Date(0),
  items: Object.entries(items).map(([itemId, quantity]) => ({ itemId, quantity })),
  trackings: [],
  canceled,
})

const order = (fulfillments: FulfillmentSnapshot[]) => ({ fulfillments }) as unknown as SyncableOrder
const itemsOf = (o: SyncableOrder) => o.fulfillments.map((f) => ({ id: f.id, canceled: Boolean(f.canceled), items: f.items }))

describe("withPaidUnits", () => {
  test.each([
    {
      name: "a canceled fulfillment that was captured keeps its units; the re-fulfillment is credited",
      fulfillments: [fulfillment("f1", { a: 1 }, true), fulfillment("f2", { a: 1, b: 1 })],
      captured: ["f1"],
      expected: [
        { id: "f1", canceled: false, items: [{ itemId: "a", quantity: 1 }] },
        { id: "f2", canceled: false, items: [{ itemId: "b", quantity: 1 }] },
      ],
    },
    {
      name: "the credit covers only what the canceled capture paid for",
      fulfillments: [fulfillment("f1", { a: 1 }, true), fulfillment("f2", { a: 3 })],
      captured: ["f1"],
      expected: [
        { id: "f1", canceled: false, items: [{ itemId: "a", quantity: 1 }] },
        { id: "f2", canceled: false, items: [{ itemId: "a", quantity: 2 }] },
      ],
    },
    {
      name: "a canceled fulfillment that was never captured stays canceled and credits nothing",
      fulfillments: [fulfillment("f1", { a: 1 }, true), fulfillment("f2", { a: 1 })],
      captured: [],
      expected: [
        { id: "f1", canceled: true, items: [{ itemId: "a", quantity: 1 }] },
        { id: "f2", canceled: false, items: [{ itemId: "a", quantity: 1 }] },
      ],
    },
    {
      name: "fulfillments before the canceled one are not credited",
      fulfillments: [fulfillment("f0", { a: 1 }), fulfillment("f1", { a: 1 }, true), fulfillment("f2", { a: 1 })],
      captured: ["f0", "f1"],
      expected: [
        { id: "f0", canceled: false, items: [{ itemId: "a", quantity: 1 }] },
        { id: "f1", canceled: false, items: [{ itemId: "a", quantity: 1 }] },
        { id: "f2", canceled: false, items: [] },
      ],
    },
  ])("$name", ({ fulfillments, captured, expected }) => {
    expect(itemsOf(withPaidUnits(order(fulfillments), new Set(captured)))).toEqual(expected)
  })
})
