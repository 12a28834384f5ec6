/**
 * Small typed helpers over a running Medusa v1 store's real HTTP API (global fetch): admin login, seeding
 * a store (currency, region, shipping option, products), a storefront checkout (with Klarna through the
 * simulator's widget stand-in, or the manual provider) and the admin order operations the plugin mirrors
 * into Klarna (fulfillment, shipment, capture, refund, return, cancel).
 *
 * Responses are typed loosely (`MedusaOrder` etc. list only what tests read); anything else is there too.
 */
import { ADMIN_EMAIL, ADMIN_PASSWORD } from "./medusa"

// ---------------------------------------------------------------------------------------------
// Types (the parts tests use)
// ---------------------------------------------------------------------------------------------

export interface MedusaLineItem {
  id: string
  title: string
  variant_id: string | null
  quantity: number
  unit_price: number
  fulfilled_quantity: number | null
  shipped_quantity: number | null
  returned_quantity: number | null
  total?: number
  [key: string]: unknown
}

export interface MedusaPayment {
  id: string
  provider_id: string
  amount: number
  amount_refunded: number
  currency_code: string
  captured_at: string | null
  canceled_at: string | null
  data: Record<string, unknown>
  [key: string]: unknown
}

export interface MedusaFulfillment {
  id: string
  items: { item_id: string; quantity: number }[]
  tracking_links: { tracking_number: string; url?: string | null }[]
  tracking_numbers?: string[]
  shipped_at: string | null
  canceled_at: string | null
  [key: string]: unknown
}

export interface MedusaOrder {
  id: string
  display_id: number
  status: string
  payment_status: string
  fulfillment_status: string
  currency_code: string
  total: number
  subtotal: number
  tax_total: number | null
  shipping_total: number
  discount_total: number
  gift_card_total: number
  refunded_total: number
  paid_total: number
  items: MedusaLineItem[]
  payments: MedusaPayment[]
  fulfillments: MedusaFulfillment[]
  returns: { id: string; status: string; items: { item_id: string; quantity: number }[]; [k: string]: unknown }[]
  refunds: { id: string; amount: number; reason: string; [k: string]: unknown }[]
  [key: string]: unknown
}

export interface MedusaCart {
  id: string
  total: number
  items: MedusaLineItem[]
  payment_session: { id: string; provider_id: string; status: string; data: Record<string, unknown> } | null
  payment_sessions: { id: string; provider_id: string; is_selected: boolean | null; data: Record<string, unknown> }[]
  [key: string]: unknown
}

export class MedusaApiError extends Error {
  override readonly name = "MedusaApiError"
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`${method} ${path} → ${status}: ${typeof body === "string" ? body : JSON.stringify(body)}`)
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

export interface ApiCallRecord {
  method: string
  path: string
  status: number
  ms: number
}

export class StoreApi {
  /** Admin bearer token (POST /admin/auth/token), once login() ran. */
  token: string | undefined
  /** Every call made through this client, in order (tests count and time them). */
  readonly calls: ApiCallRecord[] = []

  constructor(readonly baseUrl: string) {}

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    options: { admin?: boolean; expectStatus?: number } = {},
  ): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" }
    if (body !== undefined) headers["Content-Type"] = "application/json"
    if (options.admin) {
      if (!this.token) throw new Error(`StoreApi: ${method} ${path} needs an admin token: call login() first`)
      headers.Authorization = `Bearer ${this.token}`
    }
    const started = Date.now()
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    this.calls.push({ method, path, status: res.status, ms: Date.now() - started })
    let parsed: unknown = text
    try {
      parsed = text === "" ? undefined : JSON.parse(text)
    } catch {
      /* not JSON */
    }
    const ok = options.expectStatus !== undefined ? res.status === options.expectStatus : res.ok
    if (!ok) throw new MedusaApiError(method, path, res.status, parsed)
    return parsed as T
  }

  admin<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    return this.request<T>(method, `/admin${path}`, body, { admin: true })
  }

  store<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    return this.request<T>(method, `/store${path}`, body)
  }

  /** POST /admin/auth/token → bearer token for the admin API. */
  async login(email = ADMIN_EMAIL, password = ADMIN_PASSWORD): Promise<string> {
    const { access_token } = await this.request<{ access_token: string }>("POST", "/admin/auth/token", {
      email,
      password,
    })
    this.token = access_token
    return access_token
  }
}

