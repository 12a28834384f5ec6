/**
 * A Medusa v2 cart as Klarna Payments requests it: the session opened at checkout and the order created from
 * the shopper's authorization. Pure (no @medusajs import): the payment provider reads the cart through the
 * sync service's `query` and hands it here.
 *
 * Money: v2 keeps amounts as unrounded decimals in major units. Every item and shipping total is turned into
 * whole minor units with allocateMinorUnits, so that the parts add up exactly to the rounded sum of the parts;
 * what credit lines (gift cards, store credit) pay is the rest down to the amount Medusa asks us to authorize
 * (its payment collection amount). The lines are then the core's (captureLines of the whole cart, as the sync
 * engine would capture it if everything shipped at once: unit price, Klarna's tax formula, discounts), so
 * sum(total_amount) = order_amount and every line obeys total_amount = quantity * unit_price - total_discount_amount.
 */
import type {
  CheckoutForKlarna,
  ItemLine,
  OrderSnapshot,
  PaymentsOrderRequest,
  PaymentsSessionRequest,
  PostalAddressFields,
  ShippingLine,
} from "@klarna-order-sync/core"
import { currencyDecimals, paymentsOrderRequest, paymentsSessionRequest } from "@klarna-order-sync/core"
import { type ExactDecimal, allocateMinorUnits, formatExactDecimal, parseV2Amount } from "../money/v2-amounts"

interface V2TaxLine {
  rate?: unknown
}

/** The slice of a v2 cart line item the requests are built from (query.graph field names). */
export interface V2CartItem {
  id: string
  title?: string | null
  product_title?: string | null
  variant_title?: string | null
  variant_sku?: string | null
  variant_id?: string | null
  quantity: unknown
  is_giftcard?: boolean | null
  requires_shipping?: boolean | null
  thumbnail?: string | null
  /** Gross (tax included) before discounts, as v2 computes it. */
  original_total?: unknown
  /** Gross, after discounts: what the shopper pays for the line. */
  total: unknown
  tax_lines?: V2TaxLine[] | null
}

export interface V2CartShippingMethod {
  id: string
  name?: string | null
  original_total?: unknown
  total: unknown
  tax_lines?: V2TaxLine[] | null
}

export interface V2CartForKlarna {
  id: string
  email?: string | null
  currency_code: string
  items: V2CartItem[]
  shipping_methods?: V2CartShippingMethod[] | null
  shipping_address?: PostalAddressFields | null
  billing_address?: PostalAddressFields | null
}

/** The v2 cart fields query.graph must return for the requests (entity "cart"). */
export const CART_FIELDS_FOR_KLARNA = [
  "id",
  "email",
  "currency_code",
  "total",
  "items.id",
  "items.title",
  "items.product_title",
  "items.variant_title",
  "items.variant_sku",
  "items.variant_id",
  "items.quantity",
  "items.is_giftcard",
  "items.requires_shipping",
  "items.thumbnail",
  "items.original_total",
  "items.total",
  "items.tax_lines.rate",
  "shipping_methods.id",
  "shipping_methods.name",
  "shipping_methods.original_total",
  "shipping_methods.total",
  "shipping_methods.tax_lines.rate",
  "shipping_address.*",
  "billing_address.*",
]

export interface CheckoutRequestOptions {
  /** Purchase country when the cart has no address with a country yet (plugin option purchaseCountry). */
  purchaseCountry?: string
}

/** Sum of the tax rates (percent, as v2 stores them) in basis points: 25 -> 2500. Exact for up to 2 decimals. */
function taxRateBasisPoints(lines: V2TaxLine[] | null | undefined): number {
  let sum = 0n
  for (const line of lines ?? []) {
    const rate = parseV2Amount(line.rate ?? 0, "tax rate")
    // basis points = rate * 100; a rate with more than 2 decimals is rounded to the basis point.
    const scaled = rate.scale <= 2 ? rate.units * 10n ** BigInt(2 - rate.scale) : rate.units / 10n ** BigInt(rate.scale - 2)
    sum += scaled
  }
  return Number(sum)
}

function wholeQuantity(value: unknown, itemId: string): number {
  const quantity = parseV2Amount(value, `quantity of ${itemId}`)
  if (quantity.scale !== 0 || quantity.units < 0n)
    throw new Error(`line item ${itemId} has quantity ${String(value)}: Klarna needs whole units`)
  return Number(quantity.units)
}

