/**
 * PATCH /ordermanagement/v1/orders/{order_id}/authorization → 204.
 * Body { order_amount, description?, order_lines? } — omitting order_lines deletes the original lines.
 * Idempotency key required → safe to retry.
 */
import { type KlarnaOperation, parseNoContent, pathParam, requireBody, requireIdempotencyKey } from "../operation"
import type { UpdateAuthorizationRequest } from "../types"
import { OM_ORDERS } from "./paths"

export function updateAuthorizationOperation(
  orderId: string,
  update: UpdateAuthorizationRequest,
  idempotencyKey: string
): KlarnaOperation<void> {
  const name = "updateAuthorization"
  requireBody(name, update)
  return {
    name,
    method: "PATCH",
    path: `${OM_ORDERS}/${pathParam(name, "orderId", orderId)}/authorization`,
    body: update,
    idempotencyKey: requireIdempotencyKey(name, { idempotencyKey }),
    safeToRetry: true,
    parse: parseNoContent,
  }
}
