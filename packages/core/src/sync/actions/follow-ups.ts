/** Jobs that one job's success makes necessary. */
import type { KlarnaShippingInfo } from "../../klarna/types"
import { jobKeys } from "../job-keys"
import { newShippingInfo, shippingInfoFor } from "../shipping-info"
import type { ActionContext } from "./action"

/**
 * Tracking that reached the platform after a capture request was frozen (events arrive in any order)
 * must still reach Klarna: queue a shipping-info job for what the capture did not carry.
 */
export async function enqueueMissingTracking(
  context: ActionContext,
  fulfillmentId: string,
  captureId: string,
  sent: KlarnaShippingInfo[],
) {
  const fulfillment = context.order.fulfillments.find((candidate) => candidate.id === fulfillmentId)
  if (!fulfillment) return
  const missing = newShippingInfo(shippingInfoFor(fulfillment), sent)
  if (missing.length === 0) return
  await context.enqueue({
    platformOrderId: context.order.orderId,
    operation: "shipping_info",
    // Its own key: a shipping-info job for the same tracking may have been skipped while the capture was parked.
    jobKey: `${jobKeys.shippingInfo(context.order.platform, fulfillmentId, fulfillment.trackings.map((t) => t.trackingNumber))}:after:${captureId}`,
    payload: { fulfillmentId },
  })
}
