/**
 * What the rest of the plugin may ask of Klarna. The sync engine depends on this interface, not on
 * KlarnaClient, so tests can hand it a fake. All methods throw KlarnaError (see errors.ts) on failure.
 */
import type { KlarnaCallOptions, KlarnaMutationOptions } from "./operation"
import type {
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

export type { KlarnaCallOptions, KlarnaMutationOptions } from "./operation"

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

export interface KlarnaApi {
  // --- Order Management -------------------------------------------------------------------------
  getOrder(orderId: string, options?: KlarnaCallOptions): Promise<KlarnaOrder>
  createCapture(orderId: string, capture: CaptureRequest, options: KlarnaMutationOptions): Promise<CreateCaptureResult>
  listCaptures(orderId: string, options?: KlarnaCallOptions): Promise<KlarnaCapture[]>
  getCapture(orderId: string, captureId: string, options?: KlarnaCallOptions): Promise<KlarnaCapture>
  appendCaptureShippingInfo(
    orderId: string,
    captureId: string,
    shippingInfo: KlarnaShippingInfo[],
    options: KlarnaMutationOptions
  ): Promise<void>
  triggerSendOut(orderId: string, captureId: string, options: KlarnaMutationOptions): Promise<void>
  createRefund(orderId: string, refund: RefundRequest, options: KlarnaMutationOptions): Promise<CreateRefundResult>
  getRefund(orderId: string, refundId: string, options?: KlarnaCallOptions): Promise<KlarnaRefund>
  releaseRemainingAuthorization(orderId: string, options: KlarnaMutationOptions): Promise<void>
  cancelOrder(orderId: string, options: KlarnaMutationOptions): Promise<void>
  extendAuthorizationTime(orderId: string, options: KlarnaMutationOptions): Promise<void>
  updateMerchantReferences(
    orderId: string,
    references: UpdateMerchantReferencesRequest,
    options: KlarnaMutationOptions
  ): Promise<void>
  updateAuthorization(orderId: string, update: UpdateAuthorizationRequest, options: KlarnaMutationOptions): Promise<void>

  // --- Klarna Payments (checkout); no idempotency key exists for these, so they are never retried ------
  createPaymentSession(session: PaymentsSessionRequest, options?: KlarnaCallOptions): Promise<PaymentsSession>
  createOrderFromAuthorization(
    authorizationToken: string,
    order: PaymentsOrderRequest,
    options?: KlarnaCallOptions
  ): Promise<PaymentsOrder>
  cancelAuthorization(authorizationToken: string, options?: KlarnaCallOptions): Promise<void>
}
