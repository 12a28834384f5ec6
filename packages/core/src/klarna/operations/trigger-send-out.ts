/**
 * POST /ordermanagement/v1/orders/{order_id}/captures/{capture_id}/trigger-send-out → 204, no body.
 * Re-sends the customer communication for a capture. Idempotency key required → safe to retry.
 */
import { type KlarnaOperation, parseNoContent, pathParam, requireIdempotencyKey } from "../operation"
import { OM_ORDERS } from "./paths"

export function triggerSendOutOperation(orderId: string, captureId: string, idempotencyKey: string): KlarnaOperation<void> {
  const name = "triggerSendOut"
  return {
    name,
    method: "POST",
    path:
      `${OM_ORDERS}/${pathParam(name, "orderId", orderId)}` +
      `/captures/${pathParam(name, "captureId", captureId)}/trigger-send-out`,
    idempotencyKey: requireIdempotencyKey(name, { idempotencyKey }),
    safeToRetry: true,
    parse: parseNoContent,
  }
}
