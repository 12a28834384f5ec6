/**
 * Klarna as a Medusa v2 payment provider (`pp_klarna_klarna`).
 *
 * Checkout (Klarna Payments), as Medusa 2.21 drives it (measured in test/medusa-v2/provider.test.ts):
 *  1. `POST /store/payment-collections/:id/payment-sessions {provider_id}` → initiatePayment: a Klarna Payments
 *     session for the cart (its lines read through the sync service's `query`; the amount is the payment
 *     collection's, in exact minor units) → data {session_id, client_token, payment_method_categories, ...}.
 *  2. The storefront runs Klarna's widget with client_token and gets an authorization_token; it hands it over by
 *     creating the session again with `data: {authorization_token}` (v2's store API cannot update a session's
 *     data; Medusa deletes the old session, calling deletePayment, then initiatePayment with the token).
 *  3. `POST /store/carts/:id/complete` → authorizePayment (after Medusa created the order): the Klarna order is
 *     created from the authorization (POST /payments/v1/authorizations/{token}/order, idempotency key of the
 *     payment session), kept at data.order_id and recorded with the sync service so that it is cancelled if the
 *     cart never becomes an order (Medusa rolls the completion back, the process dies...).
 *
 * After checkout Klarna Order Management has one writer, the sync engine:
 *  - capturePayment (Medusa's "Capture" button; carries no amount and no lines) captures through the engine what
 *    no fulfillment captured yet, with lines, or nothing;
 *  - refundPayment only refuses what Klarna cannot refund (so Medusa never records it); the Klarna refund itself
 *    is sent once by the engine when `payment.refunded` arrives (with the returned lines when it comes from a
 *    return);
 *  - cancelPayment does NOT touch Klarna: Medusa calls it when a return, claim, exchange or order edit re-creates
 *    the payment collection of a partly captured order (the authorization is still needed for what ships), when
 *    an order is canceled (the engine acts on `order.canceled`, from the order's real state) and when a cart
 *    completion is rolled back after the authorization (the recorded checkout authorization is then an orphan the
 *    sweep cancels). In every case the engine decides from the order itself; the provider only keeps the data.
 */
import { AbstractPaymentProvider, MedusaError } from "@medusajs/framework/utils"
import type {
  AuthorizePaymentInput,
  AuthorizePaymentOutput,
  CancelPaymentInput,
  CancelPaymentOutput,
  CapturePaymentInput,
  CapturePaymentOutput,
  DeletePaymentInput,
  DeletePaymentOutput,
  GetPaymentStatusInput,
  GetPaymentStatusOutput,
  InitiatePaymentInput,
  InitiatePaymentOutput,
  ProviderWebhookPayload,
  RefundPaymentInput,
  RefundPaymentOutput,
  RetrievePaymentInput,
  RetrievePaymentOutput,
  UpdatePaymentInput,
  UpdatePaymentOutput,
  WebhookActionResult,
} from "@medusajs/framework/types"
import { KlarnaError, idempotencyKeyFor, klarnaSessionData } from "@klarna-order-sync/core"
import { formatExactDecimal, parseV2Amount, v2AmountToExactMinorUnits, v2AmountToMinorUnits } from "../../money/v2-amounts"
import { checkoutOrderRequest, checkoutSessionRequest } from "../../lib/provider-checkout"
import { StorefrontDataError, setDotPath, statusFromData, storefrontData, stringField } from "../../lib/provider-payment-data"
import { readCheckoutCart } from "./checkout-cart"
import { checkoutQuery, providerSync } from "./provider-sync"

type Logger = { info(message: string): void; warn(message: string): void; error(message: string): void }
type Data = Record<string, unknown>

const LOG_PREFIX = "[klarna-order-sync]"

export default class KlarnaPaymentProviderService extends AbstractPaymentProvider<Record<string, unknown>> {
  static identifier = "klarna"

  protected readonly logger_: Logger | undefined

  constructor(container: Record<string, unknown>, options: Record<string, unknown> = {}) {
    super(container, options)
    try {
      this.logger_ = container.logger as Logger
    } catch {
      this.logger_ = undefined
    }
  }

  /**
   * With KOS_KLARNA_PROVIDER_TRACE=1, one log line per call Medusa makes (method, payment session or Klarna
   * order, amount): how the tests measure when v2 calls what. Never the data itself (it holds tokens).
   */
  protected trace(method: string, input: { data?: Data; context?: unknown; amount?: unknown }): void {
    if (process.env.KOS_KLARNA_PROVIDER_TRACE !== "1") return
    const context = (input.context ?? {}) as { idempotency_key?: string }
    const fields = {
      key: context.idempotency_key,
      klarna_order: stringField(input.data, "order_id"),
      session: stringField(input.data, "session_id"),
      amount: input.amount === undefined ? undefined : formatExactDecimal(parseV2Amount(input.amount)),
    }
    this.logger_?.info(`${LOG_PREFIX} provider ${method} ${JSON.stringify(fields)}`)
  }