/** A logged-in admin+store client. */
export async function connect(baseUrl: string, email?: string, password?: string): Promise<StoreApi> {
  const api = new StoreApi(baseUrl)
  await api.login(email, password)
  return api
}

// ---------------------------------------------------------------------------------------------
// Seeding
// ---------------------------------------------------------------------------------------------

export type ProviderId = "klarna" | "manual"

export interface SeedProduct {
  title: string
  /** Minor units. */
  price: number
  sku?: string
}

export interface SeedOptions {
  /** Lower-case ISO 4217, e.g. "sek". */
  currency: string
  /** Region prices include tax. Needs the server started with env MEDUSA_FF_TAX_INCLUSIVE_PRICING=true. */
  taxInclusive?: boolean
  /** Percent, e.g. 25. Default 25. */
  taxRate?: number
  paymentProviders: ProviderId[]
  /** Lower-case ISO 3166 alpha-2; a country can be in one region only. Default ["se"]. */
  countries?: string[]
  regionName?: string
  /** Flat shipping price in minor units. Default 4900. */
  shippingPrice?: number
  /** Default: two products, 29900 and 12950 (odd amounts to exercise rounding). */
  products?: SeedProduct[]
}

export interface SeededProduct {
  id: string
  title: string
  variantId: string
  sku: string
  price: number
}

export interface SeededStore {
  regionId: string
  currency: string
  countries: string[]
  shippingOptionId: string
  products: SeededProduct[]
}

const DEFAULT_PRODUCTS: SeedProduct[] = [
  { title: "Merino Sweater", price: 29900 },
  { title: "Wool Socks", price: 12950 },
]

let seedCounter = 0

/**
 * Creates: the store currency, a region (countries, tax rate, payment providers, fulfillment provider
 * "manual"), a flat-rate manual shipping option and published products with one variant each.
 * 3 + N admin calls (currency, region, shipping option, one per product).
 */
export async function seedStore(api: StoreApi, options: SeedOptions): Promise<SeededStore> {
  seedCounter += 1
  const currency = options.currency.toLowerCase()
  const countries = (options.countries ?? ["se"]).map((c) => c.toLowerCase())

  await addStoreCurrency(api, currency)

  const { region } = await api.admin<{ region: { id: string } }>("POST", "/regions", {
    name: options.regionName ?? `Region ${currency.toUpperCase()} ${seedCounter}`,
    currency_code: currency,
    tax_rate: options.taxRate ?? 25,
    payment_providers: options.paymentProviders,
    fulfillment_providers: ["manual"],
    countries,
    ...(options.taxInclusive ? { includes_tax: true } : {}),
  })

  const { shipping_option } = await api.admin<{ shipping_option: { id: string } }>("POST", "/shipping-options", {
    name: "PostNord Home",
    region_id: region.id,
    provider_id: "manual",
    data: {},
    price_type: "flat_rate",
    amount: options.shippingPrice ?? 4900,
    is_return: false,
    ...(options.taxInclusive ? { includes_tax: true } : {}),
  })

  const products: SeededProduct[] = []
  for (const [i, p] of (options.products ?? DEFAULT_PRODUCTS).entries()) {
    const sku = p.sku ?? `SKU-${seedCounter}-${i + 1}-${Math.random().toString(36).slice(2, 7)}`
    const price = options.taxInclusive ? { region_id: region.id, amount: p.price } : { currency_code: currency, amount: p.price }
    const { product } = await api.admin<{ product: { id: string; title: string; variants: { id: string }[] } }>("POST", "/products", {
      title: p.title,
      is_giftcard: false,
      discountable: true,
      status: "published",
      options: [{ title: "Size" }],
      variants: [
        {
          title: "One size",
          sku,
          manage_inventory: false,
          allow_backorder: true,
          inventory_quantity: 1000,
          prices: [price],
          options: [{ value: "One size" }],
        },
      ],
    })
    products.push({ id: product.id, title: product.title, variantId: product.variants[0].id, sku, price: p.price })
  }
  return { regionId: region.id, currency, countries, shippingOptionId: shipping_option.id, products }
}

