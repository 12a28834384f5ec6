/**
 * POST /ordermanagement/v1/orders/{order_id}/captures/{capture_id}/shipping-info → 204 (older docs: 201;
 * any 2xx is accepted). Body { shipping_info: 1..500 entries }; appends to what the capture has.
 * Idempotency key required → safe to retry.
 */
import { KlarnaError } from "../errors"
import { type KlarnaOperation, parseNoContent, pathParam, requireIdempotencyKey } from "../operation"
import type { AppendShippingInfoRequest, KlarnaShippingInfo } from "../types"
import { OM_ORDERS } from "./paths"

export function appendCaptureShippingInfoOperation(
  orderId: string,
  captureId: string,
  shippingInfo: KlarnaShippingInfo[],
  idempotencyKey: string
): KlarnaOperation<void> {
  const name = "appendCaptureShippingInfo"
  if (!Array.isArray(shippingInfo) || shippingInfo.length === 0 || shippingInfo.length > 500) {
    throw KlarnaError.invalidRequest(name, "shippingInfo must hold 1 to 500 entries")
  }
  const body: AppendShippingInfoRequest = { shipping_info: shippingInfo }
  return {
    name,
    method: "POST",
    path:
      `${OM_ORDERS}/${pathParam(name, "orderId", orderId)}` +
      `/captures/${pathParam(name, "captureId", captureId)}/shipping-info`,
    body,
    idempotencyKey: requireIdempotencyKey(name, { idempotencyKey }),
    safeToRetry: true,
    parse: parseNoContent,
  }
}
