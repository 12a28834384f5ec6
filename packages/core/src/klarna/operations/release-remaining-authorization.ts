/**
 * POST /ordermanagement/v1/orders/{order_id}/release-remaining-authorization → 204, no body.
 * Idempotency key required → safe to retry.
 */
import { type KlarnaOperation, parseNoContent, pathParam, requireIdempotencyKey } from "../operation"
import { OM_ORDERS } from "./paths"

export function releaseRemainingAuthorizationOperation(orderId: string, idempotencyKey: string): KlarnaOperation<void> {
  const name = "releaseRemainingAuthorization"
  return {
    name,
    method: "POST",
    path: `${OM_ORDERS}/${pathParam(name, "orderId", orderId)}/release-remaining-authorization`,
    idempotencyKey: requireIdempotencyKey(name, { idempotencyKey }),
    safeToRetry: true,
    parse: parseNoContent,
  }
}
