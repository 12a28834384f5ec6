/** GET /ordermanagement/v1/orders/{order_id}/refunds/{refund_id} → 200 Refund. Safe to retry. */
import { type KlarnaOperation, parseJsonObject, pathParam } from "../operation"
import type { KlarnaRefund } from "../types"
import { OM_ORDERS } from "./paths"

export function getRefundOperation(orderId: string, refundId: string): KlarnaOperation<KlarnaRefund> {
  const name = "getRefund"
  return {
    name,
    method: "GET",
    path: `${OM_ORDERS}/${pathParam(name, "orderId", orderId)}/refunds/${pathParam(name, "refundId", refundId)}`,
    safeToRetry: true,
    parse: parseJsonObject<KlarnaRefund>("refund_id"),
  }
}
