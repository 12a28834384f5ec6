/** GET /ordermanagement/v1/orders/{order_id} → 200 MerchantOrderDto. Read-only: safe to retry. */
import { type KlarnaOperation, parseJsonObject, pathParam } from "../operation"
import type { KlarnaOrder } from "../types"
import { OM_ORDERS } from "./paths"

export function getOrderOperation(orderId: string): KlarnaOperation<KlarnaOrder> {
  const name = "getOrder"
  return {
    name,
    method: "GET",
    path: `${OM_ORDERS}/${pathParam(name, "orderId", orderId)}`,
    safeToRetry: true,
    parse: parseJsonObject<KlarnaOrder>("order_id"),
  }
}