  // --- errors -----------------------------------------------------------------------------------------

  /** A MedusaError (Medusa answers 4xx with its message) carrying Klarna's error code and correlation id. */
  protected failure(action: string, err: unknown, type: string = MedusaError.Types.NOT_ALLOWED): MedusaError {
    if (err instanceof MedusaError) return err
    if (err instanceof StorefrontDataError) return new MedusaError(MedusaError.Types.INVALID_DATA, err.message)
    let message: string
    if (err instanceof KlarnaError) {
      const detail = [
        err.errorCode && `error_code ${err.errorCode}`,
        err.errorMessages.length > 0 && `error_messages ${err.errorMessages.join("; ")}`,
        err.correlationId && `correlation_id ${err.correlationId}`,
      ].filter(Boolean)
      message = `Klarna: ${action} failed: ${err.message}${detail.length ? ` (${detail.join(", ")})` : ""}`
    } else {
      message = `Klarna: ${action} failed: ${err instanceof Error ? err.message : String(err)}`
    }
    this.logger_?.warn(`${LOG_PREFIX} ${message}`)
    return new MedusaError(type, message)
  }

  // --- checkout ---------------------------------------------------------------------------------------

  async initiatePayment(input: InitiatePaymentInput): Promise<InitiatePaymentOutput> {
    this.trace("initiatePayment", input)
    try {
      const fromStorefront = storefrontData(input.data)
      const currency = input.currency_code.toUpperCase()
      const amount = v2AmountToMinorUnits(input.amount, currency, "payment amount")
      const paymentSessionId = paymentSessionIdOf(input)
      if (fromStorefront.authorization_token) {
        // Step 2: the shopper approved in Klarna's widget; the order is created when the cart completes.
        return {
          id: paymentSessionId,
          status: "pending",
          data: { authorization_token: fromStorefront.authorization_token, order_amount: amount, purchase_currency: currency },
        }
      }
      const cart = await readCheckoutCart(checkoutQuery(), paymentSessionId)
      const body = checkoutSessionRequest(cart, providerSync().options, amount)
      const session = await providerSync().klarnaClientForCurrency(currency).createPaymentSession(body)
      return { id: session.session_id, data: klarnaSessionData(session, body, cart.id, amount) }
    } catch (err) {
      throw this.failure("creating the Klarna Payments session", err)
    }
  }

  async authorizePayment(input: AuthorizePaymentInput): Promise<AuthorizePaymentOutput> {
    this.trace("authorizePayment", input)
    const data: Data = { ...(input.data ?? {}) }
    if (stringField(data, "order_id")) return { status: statusFromData(data), data }
    const token = stringField(data, "authorization_token")
    if (!token) return { status: "requires_more", data }
    try {
      const paymentSessionId = paymentSessionIdOf(input)
      const currency = stringField(data, "purchase_currency")
      const amount = data.order_amount
      if (!currency || typeof amount !== "number") throw new Error("the payment session has no amount or currency (create it again)")
      const cart = await readCheckoutCart(checkoutQuery(), paymentSessionId)
      const body = checkoutOrderRequest(cart, providerSync().options, amount)
      // Klarna Payments defines no idempotency key; OM honours it, and it makes a repeated completion of the
      // same session recognisable. Never repeated automatically (the token is single use).
      const order = await providerSync()
        .klarnaClientForCurrency(currency)
        .createOrderFromAuthorization(token, body, { idempotencyKey: idempotencyKeyFor(`medusa:authorize:${paymentSessionId}`) })
      await this.recordAuthorization(cart.id, order.order_id, currency, amount)
      const authorized: Data = {
        ...data,
        order_id: order.order_id,
        fraud_status: order.fraud_status,
        authorized_payment_method: order.authorized_payment_method,
        cart_id: cart.id,
        purchase_country: body.purchase_country,
      }
      const { orderIdPath } = providerSync().options
      if (orderIdPath !== "order_id") setDotPath(authorized, orderIdPath, order.order_id)
      if (order.fraud_status === "REJECTED") {
        this.logger_?.warn(`${LOG_PREFIX} Klarna order ${order.order_id} of cart ${cart.id} was created with fraud_status REJECTED`)
        return { status: "error", data: authorized }
      }
      return { status: "authorized", data: authorized }
    } catch (err) {
      throw this.failure("creating the Klarna order from the authorization", err, MedusaError.Types.PAYMENT_AUTHORIZATION_ERROR)
    }
  }

