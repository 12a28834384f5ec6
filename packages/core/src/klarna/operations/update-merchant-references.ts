/**
 * PATCH /ordermanagement/v1/orders/{order_id}/merchant-references → 204.
 * Body { merchant_reference1?, merchant_reference2? } (each ≤ 255; "" clears). Idempotency key required.
 */
import { type KlarnaOperation, parseNoContent, pathParam, requireBody, requireIdempotencyKey } from "../operation"
import type { UpdateMerchantReferencesRequest } from "../types"
import { OM_ORDERS } from "./paths"

export function updateMerchantReferencesOperation(
  orderId: string,
  references: UpdateMerchantReferencesRequest,
  idempotencyKey: string
): KlarnaOperation<void> {
  const name = "updateMerchantReferences"
  requireBody(name, references)
  return {
    name,
    method: "PATCH",
    path: `${OM_ORDERS}/${pathParam(name, "orderId", orderId)}/merchant-references`,
    body: references,
    idempotencyKey: requireIdempotencyKey(name, { idempotencyKey }),
    safeToRetry: true,
    parse: parseNoContent,
  }
}
