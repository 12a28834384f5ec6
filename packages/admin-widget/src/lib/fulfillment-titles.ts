/**
 * Names for the fulfillments of an order exactly as the order page's own Fulfillment card shows them
 * ("Fulfillment #2", "Claim fulfillment #1", "Swap fulfillment #1"), so a Klarna capture can be told
 * apart by the fulfillment it mirrors. The Map keeps the card's order.
 */
export interface OrderWithFulfillments {
  fulfillments?: { id: string }[] | null
  claims?: { fulfillments?: { id: string }[] | null }[] | null
  swaps?: { fulfillments?: { id: string }[] | null }[] | null
}

export function fulfillmentTitles(order: OrderWithFulfillments): Map<string, string> {
  const titles = new Map<string, string>()
  ;(order.fulfillments ?? []).forEach((f, index) => titles.set(f.id, `Fulfillment #${index + 1}`))
  for (const claim of order.claims ?? []) {
    ;(claim.fulfillments ?? []).forEach((f, index) => titles.set(f.id, `Claim fulfillment #${index + 1}`))
  }
  for (const swap of order.swaps ?? []) {
    ;(swap.fulfillments ?? []).forEach((f, index) => titles.set(f.id, `Swap fulfillment #${index + 1}`))
  }
  return titles
}
