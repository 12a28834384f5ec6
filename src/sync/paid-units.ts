/**
 * A fulfillment canceled after its capture went through (Medusa allows it until the parcel ships) has
 * been paid for: Klarna keeps that capture. So for planning, its units stay taken, and a later
 * fulfillment of the same items is credited with them: it captures only what the canceled one did not
 * pay for. Without this, re-fulfilling the items would capture them a second time.
 */
import type { FulfillmentSnapshot } from "./order-model"
import type { JobRecord, SyncableOrder } from "./ports"

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

/**
 * Captures that may already have reached Klarna without our knowing: their request is frozen (sent at
 * least once, or about to be) and the job has not finished. Only those that can pay for another
 * fulfillment's units matter here: the capture of a fulfillment canceled since (Klarna keeps it, so its
 * units will be credited) and Capture payment's capture of the remaining amount (it pays every unit).
 * A new capture planned while one of these is unresolved would charge the same units twice, so it waits.
 * A 4xx refusal ends the doubt (nothing was applied: the job is parked, not pending).
 */
export function capturesInDoubt(jobs: readonly JobRecord[], order: SyncableOrder, exceptJobId: string): JobRecord[] {
  const canceled = new Set(order.fulfillments.filter((f) => f.canceled).map((f) => f.id))
  return jobs.filter(
    (job) =>
      job.id !== exceptJobId &&
      job.request !== null &&
      (job.state === "pending" || job.state === "running") &&
      (job.operation === "capture_remaining" || (job.operation === "capture" && canceled.has(String(job.payload.fulfillmentId)))),
  )
}
