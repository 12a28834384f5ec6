/**
 * A fulfillment canceled after its capture went through (Medusa allows it until the parcel ships) has
 * been paid for: Klarna keeps that capture. So for planning, its units stay taken, and a later
 * fulfillment of the same items is credited with them: it captures only what the canceled one did not
 * pay for. Without this, re-fulfilling the items would capture them a second time.
 */
import { isInDoubt } from "./job-state"
import type { FulfillmentSnapshot } from "./order-model"
import { klarnaReference } from "./order-lines/text"
import type { CaptureRecord, JobRecord, SyncableOrder } from "./ports"

export function withPaidUnits(
  order: SyncableOrder,
  capturedFulfillmentIds: ReadonlySet<string>,
  /**
   * Units (per item id) charged by each fulfillment whose capture is recorded, sent or possibly sent. Such a
   * fulfillment was planned already: it keeps the units it charged and used up only the credit it took
   * then, so the rest of the credit reaches the re-fulfillment that still needs it.
   */
  chargedUnits: ReadonlyMap<string, ReadonlyMap<string, number>> = new Map(),
): SyncableOrder {
  if (!order.fulfillments.some((f) => f.canceled && capturedFulfillmentIds.has(f.id))) return order
  const credit = new Map<string, number>()
  const take = (itemId: string, units: number) => credit.set(itemId, (credit.get(itemId) ?? 0) - units)
  const fulfillments: FulfillmentSnapshot[] = order.fulfillments.map((fulfillment) => {
    const paidAndCanceled = fulfillment.canceled === true && capturedFulfillmentIds.has(fulfillment.id)
    if (fulfillment.canceled && !paidAndCanceled) return fulfillment
    const charged = chargedUnits.get(fulfillment.id)
    const items = fulfillment.items
      .map((item) => {
        const credited = charged
          ? Math.max(item.quantity - (charged.get(item.itemId) ?? 0), 0)
          : Math.min(Math.max(credit.get(item.itemId) ?? 0, 0), item.quantity)
        take(item.itemId, credited)
        // Canceled after its capture: every unit it held goes back, paid (by it, or by the credit it took).
        if (paidAndCanceled) take(item.itemId, -item.quantity)
        return { itemId: item.itemId, quantity: item.quantity - credited }
      })
      .filter((item) => item.quantity > 0)
    // For planning, a paid canceled fulfillment stays with the units it charged (Klarna keeps that capture).
    return paidAndCanceled ? { ...fulfillment, items, canceled: false } : { ...fulfillment, items }
  })
  return { ...order, fulfillments }
}

/** Units per item id that each fulfillment's capture (recorded, sent or possibly sent) charges, read from its lines. */
export function chargedUnitsOf(order: SyncableOrder, captures: readonly CaptureRecord[]): Map<string, Map<string, number>> {
  const itemByReference = new Map<string, string>()
  for (const item of order.items) {
    const reference = klarnaReference(item.reference) ?? klarnaReference(item.id)
    if (reference !== undefined) itemByReference.set(reference, item.id)
  }
  const charged = new Map<string, Map<string, number>>()
  for (const capture of captures) {
    if (capture.source_type !== "fulfillment") continue
    const units = new Map<string, number>()
    for (const line of capture.order_lines) {
      const itemId = line.reference !== undefined ? itemByReference.get(line.reference) : undefined
      if (itemId !== undefined && (line.type === "physical" || line.type === "digital" || line.type === undefined)) {
        units.set(itemId, (units.get(itemId) ?? 0) + line.quantity)
      }
    }
    charged.set(capture.source_id, units)
  }
  return charged
}

/**
 * Captures that may already have reached Klarna without our knowing: their request is frozen (sent at
 * least once, or about to be) and the job has not finished. Only those that can pay for another
 * fulfillment's units matter here: the capture of a fulfillment canceled since (Klarna keeps it, so its
 * units will be credited) and Capture payment's capture of the remaining amount (it pays every unit).
 * A new capture planned while one of these is unresolved (isInDoubt) would charge the same units twice, so it waits.
 */
export function capturesInDoubt(jobs: readonly JobRecord[], order: SyncableOrder, exceptJobId: string): JobRecord[] {
  const canceled = new Set(order.fulfillments.filter((f) => f.canceled).map((f) => f.id))
  return jobs.filter(
    (job) =>
      job.id !== exceptJobId &&
      isInDoubt(job) &&
      (job.operation === "capture_remaining" || (job.operation === "capture" && canceled.has(String(job.payload.fulfillmentId)))),
  )
}
