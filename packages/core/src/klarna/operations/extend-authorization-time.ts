/**
 * POST /ordermanagement/v1/orders/{order_id}/extend-authorization-time → 204, no body.
 * Idempotency key required → safe to retry (same-day repeats give the same expiry anyway).
 */
import { type KlarnaOperation, parseNoContent, pathParam, requireIdempotencyKey } from "../operation"
import { OM_ORDERS } from "./paths"

export function extendAuthorizationTimeOperation(orderId: string, idempotencyKey: string): KlarnaOperation<void> {
  const name = "extendAuthorizationTime"
  return {
    name,
    method: "POST",
    path: `${OM_ORDERS}/${pathParam(name, "orderId", orderId)}/extend-authorization-time`,
    idempotencyKey: requireIdempotencyKey(name, { idempotencyKey }),
    safeToRetry: true,
    parse: parseNoContent,
  }
}
