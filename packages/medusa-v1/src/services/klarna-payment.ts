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
import { createOrderFromAuthorizationOperation } from "@klarna-order-sync/core"
import type {
  KlarnaAddress,
  KlarnaOrderLine,
  PaymentsOrderRequest,
  PaymentsSessionRequest,
} from "@klarna-order-sync/core"
import { clientForCurrency, type MedusaLoggerLike } from "../medusa/klarna-clients"
import { type KlarnaPluginOptions, parsePluginOptions, PLUGIN_NAME } from "../medusa/plugin-options"
import { idempotencyKeyFor } from "@klarna-order-sync/core"
import { truncateText } from "@klarna-order-sync/core"

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

/** The slices of Medusa's cart (with totals) that the Klarna session and order are built from. */
interface CartTaxLine {
  rate: number
}
interface CartLineItem {
  id: string
  title: string
  description?: string | null
  quantity: number
  unit_price: number
  variant_id?: string | null
  variant?: { sku?: string | null; title?: string | null } | null
  is_giftcard?: boolean
  total?: number | null
  original_total?: number | null
  tax_total?: number | null
  tax_lines?: CartTaxLine[]
}
interface CartShippingMethod {
  id: string
  price: number
  total?: number | null
  original_total?: number | null
  tax_total?: number | null
  tax_lines?: CartTaxLine[]
  shipping_option?: { name?: string | null; id?: string } | null
  shipping_option_id?: string
}
interface CartAddress {
  first_name?: string | null
  last_name?: string | null
  company?: string | null
  address_1?: string | null
  address_2?: string | null
  city?: string | null
  country_code?: string | null
  province?: string | null
  postal_code?: string | null
  phone?: string | null
}
export interface CartForKlarna {
  id: string
  email?: string | null
  total?: number | null
  tax_total?: number | null
  gift_card_total?: number | null
  gift_card_tax_total?: number | null
  items: CartLineItem[]
  shipping_methods?: CartShippingMethod[]
  shipping_address?: CartAddress | null
  billing_address?: CartAddress | null
  region?: { currency_code: string; tax_rate?: number | null } | null
}

interface CartServiceLike {
  retrieveWithTotals(
    cartId: string,
    options?: { relations?: string[] },
    totalsConfig?: { force_taxes?: boolean }
  ): Promise<CartForKlarna>
}

type InjectedDependencies = {
  logger?: MedusaLoggerLike
  cartService?: CartServiceLike
  klarnaSyncService?: KlarnaSyncForPayments
}

type SessionData = Record<string, unknown>

const CART_RELATIONS = [
  "items",
  "items.variant",
  "items.tax_lines",
  "shipping_methods",
  "shipping_methods.shipping_option",
  "shipping_methods.tax_lines",
  "shipping_address",
  "billing_address",
  "gift_cards",
  "region",
]

/** Keys the storefront may set through updatePaymentData. Everything else is ours. */
const STOREFRONT_KEYS = new Set(["authorization_token"])

const LOCALES: Record<string, string> = {
  AT: "de-AT",
  AU: "en-AU",
  BE: "nl-BE",
  CA: "en-CA",
  CH: "de-CH",
  CZ: "cs-CZ",
  DE: "de-DE",
  DK: "da-DK",
  ES: "es-ES",
  FI: "fi-FI",
  FR: "fr-FR",
  GB: "en-GB",
  GR: "el-GR",
  IE: "en-IE",
  IT: "it-IT",
  MX: "es-MX",
  NL: "nl-NL",
  NO: "nb-NO",
  NZ: "en-NZ",
  PL: "pl-PL",
  PT: "pt-PT",
  RO: "ro-RO",
  SE: "sv-SE",
  US: "en-US",
}

export function localeFor(country: string): string {
  const cc = country.toUpperCase()
  return LOCALES[cc] ?? `en-${cc}`
}

function int(value: number | null | undefined): number {
  return Math.round(Number(value ?? 0))
}

/** Medusa tax rates are percentages (25 = 25 %); Klarna wants two implied decimals (2500). */
function klarnaTaxRate(lines: CartTaxLine[] | undefined): number {
  return Math.round((lines ?? []).reduce((acc, l) => acc + Number(l.rate ?? 0), 0) * 100)
}

/** Never splits a character (a cut surrogate pair is invalid JSON for Klarna and PostgreSQL). */
function truncate(text: string, max: number): string {
  return truncateText(text, max)
}

/**
 * One Klarna line for an amount that Medusa already computed: `total` (what the customer pays for the
 * line, tax included, after discounts) and `gross` (the same before discounts). unit_price is rounded up
 * so that total_discount_amount = quantity * unit_price - total is never negative; the line then obeys
 * total_amount = quantity * unit_price - total_discount_amount exactly.
 */