/** Adds a currency to the store; a currency the store already has (Medusa answers 500 then) is fine. */
export async function addStoreCurrency(api: StoreApi, currency: string): Promise<void> {
  try {
    await api.admin("POST", `/store/currencies/${currency}`)
  } catch (err) {
    const { store } = await api.admin<{ store: { currencies: { code: string }[] } }>("GET", "/store")
    if (!store.currencies.some((c) => c.code === currency)) throw err
  }
}

/** A percentage (or fixed) discount code valid in the region. */
export async function createDiscount(
  api: StoreApi,
  regionId: string,
  options: { code?: string; type?: "percentage" | "fixed" | "free_shipping"; value?: number; allocation?: "total" | "item" } = {},
): Promise<{ id: string; code: string }> {
  const code = options.code ?? `KOS${Date.now().toString(36).toUpperCase()}${Math.random().toString(36).slice(2, 5).toUpperCase()}`
  const type = options.type ?? "percentage"
  const { discount } = await api.admin<{ discount: { id: string; code: string } }>("POST", "/discounts", {
    code,
    regions: [regionId],
    rule: {
      type,
      value: type === "free_shipping" ? 0 : (options.value ?? 10),
      allocation: options.allocation ?? "total",
    },
  })
  return discount
}

/** A gift card worth `value` minor units in the region. */
export async function createGiftCard(api: StoreApi, regionId: string, value: number): Promise<{ id: string; code: string }> {
  const { gift_card } = await api.admin<{ gift_card: { id: string; code: string } }>("POST", "/gift-cards", {
    region_id: regionId,
    value,
  })
  return gift_card
}

// ---------------------------------------------------------------------------------------------
// Checkout
// ---------------------------------------------------------------------------------------------

export const SWEDISH_ADDRESS = {
  first_name: "Testperson-se",
  last_name: "Approved",
  address_1: "Stårgatan 1",
  city: "Ankeborg",
  postal_code: "12345",
  country_code: "se",
  phone: "+46765260000",
}

export interface CheckoutOptions {
  regionId: string
  shippingOptionId: string
  items: { variantId: string; quantity: number }[]
  provider: ProviderId
  /** Required for provider "klarna": where the simulator's /__sim control API lives. */
  simulatorUrl?: string
  discountCode?: string
  giftCardCode?: string
  email?: string
  address?: Record<string, string>
}

export interface CheckoutResult {
  order: MedusaOrder
  cartId: string
  /** The Klarna Payments session id (klarna only). */
  klarnaSessionId?: string
  /** payment.data.order_id (klarna only). */
  klarnaOrderId?: string
  /** Store API calls the checkout made (the simulator's authorize call not included). */
  apiCalls: number
  ms: number
}

/**
 * A storefront checkout: cart, line items, email + address (+ discount/gift card), shipping method,
 * payment sessions, provider selection, and for Klarna the widget's part (the simulator authorizes the
 * session and returns an authorization_token, which goes into the session data), then completion.
 * Returns the order (as the admin API shows it, with payments).
 */
/**
 * Everything of a storefront checkout but its completion: the cart with items, address, shipping and the
 * selected payment session, authorized by Klarna's widget (the simulator) for provider "klarna".
 */
