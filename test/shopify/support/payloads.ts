/**
 * Our own webhook bodies for the edge cases, shaped like Shopify's samples (test/shopify/fixtures):
 * REST resources, unwrapped, snake_case, money as decimal strings with `*_set` twins.
 */
import { newId } from "./harness"

export const set = (amount: string, currency = "EUR") => ({
  shop_money: { amount, currency_code: currency },
  presentment_money: { amount, currency_code: currency },
})

export interface ItemSpec {
  title: string
  sku: string
  quantity: number
  /** Unit price as Shopify shows it (tax included when the order is tax-inclusive). */
  price: string
  discount?: string
  /** Tax on the whole line (tax-exclusive orders), and its rate as a fraction. */
  tax?: { price: string; rate: number }
}

export interface OrderSpec {
  id?: number
  currency?: string
  taxesIncluded?: boolean
  gateways?: string[]
  klarnaOrderId?: string | null
  items: ItemSpec[]
  shipping?: { title: string; price: string; tax?: { price: string; rate: number } }
  totalPrice: string
  updatedAt?: string
  cancelledAt?: string | null
}

export interface BuiltOrder {
  id: number
  items: { id: number; spec: ItemSpec }[]
  shippingLineId: number
  payload: Record<string, unknown>
}

export function buildOrder(spec: OrderSpec): BuiltOrder {
  const id = spec.id ?? newId()
  const currency = spec.currency ?? "EUR"
  const items = spec.items.map((item) => ({ id: newId(), spec: item }))
  const shippingLineId = newId()
  const money = (amount: string) => set(amount, currency)
  const taxLines = (tax?: { price: string; rate: number }) =>
    tax ? [{ price: tax.price, rate: tax.rate, title: "VAT", price_set: money(tax.price) }] : []
  const payload: Record<string, unknown> = {
    id,
    admin_graphql_api_id: `gid://shopify/Order/${id}`,
    name: `#${String(id).slice(-4)}`,
    order_number: Number(String(id).slice(-4)),
    email: "customer@example.com",
    created_at: "2026-11-20T10:00:00+01:00",
    updated_at: spec.updatedAt ?? "2026-11-20T10:00:00+01:00",
    cancelled_at: spec.cancelledAt ?? null,
    cancel_reason: spec.cancelledAt ? "customer" : null,
    currency,
    presentment_currency: currency,
    financial_status: "authorized",
    taxes_included: spec.taxesIncluded ?? true,
    total_price: spec.totalPrice,
    total_price_set: money(spec.totalPrice),
    payment_gateway_names: spec.gateways ?? ["Klarna"],
    note_attributes: spec.klarnaOrderId ? [{ name: "klarna_order_id", value: spec.klarnaOrderId }] : [],
    billing_address: { first_name: "Kim", last_name: "Customer", address1: "Street 1", city: "Berlin", zip: "10115", country_code: "DE" },
    shipping_address: { first_name: "Kim", last_name: "Customer", address1: "Street 1", city: "Berlin", zip: "10115", country_code: "DE" },
    customer: { id: newId(), email: "customer@example.com", first_name: "Kim", last_name: "Customer" },
    line_items: items.map(({ id: itemId, spec: item }) => ({
      id: itemId,
      admin_graphql_api_id: `gid://shopify/LineItem/${itemId}`,
      title: item.title,
      name: item.title,
      sku: item.sku,
      variant_id: newId(),
      quantity: item.quantity,
      current_quantity: item.quantity,
      price: item.price,
      price_set: money(item.price),
      total_discount: "0.00",
      total_discount_set: money("0.00"),
      discount_allocations: item.discount
        ? [{ amount: item.discount, amount_set: money(item.discount), discount_application_index: 0 }]
        : [],
      tax_lines: taxLines(item.tax),
      requires_shipping: true,
      gift_card: false,
    })),
    shipping_lines: spec.shipping
      ? [
          {
            id: shippingLineId,
            title: spec.shipping.title,
            code: spec.shipping.title,
            price: spec.shipping.price,
            price_set: money(spec.shipping.price),
            discounted_price: spec.shipping.price,
            discounted_price_set: money(spec.shipping.price),
            discount_allocations: [],
            tax_lines: taxLines(spec.shipping.tax),
            is_removed: false,
          },
        ]
      : [],
    fulfillments: [],
    refunds: [],
  }
  return { id, items, shippingLineId, payload }
}