function exactLine(
  base: Omit<KlarnaOrderLine, "unit_price" | "total_amount" | "total_discount_amount" | "quantity">,
  quantity: number,
  gross: number,
  total: number
): KlarnaOrderLine {
  const q = Math.max(1, Math.round(quantity))
  const unit = Math.ceil(Math.max(gross, total) / q)
  const discount = q * unit - total
  return {
    ...base,
    quantity: q,
    unit_price: unit,
    total_amount: total,
    ...(discount !== 0 ? { total_discount_amount: discount } : {}),
  }
}

/**
 * The order lines of a Klarna Payments session/order for a cart: one per item, one per shipping method,
 * one for gift cards, and, if Medusa's rounding leaves the lines a few minor units away from the cart
 * total, one balancing line, so that sum(total_amount) == order_amount exactly.
 */
export function buildPaymentsOrderLines(cart: CartForKlarna, orderAmount: number): KlarnaOrderLine[] {
  const lines: KlarnaOrderLine[] = []
  for (const item of cart.items ?? []) {
    const total = int(item.total ?? item.unit_price * item.quantity)
    const gross = int(item.original_total ?? total)
    const name = truncate(item.variant?.title && item.variant.title !== "Default Variant"
      ? `${item.title} (${item.variant.title})`
      : item.title, 255)
    lines.push(
      exactLine(
        {
          type: item.is_giftcard ? "digital" : "physical",
          reference: truncate(item.variant?.sku || item.variant_id || item.id, 64),
          name,
          tax_rate: klarnaTaxRate(item.tax_lines),
          total_tax_amount: int(item.tax_total),
          merchant_data: item.id,
        },
        item.quantity,
        gross,
        total
      )
    )
  }
  for (const method of cart.shipping_methods ?? []) {
    const total = int(method.total ?? method.price)
    const gross = int(method.original_total ?? total)
    lines.push(
      exactLine(
        {
          type: "shipping_fee",
          reference: truncate(method.shipping_option_id || method.shipping_option?.id || method.id, 64),
          name: truncate(method.shipping_option?.name || "Shipping", 255),
          tax_rate: klarnaTaxRate(method.tax_lines),
          total_tax_amount: int(method.tax_total),
          merchant_data: method.id,
        },
        1,
        gross,
        total
      )
    )
  }
  const giftCards = int(cart.gift_card_total) + int(cart.gift_card_tax_total)
  if (giftCards !== 0) {
    const giftCardTax = int(cart.gift_card_tax_total)
    lines.push({
      type: "gift_card",
      reference: "gift-card",
      name: "Gift card",
      quantity: 1,
      unit_price: -giftCards,
      total_amount: -giftCards,
      tax_rate: giftCardTax !== 0 ? Math.round(Number(cart.region?.tax_rate ?? 0) * 100) : 0,
      total_tax_amount: -giftCardTax,
    })
  }
  const sum = lines.reduce((acc, l) => acc + l.total_amount, 0)
  const rest = orderAmount - sum
  if (rest !== 0) {
    lines.push({
      type: rest < 0 ? "discount" : "surcharge",
      reference: "adjustment",
      name: rest < 0 ? "Discount" : "Adjustment",
      quantity: 1,
      unit_price: rest,
      total_amount: rest,
      tax_rate: 0,
      total_tax_amount: 0,
    })
  }
  return lines
}

function klarnaAddress(address: CartAddress | null | undefined, email?: string | null): KlarnaAddress | undefined {
  if (!address || !address.country_code) return undefined
  const out: KlarnaAddress = {
    given_name: address.first_name ?? undefined,
    family_name: address.last_name ?? undefined,
    organization_name: address.company || undefined,
    street_address: address.address_1 ?? undefined,
    street_address2: address.address_2 || undefined,
    postal_code: address.postal_code ?? undefined,
    city: address.city ?? undefined,
    region: address.province || undefined,
    phone: address.phone || undefined,
    country: address.country_code.toUpperCase(),
    email: email || undefined,
  }
  for (const key of Object.keys(out) as (keyof KlarnaAddress)[]) {
    if (out[key] === undefined || out[key] === "") delete out[key]
  }
  return out
}

/** Purchase country: the cart's shipping address, else its billing address, else options.purchaseCountry. */
export function purchaseCountryFor(cart: CartForKlarna, options: KlarnaPluginOptions): string | undefined {
  const cc = cart.shipping_address?.country_code || cart.billing_address?.country_code || options.purchaseCountry
  return cc ? cc.toUpperCase() : undefined
}

