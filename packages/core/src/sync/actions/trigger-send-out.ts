/** `trigger_send_out`: the merchant asks Klarna to send the customer the capture's communication again. */
import { SyncNotPossibleError } from "../errors"
import type { Action } from "./action"

export const triggerSendOut: Action = async (context) => {
  const { order, store, klarnaOrder, job } = context
  const captureId = String(job.payload.captureId)
  const captures = await store.listCaptures(order.platform, order.orderId)
  if (!captures.some((capture) => capture.capture_id === captureId)) {
    throw new SyncNotPossibleError("NO_SUCH_CAPTURE", `Order ${order.orderId} has no capture ${captureId}`)
  }
  await context.freezeRequest(() => ({ capture_id: captureId }))
  await context.klarna.triggerSendOut(klarnaOrder.klarna_order_id, captureId, { idempotencyKey: job.idempotency_key })
  return { kind: "succeeded", result: { capture_id: captureId } }
}
