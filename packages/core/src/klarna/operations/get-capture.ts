/** GET /ordermanagement/v1/orders/{order_id}/captures/{capture_id} → 200 Capture. Safe to retry. */
import { type KlarnaOperation, parseJsonObject, pathParam } from "../operation"
import type { KlarnaCapture } from "../types"
import { OM_ORDERS } from "./paths"

export function getCaptureOperation(orderId: string, captureId: string): KlarnaOperation<KlarnaCapture> {
  const name = "getCapture"
  return {
    name,
    method: "GET",
    path: `${OM_ORDERS}/${pathParam(name, "orderId", orderId)}/captures/${pathParam(name, "captureId", captureId)}`,
    safeToRetry: true,
    parse: parseJsonObject<KlarnaCapture>("capture_id"),
  }
}
