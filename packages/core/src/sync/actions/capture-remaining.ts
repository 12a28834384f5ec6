/**
 * `capture_remaining`: the platform's own "Capture payment" button. Captures what no fulfillment has
 * captured yet, with lines, so that the captures still add up to the order total; nothing when
 * fulfillments already captured it all.
 */
import type { CaptureRequest } from "../../klarna/types"
import { validateOrderLines } from "../line-validation"
import { planRemainingCapture } from "../plan-remaining"
import { alreadyDone, deferred, skipped, type Action } from "./action"
import { captureSkipReason } from "./skip-reasons"
import { refreshOrderTotals } from "./order-totals"
import { KLARNA_NAME_MAX, klarnaReference, truncateText } from "../order-lines/text"
import { settleUnwantedCapture } from "./unwanted-capture"

export const captureRemaining: Action = async (context) => {
  const { order, store, klarnaOrder, job } = context
  const sourceId = `remaining:${order.orderId}`
  const existing = await store.findCaptureBySource(order.platform, sourceId)
  if (existing?.status === "captured") {
    await refreshOrderTotals(context) // an earlier attempt may have died between recording the capture and the totals
    return alreadyDone("The remaining amount is already captured")
  }
  const jobs = await store.listJobs(order.platform, order.orderId)
  if (
    !job.request &&
    jobs.some((other) => other.id !== job.id && other.operation === "capture" && (other.state === "pending" || other.state === "running"))
  ) {
    return deferred("waiting for the fulfillments' captures", 1000)
  }
  // No frozen request: nothing of an earlier attempt reached Klarna (a refused request is planned afresh).
  if (!job.request && existing) await store.discardUnsentCapture(order.platform, sourceId)
  const captures = (await store.listCaptures(order.platform, order.orderId)).filter((c) => c.status === "captured")
  const plan = job.request
    ? null
    : planRemainingCapture(order, {
        captures: captures.map((c) => ({ fulfillmentId: c.source_type === "fulfillment" ? c.source_id : null, amount: c.captured_amount })),
      })
  if (plan?.skip) return skipped(`Nothing to capture: ${captureSkipReason(plan.skip)}`)
  const request = await context.freezeRequest<CaptureRequest>(() => ({
    captured_amount: plan!.capturedAmount,
    description: truncateText(`Order ${order.displayId ?? order.orderId}, remaining amount`, KLARNA_NAME_MAX, { ellipsis: true }),
    reference: klarnaReference(order.orderId),
    order_lines: plan!.orderLines,
  }))
  if (request.captured_amount === 0) return skipped(`Nothing to capture: ${captureSkipReason("nothing_remaining")}`)
  if (order.canceled)
    return settleUnwantedCapture(context, request, { source_type: "remaining", source_id: sourceId }, `order ${order.orderId} was canceled`)
  validateOrderLines(request.captured_amount, request.order_lines ?? [], "capture of the remaining amount")
  const row = await store.ensureCapture({
    platform: order.platform,
    platform_order_id: order.orderId,
    klarna_order_id: klarnaOrder.klarna_order_id,
    source_type: "remaining",
    source_id: sourceId,
    captured_amount: request.captured_amount,
    order_lines: request.order_lines ?? [],
    shipping_info: [],
    idempotency_key: job.idempotency_key,
  })
  const { captureId } = await context.klarna.createCapture(klarnaOrder.klarna_order_id, request, { idempotencyKey: job.idempotency_key })
  await store.markCaptured(row.id, captureId, [])
  const totals = await refreshOrderTotals(context)
  return {
    kind: "succeeded",
    result: { capture_id: captureId, captured_amount: request.captured_amount, order_captured_amount: totals.captured },
  }
}
