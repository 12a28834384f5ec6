/**
 * A Medusa v2 cart as Klarna Payments requests it: the session opened at checkout and the order created from
 * the shopper's authorization. Pure (no @medusajs import): the payment provider reads the cart through the
 * sync service's `query` and hands it here.
 *
 * A v2 cart's lines have the same fields as an order's, so the cart goes through the very mapping the sync
 * engine uses for orders (order-snapshot.ts: v2's unrounded decimals allocated to whole minor units that add
 * up to the rounded total), and the lines are the core's (captureLines of the whole cart: what the engine
 * captures if everything ships at once). So sum(total_amount) = order_amount and every line obeys
 * total_amount = quantity * unit_price - total_discount_amount.
 */
import type {
  CheckoutForKlarna,
  PaymentsOrderRequest,
  PaymentsSessionRequest,
  PostalAddressFields,
  SyncableOrder,
} from "@klarna-order-sync/core"
import { paymentsOrderRequest, paymentsSessionRequest } from "@klarna-order-sync/core"
import { type SnapshotOptions, type V2OrderItem, type V2ShippingMethod, toSyncableOrder } from "./order-snapshot"

export interface V2CartForKlarna {
  id: string
  email?: string | null
  currency_code: string
  /** v2's cart total (major units, a decimal): what the payment collection asks for. */
  total: unknown
  items: V2OrderItem[]
  shipping_methods?: V2ShippingMethod[] | null
  shipping_address?: PostalAddressFields | null
  billing_address?: PostalAddressFields | null
}

/** The v2 cart fields query.graph must return for the requests (entity "cart"; cart totals are computed on request). */
export const CART_FIELDS_FOR_KLARNA = [
  "id",
  "email",
  "currency_code",
  "total",
  "items.id",
  "items.title",
  "items.subtitle",
  "items.product_title",
  "items.variant_title",
  "items.variant_sku",
  "items.variant_id",
  "items.thumbnail",
  "items.requires_shipping",
  "items.quantity",
  "items.total",
  "items.original_total",
  "items.tax_lines.rate",
  "shipping_methods.id",
  "shipping_methods.name",
  "shipping_methods.total",
  "shipping_methods.original_total",
  "shipping_methods.tax_lines.rate",
  "shipping_address.*",
  "billing_address.*",
]

export interface CheckoutRequestOptions extends SnapshotOptions {
  /** Purchase country when the cart has no address with a country yet (plugin option purchaseCountry). */
  purchaseCountry?: string
}

/**
 * The cart as the core's order model (nothing fulfilled), with `orderAmount` minor units to authorize: the
 * payment collection's amount, rounded once (Medusa's cart total: the lines add up to it).
 */
export function cartAsOrder(cart: V2CartForKlarna, orderAmount: number, options: SnapshotOptions): SyncableOrder {
  const order = toSyncableOrder(
    {
      id: cart.id,
      status: "pending",
      currency_code: cart.currency_code,
      total: cart.total,
      items: cart.items,
      shipping_methods: cart.shipping_methods,
    },
    options,
  )
  if (order.totalAmount !== orderAmount) {
    throw new Error(
      `cart ${cart.id} comes to ${order.totalAmount} minor units but the payment asks for ${orderAmount}: the cart changed, create the payment session again`,
    )
  }
  return order
}

function checkoutOf(cart: V2CartForKlarna, options: CheckoutRequestOptions, orderAmount: number): CheckoutForKlarna {
  return {
    order: cartAsOrder(cart, orderAmount, options),
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
