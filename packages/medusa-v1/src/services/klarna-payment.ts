/**
 * Klarna as a Medusa v1 payment processor (identifier "klarna").
 *
 * Checkout (Klarna Payments): initiatePayment opens a Klarna Payments session for the cart
 * (session_data: session_id, client_token, payment_method_categories); the storefront runs Klarna's widget
 * with client_token and posts the resulting authorization_token to
 * `POST /store/carts/:id/payment-sessions/klarna {data: {authorization_token}}` (updatePaymentData);
 * completing the cart calls authorizePayment, which turns the authorization into a Klarna order.
 * The Klarna order id lands in `payment.data.order_id` (and at `orderIdPath` if that differs).
 *
 * After checkout, Klarna Order Management has ONE writer, the sync service: capturePayment,
 * refundPayment and cancelPayment delegate to `klarnaSyncService` (resolved lazily from the container:
 * it is registered by the same plugin and may depend on services that do not exist yet when this
 * processor is constructed).
 *
 * Failures are returned as PaymentProcessorError objects (Medusa turns them into 400 responses) carrying
 * Klarna's error_code, error_messages and correlation_id, never credentials.
 *
 * What is sent for a cart (lines, amounts, addresses, locale) is built by medusa/payments-request.ts.
 */
import {
  AbstractPaymentProcessor,
  type PaymentProcessorContext,
  type PaymentProcessorError,
  type PaymentProcessorSessionResponse,
  PaymentSessionStatus,
} from "@medusajs/medusa"
import { KlarnaError } from "@klarna-order-sync/core"
import type { KlarnaClient } from "@klarna-order-sync/core"
import { clientForCurrency, type MedusaLoggerLike } from "../medusa/klarna-clients"
import { type KlarnaPluginOptions, parsePluginOptions, PLUGIN_NAME } from "../medusa/plugin-options"
import {
  buildPaymentsOrderRequest,
  buildPaymentsSessionRequest,
  CART_RELATIONS,
  type CartForKlarna,
  medusaAmount,
} from "../medusa/payments-request"
import { idempotencyKeyFor, klarnaSessionData } from "@klarna-order-sync/core"

/** What this processor needs from the sync service (src/services/klarna-sync.ts). */
export interface KlarnaSyncForPayments {
  /** Captures whatever of the order is not captured yet (admin "Capture payment"). */
  captureRemainingForPayment(paymentData: Record<string, unknown>): Promise<Record<string, unknown> | void>
  /** Throws (with a clear message) when Klarna cannot refund `amount` for this payment. */
  assertRefundable(paymentData: Record<string, unknown>, amount: number): Promise<void>
  /** The Medusa payment was canceled: release/cancel the Klarna order as appropriate. */
  handlePaymentCanceled(paymentData: Record<string, unknown>): Promise<Record<string, unknown> | void>
  /** Records a Klarna order created for a cart, so that it is cancelled if the cart never becomes an order. */
  recordCheckoutAuthorization(cartId: string, klarnaOrderId: string, currency: string, amount: number): Promise<void>
  /** The recorded Klarna order of a checkout (its status says whether it was cancelled as an orphan). */
  findCheckoutAuthorization(klarnaOrderId: string): Promise<{ status: string; reason: string | null } | null>
}

interface CartServiceLike {
  retrieveWithTotals(cartId: string, options?: { relations?: string[] }, totalsConfig?: { force_taxes?: boolean }): Promise<CartForKlarna>
}

type InjectedDependencies = {
  logger?: MedusaLoggerLike
  cartService?: CartServiceLike
  klarnaSyncService?: KlarnaSyncForPayments
}

type SessionData = Record<string, unknown>

/** Keys the storefront may set through updatePaymentData. Everything else is ours. */
const STOREFRONT_KEYS = new Set(["authorization_token"])

function setDotPath(target: Record<string, unknown>, dotPath: string, value: unknown): void {
  const keys = dotPath.split(".")
  let node = target
  for (const key of keys.slice(0, -1)) {
    const next = node[key]
    if (next === null || typeof next !== "object") node[key] = {}
    node = node[key] as Record<string, unknown>
  }
  node[keys[keys.length - 1]] = value
}

function asString(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined
}

class KlarnaPaymentProcessor extends AbstractPaymentProcessor {
  static override identifier = "klarna"

  protected readonly options_: KlarnaPluginOptions
  protected readonly cradle_: InjectedDependencies

