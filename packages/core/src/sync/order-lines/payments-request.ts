/**
 * Klarna Payments requests for a checkout (the session opened at checkout, the order created from the
 * shopper's authorization), for any platform that maps its cart to the core's order model.
 *
 * The order lines are those of capturing the whole cart at once (allocateOrder + captureLines: unit price
 * rounded up with the rest as discount, tax by Klarna's formula, shipping, gift cards, a rounding line when
 * the total differs from the lines), so sum(total_amount) = order_amount exactly, every line obeys
 * total_amount = quantity * unit_price - total_discount_amount, and what Klarna authorizes is line for line
 * what the sync engine captures when everything ships together.
 */
import type { KlarnaAddress, KlarnaOrderLine, PaymentsOrderRequest, PaymentsSession, PaymentsSessionRequest } from "../../klarna/types"
import type { OrderSnapshot } from "../order-model"
import { captureLines, combineParts } from "./capture-lines"
import { allocateOrder } from "./order-allocation"
import { truncateText } from "./text"

/** A postal address with the field names Medusa (v1 and v2) uses; null/empty fields are left out. */
export interface PostalAddressFields {
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

export interface CheckoutForKlarna {
  /** The cart as the core's order model, nothing fulfilled; totalAmount is what Klarna authorizes. */
  order: OrderSnapshot
  email?: string | null
  shippingAddress?: PostalAddressFields | null
  billingAddress?: PostalAddressFields | null
  /** Purchase country when neither address has one (a plugin option). */
  fallbackCountry?: string
}

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

/** Klarna's locale for a purchase country: sv-SE for SE; en-XX for a country not listed. */
export function klarnaLocale(country: string): string {
  const code = country.toUpperCase()
  return LOCALES[code] ?? `en-${code}`
}

export function klarnaAddress(address: PostalAddressFields | null | undefined, email?: string | null): KlarnaAddress | undefined {
  if (!address?.country_code) return undefined
  const fields: KlarnaAddress = {
    given_name: address.first_name || undefined,
    family_name: address.last_name || undefined,
    organization_name: address.company || undefined,
    street_address: address.address_1 || undefined,
    street_address2: address.address_2 || undefined,
    postal_code: address.postal_code || undefined,
    city: address.city || undefined,
    region: address.province || undefined,
    phone: address.phone || undefined,
    country: address.country_code.toUpperCase(),
    email: email || undefined,
  }
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as KlarnaAddress
}

/** The purchase country: the shipping address's, else the billing address's, else the fallback; undefined if none. */
export function checkoutCountry(checkout: Omit<CheckoutForKlarna, "order">): string | undefined {
  const country = checkout.shippingAddress?.country_code || checkout.billingAddress?.country_code || checkout.fallbackCountry
  return country ? country.toUpperCase() : undefined
}

/** The order lines of capturing the whole cart, each item and shipping line carrying its platform id in merchant_data. */
export function checkoutOrderLines(order: OrderSnapshot): KlarnaOrderLine[] {
  // Nothing is fulfilled: the allocation has one part, the whole cart.
  const whole = combineParts(allocateOrder(order).parts)
  const lines = captureLines(whole)
  // captureLines puts the item lines first (in items order), then the shipping lines.
  whole.items.forEach((share, i) => (lines[i].merchant_data = share.item.id))
  whole.shipping.forEach((method, i) => (lines[whole.items.length + i].merchant_data = method.id))
  return lines
}

/** POST /payments/v1/authorizations/{token}/order. */
export function paymentsOrderRequest(checkout: CheckoutForKlarna): PaymentsOrderRequest {
  const country = checkoutCountry(checkout)
  if (!country) {
    throw new Error("the cart has no shipping or billing address with a country and the plugin option purchaseCountry is not set")
  }
  const orderLines = checkoutOrderLines(checkout.order)
  const billing = klarnaAddress(checkout.billingAddress ?? checkout.shippingAddress, checkout.email)
  const shipping = klarnaAddress(checkout.shippingAddress, checkout.email)
  return {
    purchase_country: country,
    purchase_currency: checkout.order.currency.toUpperCase(),
    locale: klarnaLocale(country),
    order_amount: checkout.order.totalAmount,
    order_tax_amount: orderLines.reduce((sum, line) => sum + (line.total_tax_amount ?? 0), 0),
    order_lines: orderLines,
    ...(billing ? { billing_address: billing } : {}),
    ...(shipping ? { shipping_address: shipping } : {}),
    // Never splits a character (a cut surrogate pair is invalid JSON for Klarna and PostgreSQL).
    merchant_reference2: truncateText(checkout.order.orderId, 255),
  }
}

/** POST /payments/v1/sessions. */
export function paymentsSessionRequest(checkout: CheckoutForKlarna): PaymentsSessionRequest {
  return { ...paymentsOrderRequest(checkout), intent: "buy", acquiring_channel: "ECOMMERCE" }
}

/**
 * What a platform keeps on its payment session once Klarna opened it: the storefront needs the client token
 * and the payment method categories; the rest lets a later step (authorization, an amount check) rebuild
 * the request without reading the cart again.
 */
export function klarnaSessionData(session: PaymentsSession, request: PaymentsSessionRequest, cartId: string, amount: number) {
  return {
    session_id: session.session_id,
    client_token: session.client_token,
    payment_method_categories: session.payment_method_categories ?? [],
    cart_id: cartId,
    purchase_country: request.purchase_country,
    purchase_currency: request.purchase_currency,
    locale: request.locale,
    order_amount: amount,
  }
}
