/**
 * The engine's view of a platform order. Adapters (Medusa, Shopify) build an OrderSnapshot from
 * their own data; the engine plans Klarna calls from it and knows nothing else about the platform.
 *
 * All money is integer minor units of `currency`. All amounts are what the customer sees:
 * tax included (for tax-exclusive stores the adapter adds the tax the platform computed).
 */

export interface OrderSnapshot {
  platform: "medusa" | "shopify"
  /** The platform's order id. */
  orderId: string
  /** A human order number, used in capture descriptions. */
  displayId?: string
  /** ISO 4217, upper case. */
  currency: string
  /** Minor-unit exponent of the currency: 0 (JPY), 2 (EUR), 3 (KWD). */
  currencyDecimals: number
  /**
   * What the customer pays through Klarna: the platform's order total after discounts and gift cards.
   * The captures of a fully shipped order add up to exactly this.
   */
  totalAmount: number
  items: ItemLine[]
  shippingLines: ShippingLine[]
  /** Gift cards paid part of the order; sent as negative `gift_card` lines. Amounts are positive here. */
  giftCards: GiftCardLine[]
  /** In the platform's creation order (created_at, then id). Canceled ones are flagged, not removed. */
  fulfillments: FulfillmentSnapshot[]
  refunds: RefundSnapshot[]
  /** Items that will never ship (canceled / removed): quantities per item id. */
  canceledQuantities?: Record<string, number>
  canceled?: boolean
}

export interface ItemLine {
  id: string
  name: string
  /** SKU or variant id; Klarna `reference`. */
  reference?: string
  type: "physical" | "digital"
  quantity: number
  /**
   * Gross amount of all `quantity` units before discounts, tax included.
   * For a tax-exclusive store: subtotal + the tax on it.
   */
  originalTotal: number
  /** Gross discount on all units, tax included (line-item and order-level discounts already spread by the platform). */
  discountTotal: number
  /** originalTotal - discountTotal: what the customer pays for all units, tax included. */
  total: number
  /** Sum of the item's tax rates in basis points (2500 = 25%). */
  taxRate: number
  productUrl?: string
  imageUrl?: string
}

export interface ShippingLine {
  id: string
  name: string
  /** Gross amount before discounts, tax included. */
  originalTotal: number
  /** Gross discount (free-shipping discounts), tax included. */
  discountTotal: number
  total: number
  taxRate: number
}

export interface GiftCardLine {
  id: string
  code: string
  /** Positive amount the gift card paid. */
  amount: number
}

export interface TrackingSnapshot {
  trackingNumber: string
  trackingUrl?: string
}

export interface FulfillmentSnapshot {
  id: string
  createdAt: Date
  items: { itemId: string; quantity: number }[]
  trackings: TrackingSnapshot[]
  /** Klarna carrier code, already resolved by the adapter (mapping or fulfillment metadata). */
  shippingCompany?: string
  shippingMethod?: string
  canceled?: boolean
  shipped?: boolean
}

export interface RefundSnapshot {
  id: string
  /** Positive amount refunded to the customer through Klarna. */
  amount: number
  createdAt: Date
  /** Items returned with this refund, when it comes from a return. */
  returnedItems?: { itemId: string; quantity: number }[]
  /** Part of `amount` that refunds shipping, when the platform says so. */
  shippingAmount?: number
  /**
   * What the platform kept back from this refund of returned items, when it says so: a fee charged for the return
   * (Medusa v2: the return's shipping method, which it takes off the refund due). Klarna gets a "Return fee" line
   * of minus this, and the returned items at their captured value.
   */
  returnFeeAmount?: number
  reason?: string
  note?: string
}