  constructor(container: InjectedDependencies, options?: Record<string, unknown>) {
    super(container as Record<string, unknown>, options)
    this.cradle_ = container
    // Validates the options: Medusa instantiates payment processors while loading (defaults loader), so
    // invalid options stop the server with a message naming the option.
    this.options_ = parsePluginOptions(options)
  }

  // --- lazily resolved dependencies ---------------------------------------------------------------

  protected get logger_(): MedusaLoggerLike | undefined {
    try {
      return this.cradle_.logger
    } catch {
      return undefined
    }
  }

  protected get syncService_(): KlarnaSyncForPayments {
    return this.cradle_.klarnaSyncService as KlarnaSyncForPayments
  }

  protected get cartService_(): CartServiceLike {
    return this.cradle_.cartService as CartServiceLike
  }

  protected client(currency: string): KlarnaClient {
    return clientForCurrency(this.options_, currency, { logger: this.logger_ })
  }

  protected async retrieveCart(cartId: string): Promise<CartForKlarna> {
    return this.cartService_.retrieveWithTotals(cartId, { relations: CART_RELATIONS }, { force_taxes: true })
  }

  // --- errors ---------------------------------------------------------------------------------------

  /** A PaymentProcessorError (error, code and detail all set: Medusa's isPaymentProcessorError needs all three). */
  protected toError(action: string, err: unknown): PaymentProcessorError {
    if (err instanceof KlarnaError) {
      const detail = {
        operation: err.operation,
        http_status: err.httpStatus,
        error_code: err.errorCode,
        error_messages: err.errorMessages,
        correlation_id: err.correlationId,
        retryable: err.retryable,
      }
      this.logger_?.warn(`[${PLUGIN_NAME}] ${action} failed: ${err.message}`)
      return {
        error: `Klarna: ${action} failed: ${err.message}`,
        code: err.errorCode ?? (err.httpStatus !== undefined ? `HTTP_${err.httpStatus}` : "KLARNA_ERROR"),
        detail: JSON.stringify(detail),
      }
    }
    const message = err instanceof Error ? err.message : String(err)
    this.logger_?.warn(`[${PLUGIN_NAME}] ${action} failed: ${message}`)
    const code = (err as { code?: unknown } | null)?.code
    return {
      error: `Klarna: ${action} failed: ${message}`,
      code: typeof code === "string" && code !== "" ? code : "KLARNA_PLUGIN_ERROR",
      detail: JSON.stringify({ action }),
    }
  }

  // --- checkout -------------------------------------------------------------------------------------

  protected async openSession(context: PaymentProcessorContext): Promise<SessionData> {
    const currency = context.currency_code
    const cartId = context.resource_id
    const cart = await this.retrieveCart(cartId)
    const amount = medusaAmount(context.amount)
    const body = buildPaymentsSessionRequest(cart, this.options_, currency, amount)
    const session = await this.client(currency).createPaymentSession(body)
    return klarnaSessionData(session, body, cart.id, amount)
  }

  async initiatePayment(context: PaymentProcessorContext): Promise<PaymentProcessorError | PaymentProcessorSessionResponse> {
    try {
      return { session_data: await this.openSession(context) }
    } catch (err) {
      return this.toError("creating the Klarna Payments session", err)
    }
  }

  /**
   * Called when the cart changes while this session is selected. Same amount and currency: nothing to do
   * (returns void; Medusa keeps the session). Otherwise a new Klarna session replaces it (an authorization
   * for the old amount would not match the order any more).
   */
  async updatePayment(context: PaymentProcessorContext): Promise<PaymentProcessorError | PaymentProcessorSessionResponse | void> {
    const data = context.paymentSessionData ?? {}
    if (asString(data.order_id)) return // already an order: nothing to update
    const sameAmount = medusaAmount(data.order_amount as number) === medusaAmount(context.amount)
    const sameCurrency = String(data.purchase_currency ?? "").toLowerCase() === String(context.currency_code ?? "").toLowerCase()
    if (asString(data.session_id) && sameAmount && sameCurrency) return
    try {
      return { session_data: await this.openSession(context) }
    } catch (err) {
      return this.toError("updating the Klarna Payments session", err)
    }
  }

