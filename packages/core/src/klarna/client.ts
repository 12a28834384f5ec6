/**
 * KlarnaClient: typed methods over the Klarna Order Management and Payments APIs. Each method builds one
 * operation (operations/*.ts) and runs it through the shared request function (http.ts).
 */
import type { CreateCaptureResult, CreateRefundResult, KlarnaApi } from "./api"
import type { KlarnaClientConfig, KlarnaProvider } from "./config"
import { resolveBaseUrl, resolveProvider } from "./config"
import { createRequester, type KlarnaRequester } from "./http"
import type { KlarnaCallOptions, KlarnaMutationOptions, KlarnaOperation } from "./operation"
import { appendCaptureShippingInfoOperation } from "./operations/append-capture-shipping-info"
import { cancelAuthorizationOperation } from "./operations/cancel-authorization"
import { cancelOrderOperation } from "./operations/cancel-order"
import { createCaptureOperation } from "./operations/create-capture"
import { createOrderFromAuthorizationOperation } from "./operations/create-order-from-authorization"
import { createPaymentSessionOperation } from "./operations/create-payment-session"
import { createRefundOperation } from "./operations/create-refund"
import { extendAuthorizationTimeOperation } from "./operations/extend-authorization-time"
import { getCaptureOperation } from "./operations/get-capture"
import { getOrderOperation } from "./operations/get-order"
import { getRefundOperation } from "./operations/get-refund"
import { listCapturesOperation } from "./operations/list-captures"
import { releaseRemainingAuthorizationOperation } from "./operations/release-remaining-authorization"
import { triggerSendOutOperation } from "./operations/trigger-send-out"
import { updateAuthorizationOperation } from "./operations/update-authorization"
import { updateMerchantReferencesOperation } from "./operations/update-merchant-references"
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

export class KlarnaClient implements KlarnaApi {
  /** The base URL in use (no credentials in it). */
  readonly baseUrl: string
  /** Who serves these credentials: Kustom refuses the calls it deprecated (kustom.ts) before sending. */
  readonly provider: KlarnaProvider
  // A private field, so util.inspect / JSON.stringify of the client never reach the credentials' closure.
  readonly #request: KlarnaRequester

  constructor(config: KlarnaClientConfig) {
    this.#request = createRequester(config)
    this.baseUrl = resolveBaseUrl(config)
    this.provider = resolveProvider(config)
  }

  /** Runs any operation (e.g. one the typed methods don't cover) with the client's auth, retries and logging. */
  async request<T>(operation: KlarnaOperation<T>, options?: KlarnaCallOptions): Promise<T> {
    return this.#request(operation, options)
  }

  toJSON(): Record<string, unknown> {
    return { baseUrl: this.baseUrl, provider: this.provider }
  }

  // --- Order Management -------------------------------------------------------------------------

  async getOrder(orderId: string, options?: KlarnaCallOptions): Promise<KlarnaOrder> {
    return this.#request(getOrderOperation(orderId), options)
  }

  async createCapture(
    orderId: string,
    capture: CaptureRequest,
    options: KlarnaMutationOptions
  ): Promise<CreateCaptureResult> {
    const created = await this.#request(createCaptureOperation(orderId, capture, options?.idempotencyKey), options)
    return { captureId: created.id, location: created.location, correlationId: created.correlationId }
  }

  async listCaptures(orderId: string, options?: KlarnaCallOptions): Promise<KlarnaCapture[]> {
    return this.#request(listCapturesOperation(orderId), options)
  }

  async getCapture(orderId: string, captureId: string, options?: KlarnaCallOptions): Promise<KlarnaCapture> {
    return this.#request(getCaptureOperation(orderId, captureId), options)
  }

  async appendCaptureShippingInfo(
    orderId: string,
    captureId: string,
    shippingInfo: KlarnaShippingInfo[],
    options: KlarnaMutationOptions
  ): Promise<void> {
    return this.#request(
      appendCaptureShippingInfoOperation(orderId, captureId, shippingInfo, options?.idempotencyKey),
      options
    )
  }

  async triggerSendOut(orderId: string, captureId: string, options: KlarnaMutationOptions): Promise<void> {
    return this.#request(triggerSendOutOperation(orderId, captureId, options?.idempotencyKey), options)
  }

  async createRefund(orderId: string, refund: RefundRequest, options: KlarnaMutationOptions): Promise<CreateRefundResult> {
    const created = await this.#request(createRefundOperation(orderId, refund, options?.idempotencyKey), options)
    return { refundId: created.id, location: created.location, correlationId: created.correlationId }
  }

  async getRefund(orderId: string, refundId: string, options?: KlarnaCallOptions): Promise<KlarnaRefund> {
    return this.#request(getRefundOperation(orderId, refundId), options)
  }

  async releaseRemainingAuthorization(orderId: string, options: KlarnaMutationOptions): Promise<void> {
    return this.#request(releaseRemainingAuthorizationOperation(orderId, options?.idempotencyKey), options)
  }

  async cancelOrder(orderId: string, options: KlarnaMutationOptions): Promise<void> {
    return this.#request(cancelOrderOperation(orderId, options?.idempotencyKey), options)
  }

  async extendAuthorizationTime(orderId: string, options: KlarnaMutationOptions): Promise<void> {
    return this.#request(extendAuthorizationTimeOperation(orderId, options?.idempotencyKey), options)
  }

  async updateMerchantReferences(
    orderId: string,
    references: UpdateMerchantReferencesRequest,
    options: KlarnaMutationOptions
  ): Promise<void> {
    return this.#request(updateMerchantReferencesOperation(orderId, references, options?.idempotencyKey), options)
  }

  async updateAuthorization(orderId: string, update: UpdateAuthorizationRequest, options: KlarnaMutationOptions): Promise<void> {
    return this.#request(updateAuthorizationOperation(orderId, update, options?.idempotencyKey), options)
  }

  // --- Klarna Payments (checkout) ---------------------------------------------------------------

  async createPaymentSession(session: PaymentsSessionRequest, options?: KlarnaCallOptions): Promise<PaymentsSession> {
    return this.#request(createPaymentSessionOperation(session), options)
  }

  async createOrderFromAuthorization(
    authorizationToken: string,
    order: PaymentsOrderRequest,
    options?: KlarnaCallOptions
  ): Promise<PaymentsOrder> {
    return this.#request(createOrderFromAuthorizationOperation(authorizationToken, order), options)
  }

  async cancelAuthorization(authorizationToken: string, options?: KlarnaCallOptions): Promise<void> {
    return this.#request(cancelAuthorizationOperation(authorizationToken), options)
  }
}
