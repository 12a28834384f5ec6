/** `capture`: one Klarna capture per fulfillment, with exactly its items and whatever tracking is known. */
import type { CaptureRequest } from "../../klarna/types"
import { SyncNotPossibleError } from "../errors"
import { validateOrderLines } from "../line-validation"
import { planCapture } from "../plan-capture"
import { shippingInfoFor } from "../shipping-info"
import { alreadyDone, skipped, type Action } from "./action"
import { captureSkipReason } from "./skip-reasons"
import { enqueueMissingTracking } from "./follow-ups"
import { refreshOrderTotals } from "./order-totals"

export const captureFulfillment: Action = async (context) => {
  const { order, store, klarnaOrder, job } = context
  const fulfillmentId = String(job.payload.fulfillmentId)
  // One read serves both checks below (a fulfillment's capture belongs to its order).
  const captures = await store.listCaptures(order.platform, order.orderId)
  const existing = captures.find((capture) => capture.source_id === fulfillmentId)
  if (existing?.status === "captured") {
    await refreshOrderTotals(context) // an earlier attempt may have died between recording the capture and the totals
    return alreadyDone(`Fulfillment ${fulfillmentId} is already captured (Klarna capture ${existing.capture_id})`)
  }

  const fulfillment = order.fulfillments.find((candidate) => candidate.id === fulfillmentId)
  if (!fulfillment) throw new SyncNotPossibleError("NO_SUCH_FULFILLMENT", `Order ${order.orderId} has no fulfillment ${fulfillmentId}`)
  if (!job.request) {
    // Decisions that only hold before anything was sent: once a request is frozen it may have reached Klarna.
    if (fulfillment.canceled) return skipped(`Fulfillment ${fulfillmentId} was canceled before it was captured`)
    if (captures.some((capture) => capture.source_type === "remaining" && capture.status === "captured")) {
      return skipped("Already paid: the remaining amount was captured with Capture payment")
    }
  }

  const plan = job.request ? null : planCapture(order, fulfillmentId)
  if (plan?.skip) return skipped(`Nothing to capture for fulfillment ${fulfillmentId}: ${captureSkipReason(plan.skip)}`)
  const request = await context.freezeRequest<CaptureRequest>(() => {
    const shippingInfo = shippingInfoFor(fulfillment)
    return {
      captured_amount: plan!.capturedAmount,
      description: `Order ${order.displayId ?? order.orderId}, shipment ${fulfillmentId}`.slice(0, 255),
      reference: fulfillmentId.slice(0, 255),
      order_lines: plan!.orderLines,
      ...(shippingInfo.length > 0 ? { shipping_info: shippingInfo } : {}),
    }
  })
  if (request.captured_amount === 0) return skipped(`Nothing to capture for fulfillment ${fulfillmentId}: ${captureSkipReason("zero_amount")}`)
  validateOrderLines(request.captured_amount, request.order_lines ?? [], `capture of fulfillment ${fulfillmentId}`)

  const row = await store.ensureCapture({
    platform: order.platform,
    platform_order_id: order.orderId,
    klarna_order_id: klarnaOrder.klarna_order_id,
    source_type: "fulfillment",
    source_id: fulfillmentId,
    captured_amount: request.captured_amount,
    order_lines: request.order_lines ?? [],
    shipping_info: [],
    idempotency_key: job.idempotency_key,
  })
  const { captureId } = await context.klarna.createCapture(klarnaOrder.klarna_order_id, request, {
    idempotencyKey: job.idempotency_key,
  })
  await store.markCaptured(row.id, captureId, request.shipping_info ?? [])
  const totals = await refreshOrderTotals(context)
  await enqueueMissingTracking(context, fulfillmentId, captureId, request.shipping_info ?? [])
  return {
    kind: "succeeded",
    result: { capture_id: captureId, captured_amount: request.captured_amount, order_captured_amount: totals.captured },
  }
}
