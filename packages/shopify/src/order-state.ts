/**
 * What this adapter keeps of a Shopify order: the latest order payload plus every fulfillment, refund
 * and transaction seen in any webhook, each reduced to the fields the sync needs. No customer data is
 * kept (no names, addresses, e-mails, phone numbers, notes, note attributes or metafields): the
 * Klarna order id is resolved from the full payload on arrival and stored on its own.
 *
 * Webhooks arrive in any order and may be redelivered: the merge keeps, per object, the version with
 * the latest `updated_at` (refunds and transactions do not change once created).
 */
import type {
  FulfillmentPayload,
  Id,
  LineItemPayload,
  OrderPayload,
  RefundPayload,
  ShippingLinePayload,
  TransactionPayload,
} from "./payloads"

export interface ShopifyOrderState {
  order: OrderPayload | null
  fulfillments: Record<string, FulfillmentPayload>
  refunds: Record<string, RefundPayload>
  transactions: Record<string, TransactionPayload>
}

export function emptyOrderState(): ShopifyOrderState {
  return { order: null, fulfillments: {}, refunds: {}, transactions: {} }
}

const id = (value: Id): string => String(value)

function pick<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key]
  return out
}

function minimalLineItem(item: LineItemPayload): LineItemPayload {
  return {
    ...pick(item, [
      "title",
      "name",
      "sku",
      "quantity",
      "current_quantity",
      "price",
      "price_set",
      "total_discount",
      "total_discount_set",
      "requires_shipping",
      "gift_card",
    ]),
    id: id(item.id),
    variant_id: item.variant_id === null || item.variant_id === undefined ? null : id(item.variant_id),
    discount_allocations: (item.discount_allocations ?? []).map((d) => pick(d, ["amount", "amount_set"])),
    tax_lines: (item.tax_lines ?? []).map((t) => pick(t, ["price", "price_set", "rate", "title"])),
  }
}

function minimalShippingLine(line: ShippingLinePayload): ShippingLinePayload {
  return {
    ...pick(line, ["title", "code", "price", "price_set", "discounted_price", "discounted_price_set", "is_removed"]),
    id: id(line.id),
    discount_allocations: (line.discount_allocations ?? []).map((d) => pick(d, ["amount", "amount_set"])),
    tax_lines: (line.tax_lines ?? []).map((t) => pick(t, ["price", "price_set", "rate", "title"])),
  }
}

export function minimalOrder(order: OrderPayload): OrderPayload {
  return {
    ...pick(order, [
      "name",
      "order_number",
      "created_at",
      "updated_at",
      "cancelled_at",
      "cancel_reason",
      "financial_status",
      "currency",
      "presentment_currency",
      "taxes_included",
      "total_price",
      "total_price_set",
      "payment_gateway_names",
    ]),
    id: id(order.id),
    line_items: (order.line_items ?? []).map(minimalLineItem),
    shipping_lines: (order.shipping_lines ?? []).map(minimalShippingLine),
  }
}

export function minimalFulfillment(fulfillment: FulfillmentPayload): FulfillmentPayload {
  return {
    ...pick(fulfillment, [
      "status",
      "shipment_status",
      "created_at",
      "updated_at",
      "name",
      "tracking_company",
      "tracking_number",
      "tracking_numbers",
      "tracking_url",
      "tracking_urls",
    ]),
    id: id(fulfillment.id),
    order_id: id(fulfillment.order_id),
    line_items: (fulfillment.line_items ?? []).map((item) => ({ id: id(item.id), quantity: item.quantity })),
  }
}

export function minimalTransaction(transaction: TransactionPayload): TransactionPayload {
  return {
    ...pick(transaction, ["kind", "gateway", "status", "amount", "currency", "authorization", "created_at"]),
    id: id(transaction.id),
    order_id: transaction.order_id === null || transaction.order_id === undefined ? null : id(transaction.order_id),
    parent_id: transaction.parent_id === null || transaction.parent_id === undefined ? null : id(transaction.parent_id),
  }
}

