/**
 * Every Klarna endpoint the plugin calls, each declared once: method, path, body, idempotency key rule and
 * how its 2xx response becomes the result. KlarnaApi (api.ts), KlarnaClient's methods (client.ts) and the
 * engine's port (sync/klarna-port.ts, a Pick of KlarnaApi) all follow from this table; failures are mapped
 * the same way for every endpoint (errors.ts), from the endpoint's name and whether it may be repeated.
 *
 * Adding an operation is one entry here (plus the port's Pick if the engine needs it). The key becomes the
 * method name, and the name in errors, logs and events.
 */
import { endpoint, type EndpointArgs, type EndpointResult, InvalidBody, operationFor, sendAs } from "./endpoint"
import {
  type CreatedResource,
  parseCreatedResource,
  parseJsonArray,
  parseJsonObject,
  parseNoContent,
  type ParseResult,
  type KlarnaHttpResponse,
  type KlarnaOperation,
} from "./operation"
import type {
  AppendShippingInfoRequest,
  CaptureRequest,
  KlarnaCapture,
  KlarnaOrder,
  KlarnaRefund,
  KlarnaShippingInfo,
  PaymentsOrder,
  PaymentsOrderRequest,
  PaymentsSession,
  PaymentsSessionRequest,
  RefundRequest,
  UpdateAuthorizationRequest,
  UpdateMerchantReferencesRequest,
} from "./types"

export interface CreateCaptureResult {
  /** From the Capture-Id header (or, if Klarna omits it, the last path segment of Location). */
  captureId: string
  /** The Location header as Klarna sent it. */
  location: string | undefined
  correlationId: string | undefined
}

export interface CreateRefundResult {
  /** From the Refund-Id header (or, if Klarna omits it, the last path segment of Location). */
  refundId: string
  location: string | undefined
  correlationId: string | undefined
}

const ORDER = "/ordermanagement/v1/orders/{orderId}"
const CAPTURE = `${ORDER}/captures/{captureId}` as const
const AUTHORIZATION = "/payments/v1/authorizations/{authorizationToken}"

/** A create's 201 (id from its header, else from Location: parseCreatedResource) as the method's result. */
function created<R>(idHeader: "Capture-Id" | "Refund-Id", toResult: (resource: CreatedResource) => R) {
  const parse = parseCreatedResource(idHeader)
  return (response: KlarnaHttpResponse): ParseResult<R> => {
    const parsed = parse(response)
    return parsed.ok ? { ok: true, value: toResult(parsed.value) } : parsed
  }
}