  /**
   * Recorded before Medusa stores the payment, so the Klarna order is cancelled if the completion is rolled
   * back. A failure to record is logged and does not fail the checkout (the Klarna order exists either way).
   */
  protected async recordAuthorization(cartId: string, klarnaOrderId: string, currency: string, amount: number): Promise<void> {
    try {
      await providerSync().recordCheckoutAuthorization(cartId, klarnaOrderId, currency.toLowerCase(), amount)
    } catch (err) {
      this.logger_?.error(
        `${LOG_PREFIX} could not record Klarna order ${klarnaOrderId} of cart ${cartId}; it is not cancelled automatically ` +
          `if the cart never becomes an order: ${(err as Error).message}`,
      )
    }
  }

  /**
   * Medusa drops a session (the cart changed, another session replaces it): an authorization that never
   * became a Klarna order is released. A Klarna order is left to the engine (and to the orphan sweep).
   */
  async deletePayment(input: DeletePaymentInput): Promise<DeletePaymentOutput> {
    this.trace("deletePayment", input)
    const data = input.data ?? {}
    const token = stringField(data, "authorization_token")
    const currency = stringField(data, "purchase_currency")
    if (!token || !currency || stringField(data, "order_id")) return { data }
    try {
      await providerSync().klarnaClientForCurrency(currency).cancelAuthorization(token)
    } catch (err) {
      // 404: already used, cancelled or expired. Anything else is logged: a dangling authorization expires on
      // its own and must not block the shopper's cart.
      if (!(err instanceof KlarnaError && err.httpStatus === 404)) {
        this.logger_?.warn(`${LOG_PREFIX} cancelling a Klarna authorization failed: ${(err as Error).message}`)
      }
    }
    return { data }
  }

  /**
   * Only Medusa's updatePaymentSession calls this (its store routes delete and re-create sessions instead).
   * A Klarna session is for one amount and currency: a different one needs a new session.
   */
  async updatePayment(input: UpdatePaymentInput): Promise<UpdatePaymentOutput> {
    this.trace("updatePayment", input)
    const data = input.data ?? {}
    if (stringField(data, "order_id")) return { data }
    const currency = input.currency_code?.toUpperCase()
    const sameCurrency = !currency || currency === stringField(data, "purchase_currency")
    const sameAmount = input.amount === undefined || v2AmountToMinorUnits(input.amount, currency ?? "SEK") === data.order_amount
    if (sameCurrency && sameAmount) return { data }
    throw new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      "Klarna: a Klarna Payments session is for one amount and currency; create a new payment session for the changed cart",
    )
  }

  async getPaymentStatus(input: GetPaymentStatusInput): Promise<GetPaymentStatusOutput> {
    this.trace("getPaymentStatus", input)
    return { status: statusFromData(input.data), data: input.data }
  }

  /** payment.data already holds the Klarna order id; what Klarna holds since is the engine's (widget, sync log). */
  async retrievePayment(input: RetrievePaymentInput): Promise<RetrievePaymentOutput> {
    this.trace("retrievePayment", input)
    return { data: input.data }
  }

  // --- after checkout: through the sync engine (one writer) --------------------------------------------

  async capturePayment(input: CapturePaymentInput): Promise<CapturePaymentOutput> {
    this.trace("capturePayment", input)
    const data = input.data ?? {}
    try {
      await providerSync().captureRemainingForPayment(data)
      return { data }
    } catch (err) {
      throw this.failure("capturing the Klarna order", err)
    }
  }

  async refundPayment(input: RefundPaymentInput): Promise<RefundPaymentOutput> {
    this.trace("refundPayment", input)
    const data = input.data ?? {}
    try {
      const currency = stringField(data, "purchase_currency")
      if (!currency) throw new Error("the payment has no Klarna currency: it was not authorized through Klarna")
      // Exact: Klarna refunds whole minor units; Medusa must not record 10.005 SEK that Klarna would round.
      const amount = v2AmountToExactMinorUnits(input.amount, currency, "refund amount")
      // Medusa has committed this refund's row before calling us (and deletes it if we throw).
      await providerSync().assertRefundable(data, amount, { alreadyRecorded: true })
      return { data }
    } catch (err) {
      throw this.failure("refunding the Klarna order", err)
    }
  }

  /** Never releases or cancels the Klarna order by itself: see the module comment. */
  async cancelPayment(input: CancelPaymentInput): Promise<CancelPaymentOutput> {
    this.trace("cancelPayment", input)
    return { data: input.data }
  }

  async getWebhookActionAndData(_payload: ProviderWebhookPayload["payload"]): Promise<WebhookActionResult> {
    return { action: "not_supported" }
  }
}

/**
 * Medusa's payment session id: it sends it as the context's idempotency_key (initiatePayment and
 * authorizePayment) and as data.session_id (initiatePayment only; our own data replaces it afterwards).
 */
function paymentSessionIdOf(input: { context?: { idempotency_key?: string } | undefined; data?: Data }): string {
  const id = input.context?.idempotency_key ?? stringField(input.data, "session_id")
  if (!id) throw new Error("Medusa did not name the payment session")
  return id
}
