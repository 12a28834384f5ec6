/**
 * Klarna Payments: POST /payments/v1/authorizations/{authorizationToken}/order → 200
 * { order_id, redirect_url, fraud_status, authorized_payment_method }. Closes the session and charges the
 * customer, so without an idempotency key in the spec it is never repeated automatically. The token is
 * masked in logs.
 */
import { type KlarnaOperation, parseJsonObject, pathParam, requireBody } from "../operation"
import type { PaymentsOrder, PaymentsOrderRequest } from "../types"
import { PAYMENTS_V1 } from "./paths"

export function createOrderFromAuthorizationOperation(
  authorizationToken: string,
  order: PaymentsOrderRequest
): KlarnaOperation<PaymentsOrder> {
  const name = "createOrderFromAuthorization"
  requireBody(name, order)
  return {
    name,
    method: "POST",
    path: `${PAYMENTS_V1}/authorizations/${pathParam(name, "authorizationToken", authorizationToken)}/order`,
    logPath: `${PAYMENTS_V1}/authorizations/{authorizationToken}/order`,
    body: order,
    safeToRetry: false,
    parse: parseJsonObject<PaymentsOrder>("order_id"),
  }
}
