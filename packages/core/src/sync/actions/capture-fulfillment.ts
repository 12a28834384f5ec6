/** `capture`: one Klarna capture per fulfillment, with exactly its items and whatever tracking is known. */
import type { CaptureRequest } from "../../klarna/types"
import type { PlannedCapture } from "../ports"
import { SyncNotPossibleError } from "../errors"
import { validateOrderLines } from "../line-validation"
import { planCapture } from "../plan-capture"
import { shippingInfoFor } from "../shipping-info"
import { capturesInDoubt } from "../paid-units"
import { alreadyDone, deferred, skipped, type Action } from "./action"
import { captureSkipReason } from "./skip-reasons"
import { recordRefusedTracking } from "./tracking-refusals"
import { refreshOrderTotals } from "./order-totals"
import { KLARNA_NAME_MAX, klarnaReference, truncateText } from "../order-lines/text"
import { settleUnwantedCapture } from "./unwanted-capture"

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
    // No frozen request: nothing of an earlier attempt reached Klarna (a refused request is planned afresh).
    if (existing) await store.discardUnsentCapture(order.platform, fulfillmentId)
    // Decisions that only hold before anything was sent: once a request is frozen it may have reached Klarna.
    if (fulfillment.canceled) return skipped(`Fulfillment ${fulfillmentId} was canceled before it was captured`)
    if (captures.some((capture) => capture.source_type === "remaining" && capture.status === "captured")) {
      return skipped("Already paid: the remaining amount was captured with Capture payment")
    }
    // Units that a capture still on its way to Klarna may pay for: planning now could charge them twice.
    const [inDoubt] = capturesInDoubt(await store.listJobs(order.platform, order.orderId), order, job.id)
    if (inDoubt) return deferred(`waiting for ${inDoubt.job_key}, which may already have reached Klarna`, 2000)
  }

  const plan = job.request ? null : planCapture(order, fulfillmentId)
  if (plan?.skip) return skipped(`Nothing to capture for fulfillment ${fulfillmentId}: ${captureSkipReason(plan.skip)}`)
  // Drafted here, frozen below together with the capture row (one statement), before Klarna is called.
  const { request, frozen } = context.draftRequest<CaptureRequest>(() => {
    const shippingInfo = shippingInfoFor(fulfillment)
    return {
      captured_amount: plan!.capturedAmount,
      description: truncateText(`Order ${order.displayId ?? order.orderId}, shipment ${fulfillmentId}`, KLARNA_NAME_MAX, {
        ellipsis: true,
      }),
      reference: klarnaReference(fulfillmentId),
      order_lines: plan!.orderLines,
      ...(shippingInfo.length > 0 ? { shipping_info: shippingInfo } : {}),
    }
  })
  // Tracking values Klarna cannot take intact went without: each is parked for the merchant to see.
  await recordRefusedTracking(context, fulfillment)
  if (request.captured_amount === 0)
    return skipped(`Nothing to capture for fulfillment ${fulfillmentId}: ${captureSkipReason("zero_amount")}`)
  if (job.request && (fulfillment.canceled || order.canceled)) {
    const why = order.canceled ? `order ${order.orderId} was canceled` : `fulfillment ${fulfillmentId} was canceled`
    return settleUnwantedCapture(context, request, { source_type: "fulfillment", source_id: fulfillmentId }, why)
  }
  validateOrderLines(request.captured_amount, request.order_lines ?? [], `capture of fulfillment ${fulfillmentId}`)

  const planned: PlannedCapture = {
    platform: order.platform,
    platform_order_id: order.orderId,
    klarna_order_id: klarnaOrder.klarna_order_id,
    source_type: "fulfillment",
    source_id: fulfillmentId,
    captured_amount: request.captured_amount,
    order_lines: request.order_lines ?? [],
    shipping_info: [],
    idempotency_key: job.idempotency_key,
  }
  // Exactly once, whichever statement a killed worker stopped at: the request and the capture row are
  // frozen together, then sent under the job's idempotency key (a retry resends the frozen request under
  // the same key: Klarna replays its capture), then the capture and the order's totals are recorded in one
  // statement; the job completes last, so a retry after any of these steps finds the capture and settles.
  const row = frozen ? await store.ensureCapture(planned) : await context.freezeCapture(request, planned)
  const { captureId } = await context.klarna.createCapture(klarnaOrder.klarna_order_id, request, {
    idempotencyKey: job.idempotency_key,
  })
  const mapping = await store.markCapturedWithTotals({ id: row.id, captureId, shippingInfo: request.shipping_info ?? [] }, klarnaOrder)
  // The mapping row is gone (it never is while its jobs run): the totals as order-totals.ts recomputes them.
  const capturedOnOrder = mapping ? mapping.captured_amount : (await refreshOrderTotals(context)).captured
  // Tracking that reached the platform after the request was frozen still goes to Klarna, in a job of its own.
  await context.enqueueRequired({ kind: "capture_sent", fulfillmentId, captureId, sent: request.shipping_info ?? [] })
  return {
    kind: "succeeded",
    result: { capture_id: captureId, captured_amount: request.captured_amount, order_captured_amount: capturedOnOrder },
    ...(mapping ? { klarnaOrder: mapping } : {}),
  }
}
