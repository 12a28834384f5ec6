/**
 * A Medusa v1 cart as Klarna Payments requests (the session at checkout, the order from the authorization).
 * Pure: the processor (services/klarna-payment.ts) loads the cart with Medusa's totals and sends the result.
 *
 * The order lines are the core's: the cart becomes the core's order model with nothing fulfilled yet, and
 * its lines are the lines that capturing all of it would send (sync/order-lines: unit price rounded up with
 * the rest as discount, tax by Klarna's formula, shipping, gift cards, a rounding line when Medusa's total
 * differs from its lines). So sum(total_amount) = order_amount exactly, every line obeys
 * total_amount = quantity * unit_price - total_discount_amount, and what Klarna authorizes is line for line
 * what the sync engine captures when the whole order ships at once.
 */
import type { KlarnaOrderLine, PaymentsOrderRequest, PaymentsSessionRequest } from "@klarna-order-sync/core"
import type { CheckoutForKlarna, GiftCardLine, ItemLine, OrderSnapshot, PostalAddressFields } from "@klarna-order-sync/core"
import { checkoutCountry, checkoutOrderLines, klarnaLocale, paymentsOrderRequest, paymentsSessionRequest } from "@klarna-order-sync/core"
import { currencyDecimals } from "@klarna-order-sync/core"
import { medusaItemLine, medusaShippingLine } from "./order-source"
import type { KlarnaPluginOptions } from "./plugin-options"

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
  thumbnail?: string | null
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
/** Medusa's address fields (shared with v2: the core maps them to Klarna's). */
type CartAddress = PostalAddressFields
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
  gift_cards?: { id: string; code: string; balance?: number | null }[] | null
  region?: { currency_code: string; tax_rate?: number | null } | null
}

/** The cart relations the requests are built from (for CartService.retrieveWithTotals). */
export const CART_RELATIONS = [
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

/** Klarna's locale for a purchase country (the core's table). */
export const localeFor = klarnaLocale

/** An amount from Medusa (integers already; a missing one counts as 0). */
export function medusaAmount(value: number | null | undefined): number {
  return Math.round(Number(value ?? 0))
}

/** "Cups (Large)": the variant's title is shown unless it is Medusa's placeholder. */
function itemName(item: CartLineItem): string {
  const variant = item.variant?.title
  return variant && variant !== "Default Variant" ? `${item.title} (${variant})` : item.title
}

function cartItemLine(item: CartLineItem): ItemLine {
  const total = medusaAmount(item.total ?? item.unit_price * item.quantity)
  return {
    ...medusaItemLine({ ...item, total, original_total: item.original_total == null ? total : medusaAmount(item.original_total) }),
    name: itemName(item),
  }
}

/**
 * What the gift cards pay, tax included (Medusa's gift_card_total + gift_card_tax_total), per card: in the
 * cart's order, each covers up to its balance, the last one the rest (the way Medusa draws them at
 * completion). Without the cards themselves, one unnamed card.
 */
function cartGiftCards(cart: CartForKlarna): GiftCardLine[] {
  const paid = medusaAmount(cart.gift_card_total) + medusaAmount(cart.gift_card_tax_total)
  if (paid <= 0) return []
  const cards = cart.gift_cards ?? []
  if (cards.length === 0) return [{ id: "gift-card", code: "", amount: paid }]
  let left = paid
  return cards
    .map((card, i) => {
      const amount = i === cards.length - 1 ? left : Math.min(left, Math.max(medusaAmount(card.balance), 0))
      left -= amount
      return { id: card.id, code: card.code, amount }
    })
    .filter((card) => card.amount > 0)
}

/** The cart as the core's order model: nothing fulfilled, `orderAmount` to pay through Klarna. */
export function cartAsOrder(cart: CartForKlarna, orderAmount: number): OrderSnapshot {
  const currency = (cart.region?.currency_code ?? "").toUpperCase()
  return {
    platform: "medusa",
    orderId: cart.id,
    currency,
    currencyDecimals: currencyDecimals(currency),
    totalAmount: orderAmount,
    items: (cart.items ?? []).map(cartItemLine),
    shippingLines: (cart.shipping_methods ?? []).map((method) =>
      medusaShippingLine({
        ...method,
        total: method.total ?? method.price,
        shipping_option: { name: method.shipping_option?.name ?? undefined },
      }),
    ),
    giftCards: cartGiftCards(cart),
    fulfillments: [],
    refunds: [],
  }
}

/**
 * The order lines of a Klarna Payments session/order for a cart: the lines of capturing the whole cart
 * (items, shipping, a rounding line if Medusa's total is a few minor units away from its lines, gift
 * cards), each item and shipping line carrying its Medusa id in merchant_data.
 */
export function buildPaymentsOrderLines(cart: CartForKlarna, orderAmount: number): KlarnaOrderLine[] {
  return checkoutOrderLines(cartAsOrder(cart, orderAmount))
}

function checkoutOf(cart: CartForKlarna, options: KlarnaPluginOptions, currency: string, orderAmount: number): CheckoutForKlarna {
  return {
    order: { ...cartAsOrder(cart, orderAmount), currency: currency.toUpperCase() },
    email: cart.email,
    shippingAddress: cart.shipping_address,
    billingAddress: cart.billing_address,
    fallbackCountry: options.purchaseCountry,
  }
}

/** Purchase country: the cart's shipping address, else its billing address, else options.purchaseCountry. */
export function purchaseCountryFor(cart: CartForKlarna, options: KlarnaPluginOptions): string | undefined {
  return checkoutCountry({
    shippingAddress: cart.shipping_address,
    billingAddress: cart.billing_address,
    fallbackCountry: options.purchaseCountry,
  })
}

export function buildPaymentsOrderRequest(
  cart: CartForKlarna,
  options: KlarnaPluginOptions,
  currency: string,
  orderAmount: number,
): PaymentsOrderRequest {
  return paymentsOrderRequest(checkoutOf(cart, options, currency, orderAmount))
}

export function buildPaymentsSessionRequest(
  cart: CartForKlarna,
  options: KlarnaPluginOptions,
  currency: string,
  orderAmount: number,
): PaymentsSessionRequest {
  return paymentsSessionRequest(checkoutOf(cart, options, currency, orderAmount))
}