export async function prepareCheckout(api: StoreApi, options: CheckoutOptions): Promise<{ cartId: string; klarnaSessionId?: string }> {
  const { cart } = await api.store<{ cart: MedusaCart }>("POST", "/carts", { region_id: options.regionId })
  for (const item of options.items) {
    await api.store("POST", `/carts/${cart.id}/line-items`, { variant_id: item.variantId, quantity: item.quantity })
  }
  await api.store("POST", `/carts/${cart.id}`, {
    email: options.email ?? "customer@example.com",
    shipping_address: options.address ?? SWEDISH_ADDRESS,
    billing_address: options.address ?? SWEDISH_ADDRESS,
    ...(options.discountCode ? { discounts: [{ code: options.discountCode }] } : {}),
    ...(options.giftCardCode ? { gift_cards: [{ code: options.giftCardCode }] } : {}),
  })
  await api.store("POST", `/carts/${cart.id}/shipping-methods`, { option_id: options.shippingOptionId })
  await api.store("POST", `/carts/${cart.id}/payment-sessions`)
  const selected = await api.store<{ cart: MedusaCart }>("POST", `/carts/${cart.id}/payment-session`, {
    provider_id: options.provider,
  })

  let klarnaSessionId: string | undefined
  if (options.provider === "klarna") {
    if (!options.simulatorUrl) throw new Error("checkout: simulatorUrl is required for provider klarna")
    const session = selected.cart.payment_session
    klarnaSessionId = session?.data?.session_id as string | undefined
    if (!klarnaSessionId) {
      throw new Error(`checkout: the klarna payment session has no session_id: ${JSON.stringify(session)}`)
    }
    const token = await authorizeKlarnaSession(options.simulatorUrl, klarnaSessionId)
    await api.store("POST", `/carts/${cart.id}/payment-sessions/klarna`, { data: { authorization_token: token } })
  }

  return { cartId: cart.id, klarnaSessionId }
}

export async function checkout(api: StoreApi, options: CheckoutOptions): Promise<CheckoutResult> {
  const started = Date.now()
  const before = api.calls.length
  const { cartId, klarnaSessionId } = await prepareCheckout(api, options)
  const completed = await api.store<{ type: string; data: MedusaOrder | MedusaCart }>("POST", `/carts/${cartId}/complete`)
  if (completed.type !== "order") {
    throw new Error(`checkout: completing cart ${cartId} gave ${completed.type}: ${JSON.stringify(completed.data).slice(0, 2000)}`)
  }
  const order = completed.data as MedusaOrder
  const apiCalls = api.calls.length - before
  const klarnaOrderId = order.payments?.[0]?.data?.order_id as string | undefined
  return { order, cartId: cartId, klarnaSessionId, klarnaOrderId, apiCalls, ms: Date.now() - started }
}

/** What Klarna's widget does in the shopper's browser: approve the session → authorization_token. */
export async function authorizeKlarnaSession(simulatorUrl: string, sessionId: string): Promise<string> {
  const res = await fetch(`${simulatorUrl}/__sim/sessions/${encodeURIComponent(sessionId)}/authorize`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: "{}",
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`simulator: authorizing session ${sessionId} → ${res.status}: ${text}`)
  return (JSON.parse(text) as { authorization_token: string }).authorization_token
}

// ---------------------------------------------------------------------------------------------
// Admin order operations
// ---------------------------------------------------------------------------------------------

export async function getOrder(api: StoreApi, orderId: string): Promise<MedusaOrder> {
  const { order } = await api.admin<{ order: MedusaOrder }>("GET", `/orders/${orderId}`)
  return order
}

/** POST /admin/orders/:id/fulfillment → the order; `fulfillment` is the one just created. */
export async function createFulfillment(
  api: StoreApi,
  orderId: string,
  items: { itemId: string; quantity: number }[],
  options: { noNotification?: boolean } = {},
): Promise<{ order: MedusaOrder; fulfillment: MedusaFulfillment }> {
  const before = new Set((await getOrder(api, orderId)).fulfillments.map((f) => f.id))
  const { order } = await api.admin<{ order: MedusaOrder }>("POST", `/orders/${orderId}/fulfillment`, {
    items: items.map((i) => ({ item_id: i.itemId, quantity: i.quantity })),
    ...(options.noNotification !== undefined ? { no_notification: options.noNotification } : {}),
  })
  const fulfillment = order.fulfillments.find((f) => !before.has(f.id))
  if (!fulfillment) throw new Error(`createFulfillment: no new fulfillment on order ${orderId}`)
  return { order, fulfillment }
}

