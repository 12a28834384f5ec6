/**
 * A fulfillment canceled after its capture went through (Medusa allows it until the parcel ships) has
 * been paid for: Klarna keeps that capture. So for planning, its units stay taken, and a later
 * fulfillment of the same items is credited with them: it captures only what the canceled one did not
 * pay for. Without this, re-fulfilling the items would capture them a second time.
 */
import type { FulfillmentSnapshot } from "./order-model"
import type { SyncableOrder } from "./ports"

export function withPaidUnits(order: SyncableOrder, capturedFulfillmentIds: ReadonlySet<string>): SyncableOrder {
  if (!order.fulfillments.some((f) => f.canceled && capturedFulfillmentIds.has(f.id))) return order
  const credit = new Map<string, number>()
  const fulfillments: FulfillmentSnapshot[] = order.fulfillments.map((fulfillment) => {
    if (fulfillment.canceled) {
      if (!capturedFulfillmentIds.has(fulfillment.id)) return fulfillment
      for (const item of fulfillment.items) credit.set(item.itemId, (credit.get(item.itemId) ?? 0) + item.quantity)
      return { ...fulfillment, canceled: false }
    }
    const items = fulfillment.items
      .map((item) => {
        const credited = Math.min(credit.get(item.itemId) ?? 0, item.quantity)
        credit.set(item.itemId, (credit.get(item.itemId) ?? 0) - credited)
        return { itemId: item.itemId, quantity: item.quantity - credited }
      })
      .filter((item) => item.quantity > 0)
    return { ...fulfillment, items }
  })
  return { ...order, fulfillments }
}