/** The exact sum of v2 amounts, as decimal text (the total the parts are allocated against). */
function exactSum(values: unknown[]): string {
  const sum = values.reduce<ExactDecimal>(
    (acc, value) => {
      const d = parseV2Amount(value)
      const scale = Math.max(acc.scale, d.scale)
      return { units: acc.units * 10n ** BigInt(scale - acc.scale) + d.units * 10n ** BigInt(scale - d.scale), scale }
    },
    { units: 0n, scale: 0 },
  )
  return formatExactDecimal(sum)
}

function itemName(item: V2CartItem): string {
  const product = item.product_title || item.title || "Item"
  const variant = item.variant_title
  return variant && variant !== "Default" && variant !== "Default Variant" && variant !== product ? `${product} (${variant})` : product
}

/**
 * The cart as the core's order model (nothing fulfilled yet), `orderAmount` minor units to authorize.
 * Item and shipping totals are allocated together so they add up; original totals the same way; what the
 * lines exceed the amount by is paid by credit lines (shown as a gift card line).
 */
export function cartAsOrder(cart: V2CartForKlarna, orderAmount: number): OrderSnapshot {
  const currency = cart.currency_code.toUpperCase()
  const items = cart.items ?? []
  const shipping = cart.shipping_methods ?? []
  const parts = [...items.map((i) => i.total), ...shipping.map((s) => s.total)]
  const originals = [...items.map((i) => i.original_total ?? i.total), ...shipping.map((s) => s.original_total ?? s.total)]
  const totals = allocateMinorUnits(parts, exactSum(parts), currency, `cart ${cart.id} lines`)
  const originalTotals = allocateMinorUnits(originals, exactSum(originals), currency, `cart ${cart.id} original lines`)

  const itemLines: ItemLine[] = items.map((item, i) => {
    const total = totals[i]
    const originalTotal = Math.max(originalTotals[i], total)
    return {
      id: item.id,
      name: itemName(item),
      reference: item.variant_sku || item.variant_id || undefined,
      type: item.is_giftcard || item.requires_shipping === false ? "digital" : "physical",
      quantity: wholeQuantity(item.quantity, item.id),
      originalTotal,
      discountTotal: originalTotal - total,
      total,
      taxRate: taxRateBasisPoints(item.tax_lines),
      imageUrl: item.thumbnail && item.thumbnail.length <= 1024 ? item.thumbnail : undefined,
    }
  })
  const shippingLines: ShippingLine[] = shipping.map((method, j) => {
    const total = totals[items.length + j]
    const originalTotal = Math.max(originalTotals[items.length + j], total)
    return {
      id: method.id,
      name: method.name || "Shipping",
      originalTotal,
      discountTotal: originalTotal - total,
      total,
      taxRate: taxRateBasisPoints(method.tax_lines),
    }
  })
  const gross = totals.reduce((a, b) => a + b, 0)
  const paidByCredit = gross - orderAmount
  return {
    platform: "medusa",
    orderId: cart.id,
    currency,
    currencyDecimals: currencyDecimals(currency),
    totalAmount: orderAmount,
    items: itemLines,
    shippingLines,
    giftCards: paidByCredit > 0 ? [{ id: "credit_lines", code: "Credit", amount: paidByCredit }] : [],
    fulfillments: [],
    refunds: [],
  }
}

function checkoutOf(cart: V2CartForKlarna, options: CheckoutRequestOptions, orderAmount: number): CheckoutForKlarna {
  return {
    order: cartAsOrder(cart, orderAmount),
    email: cart.email,
    shippingAddress: cart.shipping_address,
    billingAddress: cart.billing_address,
    fallbackCountry: options.purchaseCountry,
  }
}

/** POST /payments/v1/authorizations/{token}/order for a cart. */
export function checkoutOrderRequest(cart: V2CartForKlarna, options: CheckoutRequestOptions, orderAmount: number): PaymentsOrderRequest {
  return paymentsOrderRequest(checkoutOf(cart, options, orderAmount))
}

/** POST /payments/v1/sessions for a cart. */
export function checkoutSessionRequest(
  cart: V2CartForKlarna,
  options: CheckoutRequestOptions,
  orderAmount: number,
): PaymentsSessionRequest {
  return paymentsSessionRequest(checkoutOf(cart, options, orderAmount))
}
