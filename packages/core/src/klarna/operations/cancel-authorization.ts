/**
 * Klarna Payments: DELETE /payments/v1/authorizations/{authorizationToken} → 204. Releases an authorization
 * that will not become an order. No idempotency key exists for it, so it is not repeated automatically
 * (a repeat after a lost response would answer 404). The token is masked in logs.
 */
import { type KlarnaOperation, parseNoContent, pathParam } from "../operation"
import { PAYMENTS_V1 } from "./paths"

export function cancelAuthorizationOperation(authorizationToken: string): KlarnaOperation<void> {
  const name = "cancelAuthorization"
  return {
    name,
    method: "DELETE",
    path: `${PAYMENTS_V1}/authorizations/${pathParam(name, "authorizationToken", authorizationToken)}`,
    logPath: `${PAYMENTS_V1}/authorizations/{authorizationToken}`,
    safeToRetry: false,
    parse: parseNoContent,
  }
}