export function minimalRefund(refund: RefundPayload): RefundPayload {
  return {
    ...pick(refund, ["created_at", "processed_at"]),
    id: id(refund.id),
    order_id: id(refund.order_id),
    refund_line_items: (refund.refund_line_items ?? []).map((line) => ({
      ...pick(line, ["quantity", "restock_type", "subtotal", "subtotal_set", "total_tax", "total_tax_set"]),
      line_item_id: id(line.line_item_id),
    })),
    transactions: (refund.transactions ?? []).map(minimalTransaction),
    refund_shipping_lines: (refund.refund_shipping_lines ?? []).map((line) => ({
      ...pick(line, ["subtotal_amount_set", "tax_amount_set"]),
      ...(line.shipping_line_id !== undefined && line.shipping_line_id !== null ? { shipping_line_id: id(line.shipping_line_id) } : {}),
    })),
    order_adjustments: (refund.order_adjustments ?? []).map((adjustment) =>
      pick(adjustment, ["kind", "amount", "amount_set", "tax_amount", "tax_amount_set"]),
    ),
  }
}

/** Is `incoming` at least as recent as `stored`? Unknown timestamps count as newer (last write wins). */
function isNewer(incoming: { updated_at?: string | null }, stored: { updated_at?: string | null } | undefined | null): boolean {
  if (!stored) return true
  const a = Date.parse(incoming.updated_at ?? "")
  const b = Date.parse(stored.updated_at ?? "")
  if (Number.isNaN(a) || Number.isNaN(b)) return true
  return a >= b
}

/**
 * The first time a fulfillment is seen shipped (status `success`) is stamped on it and kept. Captures
 * take the order's parts in that order (shipping with the first, unit numbering), so a fulfillment that
 * ships later can never move in front of one already captured, whatever its created_at or the order in
 * which Shopify delivers the webhooks.
 */
function mergeFulfillment(state: ShopifyOrderState, fulfillment: FulfillmentPayload, now: string): void {
  const key = id(fulfillment.id)
  const stored = state.fulfillments[key]
  const next = isNewer(fulfillment, stored) ? minimalFulfillment(fulfillment) : stored
  const shippedAt = stored?.klarna_sync_shipped_at ?? (next.status === "success" || fulfillment.status === "success" ? now : null)
  state.fulfillments[key] = shippedAt ? { ...next, klarna_sync_shipped_at: shippedAt } : next
}

function mergeRefund(state: ShopifyOrderState, refund: RefundPayload): void {
  const minimal = minimalRefund(refund)
  state.refunds[id(refund.id)] = minimal
  for (const transaction of minimal.transactions ?? []) state.transactions[id(transaction.id)] = transaction
}

/** Applies one webhook's payload to the state (in place) and returns it. */
export function mergeOrder(state: ShopifyOrderState, order: OrderPayload, now: string = new Date().toISOString()): ShopifyOrderState {
  if (isNewer(order, state.order)) state.order = minimalOrder(order)
  for (const fulfillment of order.fulfillments ?? [])
    mergeFulfillment(state, { ...fulfillment, order_id: fulfillment.order_id ?? order.id }, now)
  for (const refund of order.refunds ?? [])
    if (!state.refunds[id(refund.id)]) mergeRefund(state, { ...refund, order_id: refund.order_id ?? order.id })
  return state
}

export function mergeFulfillmentPayload(
  state: ShopifyOrderState,
  fulfillment: FulfillmentPayload,
  now: string = new Date().toISOString(),
): ShopifyOrderState {
  mergeFulfillment(state, fulfillment, now)
  return state
}

export function mergeRefundPayload(state: ShopifyOrderState, refund: RefundPayload): ShopifyOrderState {
  mergeRefund(state, refund)
  return state
}

export function mergeTransactionPayload(state: ShopifyOrderState, transaction: TransactionPayload): ShopifyOrderState {
  state.transactions[id(transaction.id)] = minimalTransaction(transaction)
  return state
}
