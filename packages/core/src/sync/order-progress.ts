/** Where an order stands in its life: pure functions of the snapshot. */
import type { OrderSnapshot } from "./order-model"

/** Units of each item in non-canceled fulfillments. */
export function fulfilledQuantities(order: OrderSnapshot): Map<string, number> {
  const fulfilled = new Map<string, number>()
  for (const fulfillment of order.fulfillments) {
    if (fulfillment.canceled) continue
    for (const item of fulfillment.items) fulfilled.set(item.itemId, (fulfilled.get(item.itemId) ?? 0) + item.quantity)
  }
  return fulfilled
}

/** True when every unit of every item is fulfilled or canceled (returned units were fulfilled first): no capture will follow. */
export function nothingMoreWillShip(order: OrderSnapshot): boolean {
  if (order.canceled) return true
  const fulfilled = fulfilledQuantities(order)
  return order.items.every((item) => {
    const done = (fulfilled.get(item.id) ?? 0) + (order.canceledQuantities?.[item.id] ?? 0)
    return done >= item.quantity
  })
}