  /**
   * `POST /store/carts/:id/payment-sessions/klarna {data}`: the storefront hands over the
   * authorization_token from Klarna's widget. Only storefront keys are accepted; Medusa merges the result
   * into the session data.
   */
  async updatePaymentData(
    _sessionId: string,
    data: Record<string, unknown>,
  ): Promise<PaymentProcessorError | PaymentProcessorSessionResponse["session_data"]> {
    const unknownKeys = Object.keys(data ?? {}).filter((k) => !STOREFRONT_KEYS.has(k))
    if (unknownKeys.length > 0) {
      return {
        error: `Klarna: payment session data may only set ${[...STOREFRONT_KEYS].join(", ")}`,
        code: "INVALID_PAYMENT_DATA",
        detail: JSON.stringify({ rejected_keys: unknownKeys }),
      }
    }
    if (data.authorization_token !== undefined && !asString(data.authorization_token)) {
      return {
        error: "Klarna: authorization_token must be a non-empty string",
        code: "INVALID_PAYMENT_DATA",
        detail: JSON.stringify({ field: "authorization_token" }),
      }
    }
    return { ...data }
  }

  async authorizePayment(
    paymentSessionData: Record<string, unknown>,
    context: Record<string, unknown>,
  ): Promise<PaymentProcessorError | { status: PaymentSessionStatus; data: PaymentProcessorSessionResponse["session_data"] }> {
    const data = { ...paymentSessionData }
    const existingOrderId = asString(data.order_id)
    if (existingOrderId) return this.alreadyAuthorized(existingOrderId, data)
    const token = asString(data.authorization_token)
    if (!token) return { status: PaymentSessionStatus.REQUIRES_MORE, data }
    try {
      const cartId = asString(context?.cart_id) ?? asString(data.cart_id)
      if (!cartId) throw new Error("the payment session does not name its cart")
      const cart = await this.retrieveCart(cartId)
      const currency = asString(data.purchase_currency) ?? cart.region?.currency_code
      if (!currency) throw new Error("the cart has no currency")
      const body = buildPaymentsOrderRequest(cart, this.options_, currency, medusaAmount(cart.total))
      const sessionId = asString(data.session_id) ?? cartId
      // The Payments spec defines no idempotency key; Klarna's OM honours it and it costs nothing to
      // send, so a repeated completion of the same cart is recognisable (it is still never retried).
      const order = await this.client(currency).createOrderFromAuthorization(token, body, {
        idempotencyKey: idempotencyKeyFor(`medusa:authorize:${sessionId}`),
      })
      await this.recordAuthorization(cartId, order.order_id, currency, body.order_amount)
      const result: Record<string, unknown> = {
        ...data,
        order_id: order.order_id,
        fraud_status: order.fraud_status,
        authorized_payment_method: order.authorized_payment_method,
        order_amount: body.order_amount,
        purchase_currency: body.purchase_currency,
      }
      if (this.options_.orderIdPath !== "order_id") setDotPath(result, this.options_.orderIdPath, order.order_id)
      if (order.fraud_status === "REJECTED") {
        this.logger_?.warn(`[${PLUGIN_NAME}] Klarna order ${order.order_id} for cart ${cartId} was created with fraud_status REJECTED`)
        return { status: PaymentSessionStatus.ERROR, data: result }
      }
      return { status: PaymentSessionStatus.AUTHORIZED, data: result }
    } catch (err) {
      return this.toError("creating the Klarna order from the authorization", err)
    }
  }

  /**
   * A completion that runs again (a retry after a failure) finds the Klarna order in the session. It is
   * used again unless it was cancelled because the cart did not become an order: then the shopper must
   * authorize a new payment.
   */
  protected async alreadyAuthorized(
    klarnaOrderId: string,
    data: Record<string, unknown>,
  ): Promise<PaymentProcessorError | { status: PaymentSessionStatus; data: PaymentProcessorSessionResponse["session_data"] }> {
    const recorded = await this.syncService_.findCheckoutAuthorization(klarnaOrderId).catch(() => null)
    if (recorded && (recorded.status === "cancelling" || recorded.status === "cancelled")) {
      return {
        error:
          `Klarna: the Klarna order ${klarnaOrderId} of this cart was cancelled because the checkout did not complete ` +
          `(${recorded.reason ?? "no order"}); pay again (refresh the payment sessions)`,
        code: "KLARNA_AUTHORIZATION_CANCELLED",
        detail: JSON.stringify({ order_id: klarnaOrderId, status: recorded.status }),
      }
    }
    return { status: PaymentSessionStatus.AUTHORIZED, data }
  }

