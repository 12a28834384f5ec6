/**
 * Tracking values that cannot reach Klarna intact (shipping-info.ts) are left out of what is sent and
 * parked, one job each, so the merchant sees what was not sent and why, and can Retry once it is fixed.
 */
import { toWellFormed } from "../order-lines/text"
import type { FulfillmentSnapshot } from "../order-model"
import { SyncNotPossibleError } from "../errors"
import { planShippingInfo, type RefusedTrackingValue, type TrackingField } from "../shipping-info"
import type { ActionContext } from "./action"

export const SHIPPING_INFO_REFUSED = "SHIPPING_INFO_REFUSED"

/** The payload of a refusal job: which value of which fulfillment was refused. */
export interface RefusalPayload {
  fulfillmentId: string
  refused: { field: TrackingField; value: string }
}

export function refusalOf(payload: Record<string, unknown>): RefusalPayload["refused"] | null {
  const refused = payload.refused as RefusalPayload["refused"] | undefined
  return refused && typeof refused.field === "string" && typeof refused.value === "string" ? refused : null
}

/** Queues a refusal job for each value of the fulfillment that cannot be sent (the planner's; existing ones are kept). */
export async function recordRefusedTracking(context: ActionContext, fulfillment: FulfillmentSnapshot): Promise<void> {
  await context.enqueueRequired({
    kind: "tracking_planned",
    fulfillmentId: fulfillment.id,
    externalCapture: context.job.payload.externalCapture === true,
  })
}

/** The refusal still holds for the fulfillment as it is now: fail (parked, not retried by itself). */
export function throwIfStillRefused(fulfillment: FulfillmentSnapshot, wanted: RefusalPayload["refused"]): void {
  const still = planShippingInfo(fulfillment).refused.find(
    (candidate: RefusedTrackingValue) => candidate.field === wanted.field && toWellFormed(candidate.value) === wanted.value,
  )
  if (still) throw new SyncNotPossibleError(SHIPPING_INFO_REFUSED, still.message)
}
