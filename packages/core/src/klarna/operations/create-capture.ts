/**
 * POST /ordermanagement/v1/orders/{order_id}/captures → 201, no body, headers Capture-Id and Location.
 * Carries a Klarna-Idempotency-Key (required), so it is safe to retry: Klarna replays the first result.
 */
import {
  type CreatedResource,
  type KlarnaOperation,
  parseCreatedResource,
  pathParam,
  requireBody,
  requireIdempotencyKey,
} from "../operation"
import type { CaptureRequest } from "../types"
import { OM_ORDERS } from "./paths"

export function createCaptureOperation(
  orderId: string,
  capture: CaptureRequest,
  idempotencyKey: string
): KlarnaOperation<CreatedResource> {
  const name = "createCapture"
  requireBody(name, capture)
  return {
    name,
    method: "POST",
    path: `${OM_ORDERS}/${pathParam(name, "orderId", orderId)}/captures`,
    body: capture,
    idempotencyKey: requireIdempotencyKey(name, { idempotencyKey }),
    safeToRetry: true,
    parse: parseCreatedResource("Capture-Id"),
  }
}
