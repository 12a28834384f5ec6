/**
 * `shipping_info`: tracking that appeared after the capture is appended to that capture. A job with a
 * `refused` payload stands for a tracking value Klarna cannot take intact (tracking-refusals.ts): it
 * fails while the value is still there, and sends what is new once the merchant fixed it.
 */
import type { KlarnaShippingInfo } from "../../klarna/types"
import { newShippingInfo, newShippingInfoWithCarrier, shippingInfoFor } from "../shipping-info"
import { shippingInfoInDoubt } from "../job-state"
import { deferred, skipped, type Action } from "./action"
import { externalCaptureFor } from "./external-capture"
import { recordRefusedTracking, refusalOf, throwIfStillRefused } from "./tracking-refusals"

export const appendShippingInfo: Action = async (context) => {
  const { order, store, klarnaOrder, job } = context
  const fulfillmentId = String(job.payload.fulfillmentId)
  const fulfillment = order.fulfillments.find((candidate) => candidate.id === fulfillmentId)
  const refusal = refusalOf(job.payload)
  if (fulfillment && !job.request) {
    if (refusal) throwIfStillRefused(fulfillment, refusal)
    else await recordRefusedTracking(context, fulfillment)
  }
  // A fixed carrier goes with the tracking numbers that were sent without it.
  const fresh = refusal?.field === "shipping_company" ? newShippingInfoWithCarrier : newShippingInfo

  let capture = await store.findCaptureBySource(order.platform, fulfillmentId)
  // Captures made elsewhere (Shopify: Klarna's app): the tracking goes to the capture Klarna has.
  if ((!capture || capture.status !== "captured") && job.payload.externalCapture === true) capture = await externalCaptureFor(context)
  if (!capture || capture.status !== "captured") {
    const jobs = await store.listJobs(order.platform, order.orderId)
    const captureJob = jobs.find((candidate) => candidate.operation === "capture" && candidate.payload.fulfillmentId === fulfillmentId)
    if (captureJob && (captureJob.state === "pending" || captureJob.state === "running") && captureJob.request) {
      // The capture request is already frozen without this tracking: wait for it, then append.
      return deferred(`waiting for the capture of fulfillment ${fulfillmentId}`, 2000)
    }
    // No capture yet: the capture, when it runs, reads the tracking and carries it itself.
    return skipped("Tracking went in the capture itself: the fulfillment was not captured yet, so its capture carries the tracking")
  }
  if (!job.request) {
    const inDoubt = shippingInfoInDoubt(await store.listJobs(order.platform, order.orderId), fulfillmentId, job.id)
    if (inDoubt) return deferred(`waiting for ${inDoubt.job_key}, which may already have reached Klarna`, 2000)
  }
  const request = await context.freezeRequest<{ shipping_info: KlarnaShippingInfo[] }>(() => ({
    shipping_info: fulfillment ? fresh(shippingInfoFor(fulfillment), capture.shipping_info) : [],
  }))
  const toSend = fresh(request.shipping_info, capture.shipping_info)
  if (toSend.length === 0) return skipped("Klarna already has this tracking on the capture")
  // Only what the capture does not carry yet: Klarna appends, so a value sent twice shows twice. If an earlier
  // attempt of this job got through, its key replays that answer whatever the body (Klarna: "only the key
  // matters").
  await context.klarna.appendCaptureShippingInfo(klarnaOrder.klarna_order_id, capture.capture_id as string, toSend, {
    idempotencyKey: job.idempotency_key,
  })
  await store.setShippingInfo(capture.id, [...capture.shipping_info, ...toSend])
  return { kind: "succeeded", result: { capture_id: capture.capture_id, appended: toSend.length } }
}