/** POST /admin/orders/:id/shipment: marks the fulfillment shipped with tracking numbers. */
export async function createShipment(
  api: StoreApi,
  orderId: string,
  fulfillmentId: string,
  trackingNumbers: string[] = [],
): Promise<MedusaOrder> {
  const { order } = await api.admin<{ order: MedusaOrder }>("POST", `/orders/${orderId}/shipment`, {
    fulfillment_id: fulfillmentId,
    tracking_numbers: trackingNumbers,
  })
  return order
}

export async function cancelFulfillment(api: StoreApi, orderId: string, fulfillmentId: string): Promise<MedusaOrder> {
  const { order } = await api.admin<{ order: MedusaOrder }>("POST", `/orders/${orderId}/fulfillments/${fulfillmentId}/cancel`)
  return order
}

export async function cancelOrder(api: StoreApi, orderId: string): Promise<MedusaOrder> {
  const { order } = await api.admin<{ order: MedusaOrder }>("POST", `/orders/${orderId}/cancel`)
  return order
}

/** POST /admin/orders/:id/capture: Medusa calls the provider's capturePayment. */
export async function capturePayment(api: StoreApi, orderId: string): Promise<MedusaOrder> {
  const { order } = await api.admin<{ order: MedusaOrder }>("POST", `/orders/${orderId}/capture`)
  return order
}

export type RefundReason = "discount" | "return" | "swap" | "claim" | "other"

/** POST /admin/orders/:id/refund: Medusa calls the provider's refundPayment, then emits order.refund_created. */
export async function createRefund(
  api: StoreApi,
  orderId: string,
  amount: number,
  reason: RefundReason = "other",
  note?: string,
): Promise<MedusaOrder> {
  const { order } = await api.admin<{ order: MedusaOrder }>("POST", `/orders/${orderId}/refund`, {
    amount,
    reason,
    ...(note ? { note } : {}),
    no_notification: true,
  })
  return order
}

/** POST /admin/orders/:id/return: requests a return; returns the order and the new return's id. */
export async function requestReturn(
  api: StoreApi,
  orderId: string,
  items: { itemId: string; quantity: number }[],
  options: { receiveNow?: boolean; refund?: number } = {},
): Promise<{ order: MedusaOrder; returnId: string }> {
  const { order } = await api.admin<{ order: MedusaOrder }>("POST", `/orders/${orderId}/return`, {
    items: items.map((i) => ({ item_id: i.itemId, quantity: i.quantity })),
    ...(options.receiveNow !== undefined ? { receive_now: options.receiveNow } : {}),
    ...(options.refund !== undefined ? { refund: options.refund } : {}),
    no_notification: true,
  })
  const returns = [...(order.returns ?? [])].sort((a, b) => String(a.created_at ?? "").localeCompare(String(b.created_at ?? "")))
  const latest = returns[returns.length - 1]
  if (!latest) throw new Error(`requestReturn: order ${orderId} has no return`)
  return { order, returnId: latest.id }
}

/** POST /admin/returns/:id/receive: receives the items (Medusa may refund, emitting order.refund_created). */
export async function receiveReturn(
  api: StoreApi,
  returnId: string,
  items: { itemId: string; quantity: number }[],
  options: { refund?: number } = {},
): Promise<Record<string, unknown>> {
  const { return: ret } = await api.admin<{ return: Record<string, unknown> }>("POST", `/returns/${returnId}/receive`, {
    items: items.map((i) => ({ item_id: i.itemId, quantity: i.quantity })),
    ...(options.refund !== undefined ? { refund: options.refund } : {}),
  })
  return ret
}

/** Polls `fn` until it returns a truthy value (default: 15 s, every 200 ms); throws with the last error/value. */
export async function eventually<T>(
  fn: () => Promise<T | undefined | null | false>,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000)
  let last: unknown
  for (;;) {
    try {
      const value = await fn()
      if (value) return value
      last = value
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last)
      throw new Error(`eventually: ${options.what ?? "condition"} not met in ${options.timeoutMs ?? 15_000} ms (last: ${detail})`)
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 200))
  }
}
