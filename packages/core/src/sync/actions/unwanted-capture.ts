/**
 * A frozen capture the platform no longer wants: its fulfillment, or the whole order, was canceled after
 * the request was frozen (a first attempt failed without an answer, or its worker died). Sending it again
 * would charge for what the merchant canceled if it never reached Klarna; not sending it would lose a
 * capture Klarna did apply. So Klarna is asked (a GET, never a mutation) whether it holds a capture with
 * the request's reference: if so it is recorded as ours, otherwise the capture is dropped and nothing is
 * charged.
 */
import type { CaptureRequest } from "../../klarna/types"
import type { CaptureRecord } from "../ports"
import { alreadyDone, skipped, type ActionContext, type ActionOutcome } from "./action"
import { refreshOrderTotals } from "./order-totals"

export async function settleUnwantedCapture(
  context: ActionContext,
  request: CaptureRequest,
  source: Pick<CaptureRecord, "source_type" | "source_id">,
  why: string,
): Promise<ActionOutcome> {
  const { order, store, klarnaOrder, job } = context
  const remote = await context.klarna.getOrder(klarnaOrder.klarna_order_id)
  const applied = (remote.captures ?? []).find((capture) => capture.reference !== undefined && capture.reference === request.reference)
  if (!applied) return skipped(`${why}; its capture never reached Klarna, so nothing is charged`)
  const row = await store.ensureCapture({
    platform: order.platform,
    platform_order_id: order.orderId,
    klarna_order_id: klarnaOrder.klarna_order_id,
    ...source,
    captured_amount: applied.captured_amount,
    order_lines: applied.order_lines ?? request.order_lines ?? [],
    shipping_info: [],
    idempotency_key: job.idempotency_key,
  })
  await store.markCaptured(row.id, applied.capture_id, applied.shipping_info ?? [], applied.klarna_reference ?? null)
  await refreshOrderTotals(context)
  return alreadyDone(`${why}, but Klarna had applied its capture (${applied.capture_id}): recorded, not sent again`)
}
