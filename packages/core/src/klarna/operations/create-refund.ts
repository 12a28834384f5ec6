/**
 * POST /ordermanagement/v1/orders/{order_id}/refunds → 201, no body, headers Refund-Id and Location.
 * Idempotency key required → safe to retry.
 */
import {
  type CreatedResource,
  type KlarnaOperation,
  parseCreatedResource,
  pathParam,
  requireBody,
  requireIdempotencyKey,
} from "../operation"
import type { RefundRequest } from "../types"
import { OM_ORDERS } from "./paths"

export function createRefundOperation(
  orderId: string,
  refund: RefundRequest,
  idempotencyKey: string
): KlarnaOperation<CreatedResource> {
  const name = "createRefund"
  requireBody(name, refund)
  return {
    name,
    method: "POST",
    path: `${OM_ORDERS}/${pathParam(name, "orderId", orderId)}/refunds`,
    body: refund,
    idempotencyKey: requireIdempotencyKey(name, { idempotencyKey }),
    safeToRetry: true,
    parse: parseCreatedResource("Refund-Id"),
  }
}