export const KLARNA_ENDPOINTS = {
  // --- Order Management ---------------------------------------------------------------------------

  /** → 200 MerchantOrderDto. */
  getOrder: endpoint({
    method: "GET",
    path: ORDER,
    idempotencyKey: "none",
    response: parseJsonObject<KlarnaOrder>("order_id"),
  }),

  /** → 201, no body, headers Capture-Id and Location. */
  createCapture: endpoint({
    method: "POST",
    path: `${ORDER}/captures`,
    body: sendAs<CaptureRequest>(),
    idempotencyKey: "required",
    response: created("Capture-Id", ({ id, location, correlationId }): CreateCaptureResult => ({ captureId: id, location, correlationId })),
  }),

  /** → 200 array of Capture. */
  listCaptures: endpoint({
    method: "GET",
    path: `${ORDER}/captures`,
    idempotencyKey: "none",
    response: parseJsonArray<KlarnaCapture>("capture_id"),
  }),

  /** → 200 Capture. */
  getCapture: endpoint({
    method: "GET",
    path: CAPTURE,
    idempotencyKey: "none",
    response: parseJsonObject<KlarnaCapture>("capture_id"),
  }),

  /**
   * → 204 (older docs: 201; any 2xx is accepted). Body { shipping_info: 1..500 entries }; appends to what
   * the capture has.
   */
  appendCaptureShippingInfo: endpoint({
    method: "POST",
    path: `${CAPTURE}/shipping-info`,
    body: (shippingInfo: KlarnaShippingInfo[]): AppendShippingInfoRequest => {
      if (!Array.isArray(shippingInfo) || shippingInfo.length === 0 || shippingInfo.length > 500) {
        throw new InvalidBody("shippingInfo must hold 1 to 500 entries")
      }
      return { shipping_info: shippingInfo }
    },
    idempotencyKey: "required",
    response: parseNoContent,
  }),

  /** → 204. Re-sends the customer communication for a capture. Kustom deprecated it (kustom.ts). */
  triggerSendOut: endpoint({
    method: "POST",
    path: `${CAPTURE}/trigger-send-out`,
    idempotencyKey: "required",
    response: parseNoContent,
  }),

  /** → 201, no body, headers Refund-Id and Location. */
  createRefund: endpoint({
    method: "POST",
    path: `${ORDER}/refunds`,
    body: sendAs<RefundRequest>(),
    idempotencyKey: "required",
    response: created("Refund-Id", ({ id, location, correlationId }): CreateRefundResult => ({ refundId: id, location, correlationId })),
  }),

  /** → 200 Refund. */
  getRefund: endpoint({
    method: "GET",
    path: `${ORDER}/refunds/{refundId}`,
    idempotencyKey: "none",
    response: parseJsonObject<KlarnaRefund>("refund_id"),
  }),

  /** → 204, no body. */
  releaseRemainingAuthorization: endpoint({
    method: "POST",
    path: `${ORDER}/release-remaining-authorization`,
    idempotencyKey: "required",
    response: parseNoContent,
  }),

  /** → 204, no body. */
  cancelOrder: endpoint({
    method: "POST",
    path: `${ORDER}/cancel`,
    idempotencyKey: "required",
    response: parseNoContent,
  }),

  /** → 204, no body. Same-day repeats give the same expiry anyway. */
  extendAuthorizationTime: endpoint({
    method: "POST",
    path: `${ORDER}/extend-authorization-time`,
    idempotencyKey: "required",
    response: parseNoContent,
  }),

  /** → 204. Body { merchant_reference1?, merchant_reference2? } (each ≤ 255; "" clears). */
  updateMerchantReferences: endpoint({
    method: "PATCH",
    path: `${ORDER}/merchant-references`,
    body: sendAs<UpdateMerchantReferencesRequest>(),
    idempotencyKey: "required",
    response: parseNoContent,
  }),

  /** → 204. Body { order_amount, description?, order_lines? }: omitting order_lines deletes the original lines. */
  updateAuthorization: endpoint({
    method: "PATCH",
    path: `${ORDER}/authorization`,
    body: sendAs<UpdateAuthorizationRequest>(),
    idempotencyKey: "required",
    response: parseNoContent,
  }),

  // --- Klarna Payments (checkout): its spec has no idempotency key, so these are never retried -------
  // A shopper waits for each of them: they go ahead of the sync's calls queued at the call gate.

  /** → 200 { session_id, client_token, payment_method_categories }. */
  createPaymentSession: endpoint({
    method: "POST",
    path: "/payments/v1/sessions",
    body: sendAs<PaymentsSessionRequest>(),
    idempotencyKey: "none",
    response: parseJsonObject<PaymentsSession>("session_id", "client_token"),
    priority: "shopper",
  }),

  /**
   * → 200 { order_id, redirect_url, fraud_status, authorized_payment_method }. Closes the session and
   * charges the customer. A key the caller gives is sent (Klarna's OM honours it and it makes a repeated
   * completion recognisable), but the call is still never repeated automatically.
   */
  createOrderFromAuthorization: endpoint({
    method: "POST",
    path: `${AUTHORIZATION}/order`,
    body: sendAs<PaymentsOrderRequest>(),
    idempotencyKey: "optional",
    maskInLogs: ["authorizationToken"],
    response: parseJsonObject<PaymentsOrder>("order_id"),
    priority: "shopper",
  }),

  /**
   * → 204. Releases an authorization that will not become an order. A repeat after a lost response would
   * answer 404, so it is not repeated automatically.
   */
  cancelAuthorization: endpoint({
    method: "DELETE",
    path: AUTHORIZATION,
    idempotencyKey: "none",
    maskInLogs: ["authorizationToken"],
    response: parseNoContent,
    priority: "shopper",
  }),
}

export type KlarnaEndpoints = typeof KLARNA_ENDPOINTS
export type KlarnaEndpointName = keyof KlarnaEndpoints

/** The operation a client method sends for these arguments (what tests inspect; throws as the method rejects). */
export function klarnaOperation<Name extends KlarnaEndpointName>(
  name: Name,
  ...args: EndpointArgs<KlarnaEndpoints[Name]>
): KlarnaOperation<EndpointResult<KlarnaEndpoints[Name]>> {
  return operationFor(name, KLARNA_ENDPOINTS[name], args).operation as KlarnaOperation<EndpointResult<KlarnaEndpoints[Name]>>
}
