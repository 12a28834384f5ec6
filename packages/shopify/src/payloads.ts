/**
 * The parts of Shopify's webhook bodies this adapter reads. Webhook bodies are the REST resources,
 * unwrapped (root `id`), snake_case. Ids are 64-bit integers: parseShopifyJson keeps the ones beyond
 * 2^53 as strings, so every id is typed `Id` and compared as String(id).
 */
import type { MoneySet } from "./money"

export type Id = string | number

export interface TaxLinePayload {
  price?: string | null
  price_set?: MoneySet | null
  rate?: number | string | null
  title?: string | null
}

export interface DiscountAllocationPayload {
  amount?: string | null
  amount_set?: MoneySet | null
}

export interface LineItemPayload {
  id: Id
  title?: string | null
  name?: string | null
  sku?: string | null
  variant_id?: Id | null
  quantity: number
  current_quantity?: number | null
  price?: string | null
  price_set?: MoneySet | null
  total_discount?: string | null
  total_discount_set?: MoneySet | null
  discount_allocations?: DiscountAllocationPayload[] | null
  tax_lines?: TaxLinePayload[] | null
  requires_shipping?: boolean | null
  gift_card?: boolean | null
}

export interface ShippingLinePayload {
  id: Id
  title?: string | null
  code?: string | null
  price?: string | null
  price_set?: MoneySet | null
  discounted_price?: string | null
  discounted_price_set?: MoneySet | null
  discount_allocations?: DiscountAllocationPayload[] | null
  tax_lines?: TaxLinePayload[] | null
  is_removed?: boolean | null
}

export interface FulfillmentPayload {
  id: Id
  order_id: Id
  /** pending | open | success | cancelled | error | failure */
  status?: string | null
  shipment_status?: string | null
  created_at?: string | null
  updated_at?: string | null
  name?: string | null
  tracking_company?: string | null
  tracking_number?: string | null
  tracking_numbers?: (string | null)[] | null
  tracking_url?: string | null
  tracking_urls?: (string | null)[] | null
  /** The order's line items in this fulfillment; `quantity` is the quantity in this fulfillment. */
  line_items?: { id: Id; quantity: number }[] | null
  /**
   * Ours, not Shopify's: when this adapter first saw the fulfillment with status `success`. Fixes the
   * order in which fulfillments take their share of the order (order-state.ts).
   */
  klarna_sync_shipped_at?: string | null
}

export interface TransactionPayload {
  id: Id
  order_id?: Id | null
  /** authorization | capture | sale | void | refund | change | emv_authorization | suggested_refund */
  kind?: string | null
  gateway?: string | null
  /** pending | failure | success | error */
  status?: string | null
  amount?: string | number | null
  currency?: string | null
  authorization?: string | null
  parent_id?: Id | null
  created_at?: string | null
}

export interface RefundLineItemPayload {
  id?: Id
  line_item_id: Id
  quantity: number
  /** no_restock | cancel | return | legacy_restock */
  restock_type?: string | null
  subtotal?: string | number | null
  subtotal_set?: MoneySet | null
  total_tax?: string | number | null
  total_tax_set?: MoneySet | null
}

export interface RefundShippingLinePayload {
  id?: Id
  shipping_line_id?: Id | null
  subtotal_amount_set?: MoneySet | null
  tax_amount_set?: MoneySet | null
}

export interface OrderAdjustmentPayload {
  id?: Id
  /** shipping_refund | refund_discrepancy (deprecated kinds, still sent) */
  kind?: string | null
  amount?: string | null
  amount_set?: MoneySet | null
  tax_amount?: string | null
  tax_amount_set?: MoneySet | null
}

export interface RefundPayload {
  id: Id
  order_id: Id
  created_at?: string | null
  processed_at?: string | null
  refund_line_items?: RefundLineItemPayload[] | null
  transactions?: TransactionPayload[] | null
  refund_shipping_lines?: RefundShippingLinePayload[] | null
  order_adjustments?: OrderAdjustmentPayload[] | null
}

export interface OrderPayload {
  id: Id
  name?: string | null
  order_number?: number | string | null
  created_at?: string | null
  updated_at?: string | null
  cancelled_at?: string | null
  cancel_reason?: string | null
  financial_status?: string | null
  currency?: string | null
  presentment_currency?: string | null
  taxes_included?: boolean | null
  total_price?: string | null
  total_price_set?: MoneySet | null
  payment_gateway_names?: string[] | null
  note_attributes?: { name?: string | null; value?: unknown }[] | null
  metafields?: { namespace?: string | null; key?: string | null; value?: unknown }[] | null
  line_items?: LineItemPayload[] | null
  shipping_lines?: ShippingLinePayload[] | null
  fulfillments?: FulfillmentPayload[] | null
  refunds?: RefundPayload[] | null
}

/** customers/data_request, customers/redact, shop/redact. */
export interface PrivacyPayload {
  shop_id?: Id
  shop_domain?: string
  customer?: { id?: Id; email?: string; phone?: string } | null
  orders_requested?: Id[] | null
  orders_to_redact?: Id[] | null
  data_request?: { id?: Id } | null
}