export interface FulfillmentSpec {
  id?: number
  orderId: number
  status?: string
  lines: { id: number; quantity: number }[]
  company?: string
  trackingNumbers?: string[]
  trackingUrls?: string[]
  createdAt?: string
  updatedAt?: string
}

export function buildFulfillment(spec: FulfillmentSpec): Record<string, unknown> & { id: number } {
  const id = spec.id ?? newId()
  const numbers = spec.trackingNumbers ?? []
  const urls = spec.trackingUrls ?? []
  return {
    id,
    order_id: spec.orderId,
    status: spec.status ?? "success",
    created_at: spec.createdAt ?? "2026-11-21T09:00:00+01:00",
    updated_at: spec.updatedAt ?? spec.createdAt ?? "2026-11-21T09:00:00+01:00",
    service: "manual",
    tracking_company: spec.company ?? null,
    shipment_status: null,
    email: "customer@example.com",
    destination: { first_name: "Kim", last_name: "Customer", address1: "Street 1", city: "Berlin", zip: "10115", country_code: "DE" },
    line_items: spec.lines.map((line) => ({ id: line.id, quantity: line.quantity })),
    tracking_number: numbers[0] ?? null,
    tracking_numbers: numbers,
    tracking_url: urls[0] ?? null,
    tracking_urls: urls,
    receipt: {},
    name: `#${id}.1`,
  }
}

export interface RefundSpec {
  id?: number
  orderId: number
  createdAt?: string
  lines?: { lineItemId: number; quantity: number; restockType?: string; subtotal: string; tax?: string }[]
  transactions?: { amount: string; gateway?: string; status?: string }[]
  shippingLines?: { subtotal: string; tax?: string }[]
  orderAdjustments?: { kind: string; amount: string; tax?: string }[]
  currency?: string
}

export function buildRefund(spec: RefundSpec): Record<string, unknown> & { id: number } {
  const id = spec.id ?? newId()
  const currency = spec.currency ?? "EUR"
  const money = (amount: string) => set(amount, currency)
  return {
    id,
    order_id: spec.orderId,
    created_at: spec.createdAt ?? "2026-11-25T12:00:00+01:00",
    processed_at: spec.createdAt ?? "2026-11-25T12:00:00+01:00",
    note: "Customer sent it back",
    restock: false,
    duties: [],
    return: null,
    refund_line_items: (spec.lines ?? []).map((line) => ({
      id: newId(),
      line_item_id: line.lineItemId,
      quantity: line.quantity,
      restock_type: line.restockType ?? "return",
      subtotal: Number(line.subtotal),
      subtotal_set: money(line.subtotal),
      total_tax: Number(line.tax ?? "0"),
      total_tax_set: money(line.tax ?? "0.00"),
    })),
    transactions: (spec.transactions ?? []).map((transaction) => ({
      id: newId(),
      order_id: spec.orderId,
      kind: "refund",
      gateway: transaction.gateway ?? "Klarna",
      status: transaction.status ?? "success",
      amount: transaction.amount,
      currency,
      authorization: null,
      parent_id: null,
      created_at: spec.createdAt ?? "2026-11-25T12:00:00+01:00",
    })),
    refund_shipping_lines: (spec.shippingLines ?? []).map((line) => ({
      id: newId(),
      shipping_line_id: null,
      subtotal_amount_set: money(line.subtotal),
      tax_amount_set: money(line.tax ?? "0.00"),
    })),
    order_adjustments: (spec.orderAdjustments ?? []).map((adjustment) => ({
      id: newId(),
      order_id: spec.orderId,
      refund_id: id,
      kind: adjustment.kind,
      reason: "Shipping refund",
      amount: adjustment.amount,
      amount_set: money(adjustment.amount),
      tax_amount: adjustment.tax ?? "0.00",
      tax_amount_set: money(adjustment.tax ?? "0.00"),
    })),
  }
}
