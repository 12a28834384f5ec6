/**
 * Klarna Payments: POST /payments/v1/sessions → 200 { session_id, client_token, payment_method_categories }.
 * The Payments spec has no idempotency key, so this POST is never repeated automatically.
 */
import { type KlarnaOperation, parseJsonObject, requireBody } from "../operation"
import type { PaymentsSession, PaymentsSessionRequest } from "../types"
import { PAYMENTS_V1 } from "./paths"

export function createPaymentSessionOperation(session: PaymentsSessionRequest): KlarnaOperation<PaymentsSession> {
  const name = "createPaymentSession"
  requireBody(name, session)
  return {
    name,
    method: "POST",
    path: `${PAYMENTS_V1}/sessions`,
    body: session,
    safeToRetry: false,
    parse: parseJsonObject<PaymentsSession>("session_id", "client_token"),
  }
}
