/** GET /ordermanagement/v1/orders/{order_id}/captures → 200 array of Capture. Safe to retry. */
import { type KlarnaOperation, parseJsonArray, pathParam } from "../operation"
import type { KlarnaCapture } from "../types"
import { OM_ORDERS } from "./paths"

export function listCapturesOperation(orderId: string): KlarnaOperation<KlarnaCapture[]> {
  const name = "listCaptures"
  return {
    name,
    method: "GET",
    path: `${OM_ORDERS}/${pathParam(name, "orderId", orderId)}/captures`,
    safeToRetry: true,
    parse: parseJsonArray<KlarnaCapture>("capture_id"),
  }
}
