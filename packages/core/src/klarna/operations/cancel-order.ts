/** POST /ordermanagement/v1/orders/{order_id}/cancel → 204, no body. Idempotency key required → safe to retry. */
import { type KlarnaOperation, parseNoContent, pathParam, requireIdempotencyKey } from "../operation"
import { OM_ORDERS } from "./paths"

export function cancelOrderOperation(orderId: string, idempotencyKey: string): KlarnaOperation<void> {
  const name = "cancelOrder"
  return {
    name,
    method: "POST",
    path: `${OM_ORDERS}/${pathParam(name, "orderId", orderId)}/cancel`,
    idempotencyKey: requireIdempotencyKey(name, { idempotencyKey }),
    safeToRetry: true,
    parse: parseNoContent,
  }
}