export function buildPaymentsOrderRequest(
  cart: CartForKlarna,
  options: KlarnaPluginOptions,
  currency: string,
  orderAmount: number
): PaymentsOrderRequest {
  const country = purchaseCountryFor(cart, options)
  if (!country) {
    throw new Error(
      "the cart has no shipping or billing address with a country and the plugin option purchaseCountry is not set"
    )
  }
  const orderLines = buildPaymentsOrderLines(cart, orderAmount)
  const billing = klarnaAddress(cart.billing_address ?? cart.shipping_address, cart.email)
  const shipping = klarnaAddress(cart.shipping_address, cart.email)
  return {
    purchase_country: country,
    purchase_currency: currency.toUpperCase(),
    locale: localeFor(country),
    order_amount: orderAmount,
    order_tax_amount: orderLines.reduce((acc, l) => acc + (l.total_tax_amount ?? 0), 0),
    order_lines: orderLines,
    ...(billing ? { billing_address: billing } : {}),
    ...(shipping ? { shipping_address: shipping } : {}),
    merchant_reference2: truncate(cart.id, 255),
  }
}

export function buildPaymentsSessionRequest(
  cart: CartForKlarna,
  options: KlarnaPluginOptions,
  currency: string,
  orderAmount: number
): PaymentsSessionRequest {
  return { ...buildPaymentsOrderRequest(cart, options, currency, orderAmount), intent: "buy", acquiring_channel: "ECOMMERCE" }
}

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
    const amount = int(context.amount)
    const body = buildPaymentsSessionRequest(cart, this.options_, currency, amount)
    const session = await this.client(currency).createPaymentSession(body)
    return {
      session_id: session.session_id,
      client_token: session.client_token,
      payment_method_categories: session.payment_method_categories ?? [],
      cart_id: cart.id,
      purchase_country: body.purchase_country,
      purchase_currency: body.purchase_currency,
      locale: body.locale,
      order_amount: amount,
    }
  }

  async initiatePayment(
    context: PaymentProcessorContext
  ): Promise<PaymentProcessorError | PaymentProcessorSessionResponse> {
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
  async updatePayment(
    context: PaymentProcessorContext
  ): Promise<PaymentProcessorError | PaymentProcessorSessionResponse | void> {
    const data = context.paymentSessionData ?? {}
    if (asString(data.order_id)) return // already an order: nothing to update
    const sameAmount = int(data.order_amount as number) === int(context.amount)
    const sameCurrency =
      String(data.purchase_currency ?? "").toLowerCase() === String(context.currency_code ?? "").toLowerCase()
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
    data: Record<string, unknown>
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
    context: Record<string, unknown>
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
      const body = buildPaymentsOrderRequest(cart, this.options_, currency, int(cart.total))
      const sessionId = asString(data.session_id) ?? cartId
      const operation = {
        ...createOrderFromAuthorizationOperation(token, body),
        // The Payments spec defines no idempotency key; Klarna's OM honours it and it costs nothing to
        // send, so a repeated completion of the same cart is recognisable.
        idempotencyKey: idempotencyKeyFor(`medusa:authorize:${sessionId}`),
      }
      const order = await this.client(currency).request(operation)
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
        this.logger_?.warn(
          `[${PLUGIN_NAME}] Klarna order ${order.order_id} for cart ${cartId} was created with fraud_status REJECTED`
        )
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
    data: Record<string, unknown>
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
          `if the cart never becomes an order: ${(err as Error).message}`
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
      return asString(paymentSessionData.authorization_token)
        ? PaymentSessionStatus.PENDING
        : PaymentSessionStatus.REQUIRES_MORE
    }
    return asString(paymentSessionData.fraud_status) === "REJECTED" ? PaymentSessionStatus.ERROR : PaymentSessionStatus.AUTHORIZED
  }

  /** payment.data is the session data with the Klarna order id: no need to fetch the order at checkout. */
  async retrievePayment(
    paymentSessionData: Record<string, unknown>
  ): Promise<PaymentProcessorError | PaymentProcessorSessionResponse["session_data"]> {
    return paymentSessionData
  }

  /** The cart dropped this session: release an authorization that never became an order. */
  async deletePayment(
    paymentSessionData: Record<string, unknown>
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
    paymentSessionData: Record<string, unknown>
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
    refundAmount: number
  ): Promise<PaymentProcessorError | PaymentProcessorSessionResponse["session_data"]> {
    try {
      await this.syncService_.assertRefundable(paymentSessionData, refundAmount)
      return paymentSessionData
    } catch (err) {
      return this.toError("refunding the Klarna order", err)
    }
  }

  async cancelPayment(
    paymentSessionData: Record<string, unknown>
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