  /**
   * Recorded in a transaction of its own, so that it survives Medusa rolling back the completion. A failure
   * to record is logged and does not fail the checkout (the Klarna order exists either way).
   */
  protected async recordAuthorization(cartId: string, klarnaOrderId: string, currency: string, amount: number): Promise<void> {
    try {
      await this.syncService_.recordCheckoutAuthorization(cartId, klarnaOrderId, currency.toLowerCase(), amount)
    } catch (err) {
      this.logger_?.error?.(
        `[${PLUGIN_NAME}] could not record Klarna order ${klarnaOrderId} of cart ${cartId}; it is not cancelled automatically ` +
          `if the cart never becomes an order: ${(err as Error).message}`,
      )
    }
  }

  /**
   * From the session data alone: Medusa asks during checkout, right after authorizePayment stored the
   * Klarna order id and fraud status, so reading the order back from Klarna would only repeat them.
   * (What happens to the order afterwards is the sync engine's business, shown in the admin widget.)
   */
  async getPaymentStatus(paymentSessionData: Record<string, unknown>): Promise<PaymentSessionStatus> {
    const orderId = asString(paymentSessionData.order_id)
    if (!orderId) {
      return asString(paymentSessionData.authorization_token) ? PaymentSessionStatus.PENDING : PaymentSessionStatus.REQUIRES_MORE
    }
    return asString(paymentSessionData.fraud_status) === "REJECTED" ? PaymentSessionStatus.ERROR : PaymentSessionStatus.AUTHORIZED
  }

  /** payment.data is the session data with the Klarna order id: no need to fetch the order at checkout. */
  async retrievePayment(
    paymentSessionData: Record<string, unknown>,
  ): Promise<PaymentProcessorError | PaymentProcessorSessionResponse["session_data"]> {
    return paymentSessionData
  }

  /** The cart dropped this session: release an authorization that never became an order. */
  async deletePayment(
    paymentSessionData: Record<string, unknown>,
  ): Promise<PaymentProcessorError | PaymentProcessorSessionResponse["session_data"]> {
    const token = asString(paymentSessionData.authorization_token)
    const currency = asString(paymentSessionData.purchase_currency)
    if (!token || !currency || asString(paymentSessionData.order_id)) return paymentSessionData
    try {
      await this.client(currency).cancelAuthorization(token)
    } catch (err) {
      // 404: already gone (used, expired or canceled). Anything else is logged: a dangling authorization
      // expires on its own and must not block the customer's cart.
      if (!(err instanceof KlarnaError && err.httpStatus === 404)) {
        this.logger_?.warn(`[${PLUGIN_NAME}] canceling a Klarna authorization failed: ${(err as Error).message}`)
      }
    }
    return paymentSessionData
  }

  // --- after checkout: through the sync service (one writer) -----------------------------------------

  async capturePayment(
    paymentSessionData: Record<string, unknown>,
  ): Promise<PaymentProcessorError | PaymentProcessorSessionResponse["session_data"]> {
    try {
      const updated = await this.syncService_.captureRemainingForPayment(paymentSessionData)
      return updated ?? paymentSessionData
    } catch (err) {
      return this.toError("capturing the Klarna order", err)
    }
  }

  /**
   * Medusa records the refund itself; the Klarna refund is sent by the sync service when
   * order.refund_created arrives (with order lines and an idempotency key derived from the refund id).
   * Here we only refuse refunds Klarna could not honour, before Medusa records them.
   */
  async refundPayment(
    paymentSessionData: Record<string, unknown>,
    refundAmount: number,
  ): Promise<PaymentProcessorError | PaymentProcessorSessionResponse["session_data"]> {
    try {
      await this.syncService_.assertRefundable(paymentSessionData, refundAmount)
      return paymentSessionData
    } catch (err) {
      return this.toError("refunding the Klarna order", err)
    }
  }

  async cancelPayment(
    paymentSessionData: Record<string, unknown>,
  ): Promise<PaymentProcessorError | PaymentProcessorSessionResponse["session_data"]> {
    try {
      const updated = await this.syncService_.handlePaymentCanceled(paymentSessionData)
      return updated ?? paymentSessionData
    } catch (err) {
      return this.toError("canceling the Klarna order", err)
    }
  }
}

export default KlarnaPaymentProcessor
