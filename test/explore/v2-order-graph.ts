/**
 * The exploration's platform order as Medusa v2 hands it to the plugin: the graph `query.graph({ entity:
 * "order", fields: ORDER_FIELDS })` returns (shape as in the 2.21.2 fixture,
 * packages/medusa-v2/src/lib/__tests__/fixtures/order-graph.json), turned into the engine's snapshot by the
 * plugin's own pure mapper (toSyncableOrder). So the v2 run exercises exactly what the plugin feeds the engine.
 *
 * Money the way v2 keeps it: decimals in MAJOR units (numbers for totals, `raw_*` `{ value, precision: 20 }`
 * for payments and refunds); a tax-exclusive item has a net `unit_price` and its tax in `tax_lines` (rate in
 * percent), a tax-inclusive one (`is_tax_inclusive`) a gross `unit_price`. The model's amounts are chosen so v2
 * represents them exactly (explore.ts: a tax-exclusive net price is a multiple of taxStep(rate), so gross =
 * net × (1 + rate) is a whole number of minor units), hence the invariants' expected lines hold unchanged; a
 * tax-exclusive shipping price keeps v2's unrounded gross (61.2625 SEK), so the order total, the amount the
 * customer authorized and shipping carry a sub-minor part the plugin must round exactly once.
 *
 * A return received with its refund (ReturnWithRefund) is a received return carrying the returned units, and a
 * refund of the Klarna payment; v2 links the two by nothing but amounts (order-snapshot.ts pairs them). Both of
 * v2's flows are modelled, alternately: the dashboard's (request, receive, Refund on the payment) leaves
 * `refund_amount` null; createAndCompleteReturnOrderWorkflow records the units' value there. As on a 2.21.2
 * server, a received return takes its units out of the item's `total` / `original_total` and the order's `total`,
 * and reports them in `detail.return_received_quantity` and `return_received_total`.
 */
import { parseKlarnaOptions } from "../../packages/core/src/config/plugin-options"
import type { SyncableOrder } from "../../packages/core/src/sync/ports"
import {
  toSyncableOrder,
  type V2OrderGraph,
  type V2OrderItem,
  type V2ShippingMethod,
} from "../../packages/medusa-v2/src/lib/order-snapshot"
import { itemNet, orderTotal, type ModelItem, type ModelOrder, type ModelShipping } from "./platform-model"

/** The plugin's options as a store configures them (defaults: order id at payment.data.order_id). */
export const V2_SNAPSHOT_OPTIONS = parseKlarnaOptions({ credentials: [{ username: "PK_EXPLORE", password: "explore-secret" }] })

/** The smallest net price (minor units) whose gross at `rate` (basis points) is a whole number of minor units. */
export function taxStep(rate: number): number {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b))
  return 10000 / gcd(rate, 10000)
}

/** Net amount (tax excluded) of a gross amount at `rate`: exact for the amounts the model generates. */
function netOf(gross: number, rate: number): number {
  return (gross * 10000) / (10000 + rate)
}

/** Minor units as v2's major-unit decimal text ("1349.66" for 134966 at 2 decimals). */
function major(minor: number, decimals: number): string {
  const negative = minor < 0
  const digits = Math.abs(minor)
    .toString()
    .padStart(decimals + 1, "0")
  const text = decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`
  return negative ? `-${text}` : text
}

/** query.graph returns totals as JS numbers (BigNumber.numeric). Inexact derived fields (a tax-inclusive net) as floats. */
const num = (minor: number, decimals: number): number => (Number.isInteger(minor) ? Number(major(minor, decimals)) : minor / 10 ** decimals)
/**
 * Exact amounts with a sub-minor part are counted in FINE units, 1/10000 of a minor unit (a tax rate in basis
 * points times a net price in minor units): 612625 fine = 61.2625 SEK.
 */
const FINE = 10000
const fineNum = (fine: number, decimals: number): number => Number(major(fine, decimals + 4))
const fineRaw = (fine: number, decimals: number) => ({ value: major(fine, decimals + 4), precision: 20 })

/** The shipping method's gross as v2 keeps it, in fine units: unrounded for a tax-exclusive net price. */
const shippingGrossFine = (shipping: ModelShipping): number =>
  shipping.v2NetPrice !== undefined ? shipping.v2NetPrice * (10000 + shipping.taxRate) : shipping.amount * FINE
const percent = (rate: number) => rate / 100
const taxLines = (rate: number) => (rate === 0 ? [] : [{ rate: percent(rate), code: `VAT${percent(rate)}` }])

/** Units of each item the order's returns brought back (every return is received before its refund). */
function returnedUnits(order: ModelOrder): Map<string, number> {
  const units = new Map<string, number>()
  for (const line of order.refunds.flatMap((refund) => refund.returnedItems ?? [])) {
    units.set(line.itemId, (units.get(line.itemId) ?? 0) + line.quantity)
  }
  return units
}

function itemGraph(item: ModelItem, decimals: number, returned: number): V2OrderItem & Record<string, unknown> {
  // v2's totals are those of the units not returned.
  const q = item.quantity - returned
  const total = q * itemNet(item)
  const original = q * item.unitPrice
  const net = netOf(total, item.taxRate)
  return {
    id: item.id,
    title: item.name,
    subtitle: "Default",
    product_title: item.name,
    variant_title: "Default",
    variant_sku: item.sku,
    variant_id: `variant_${item.id}`,
    product_handle: item.sku,
    thumbnail: null,
    requires_shipping: true,
    quantity: item.quantity,
    unit_price: item.taxInclusive ? num(item.unitPrice, decimals) : num(netOf(item.unitPrice, item.taxRate), decimals),
    is_tax_inclusive: Boolean(item.taxInclusive),
    subtotal: num(netOf(original, item.taxRate), decimals),
    total: num(total, decimals),
    original_total: num(original, decimals),
    discount_total: num(original - total, decimals),
    tax_total: num(total - net, decimals),
    tax_lines: taxLines(item.taxRate),
    detail: { return_received_quantity: returned, return_dismissed_quantity: 0 },
    return_received_total: num(returned * itemNet(item), decimals),
    return_dismissed_total: 0,
  }
}

function shippingGraph(shipping: ModelShipping, decimals: number): V2ShippingMethod & Record<string, unknown> {
  const gross = shippingGrossFine(shipping)
  const net = shipping.v2NetPrice ?? netOf(shipping.amount, shipping.taxRate)
  return {
    id: shipping.id,
    name: "Standard",
    amount: shipping.taxInclusive ? num(shipping.amount, decimals) : num(net, decimals),
    is_tax_inclusive: Boolean(shipping.taxInclusive),
    subtotal: num(net, decimals),
    total: fineNum(gross, decimals),
    original_total: fineNum(gross, decimals),
    discount_total: 0,
    tax_total: num(gross / FINE - net, decimals),
    tax_lines: taxLines(shipping.taxRate),
  }
}

export function v2GraphOf(order: ModelOrder): V2OrderGraph {
  const d = order.decimals
  const at = (date: Date) => date.toISOString()
  const placedAt = new Date(Date.now() - 60_000)
  const shipping = order.shipping
  // The order total v2 keeps: exact, with shipping's sub-minor part (the model's orderTotal is it rounded).
  const total = (orderTotal(order) - (shipping?.amount ?? 0)) * FINE + (shipping ? shippingGrossFine(shipping) : 0)
  // What v2's order.total says once returns are received: without the returned units.
  const returned = returnedUnits(order)
  const returnedValue = order.items.reduce((sum, item) => sum + (returned.get(item.id) ?? 0) * itemNet(item), 0)
  const returns = order.refunds
    .filter((refund) => refund.returnedItems && refund.returnedItems.length > 0)
    .map((refund, i) => {
      const received = new Date(refund.createdAt.getTime() - 1)
      const value = (refund.returnedItems ?? []).reduce((sum, line) => {
        const item = order.items.find((it) => it.id === line.itemId)
        return sum + line.quantity * (item ? itemNet(item) : 0)
      }, 0)
      return {
        id: `ret_${refund.id}_${i}`,
        status: "received",
        created_at: at(received),
        received_at: at(received),
        refund_amount: i % 2 === 0 ? null : num(value, d),
        items: (refund.returnedItems ?? []).map((line) => ({
          item_id: line.itemId,
          quantity: line.quantity,
          received_quantity: line.quantity,
        })),
      }
    })
  return {
    id: order.orderId,
    display_id: order.orderId,
    status: order.canceled ? "canceled" : "pending",
    currency_code: order.currency.toLowerCase(),
    canceled_at: order.canceled ? at(new Date()) : null,
    total: fineNum(total - returnedValue * FINE, d),
    items: order.items.map((item) => itemGraph(item, d, returned.get(item.id) ?? 0)),
    shipping_methods: shipping ? [shippingGraph(shipping, d)] : [],
    fulfillments: order.fulfillments.map((f) => ({
      id: f.id,
      created_at: at(f.createdAt),
      shipped_at: f.shipped ? at(new Date(f.createdAt.getTime() + 1)) : null,
      canceled_at: f.canceled ? at(new Date(f.createdAt.getTime() + 2)) : null,
      provider_id: "manual_manual",
      // The company the merchant typed, where the plugin reads it (order-snapshot.ts shippingCompanyFor).
      metadata: f.shippingCompany !== undefined ? { klarna_shipping_company: f.shippingCompany } : null,
      items: f.items.map((line) => ({ line_item_id: line.itemId, quantity: line.quantity })),
      labels: f.trackings.map((t) => ({ tracking_number: t.trackingNumber, tracking_url: t.trackingUrl ?? null })),
    })),
    payment_collections: [
      {
        id: `pay_col_${order.orderId}`,
        payments: [
          {
            id: `pay_${order.orderId}`,
            provider_id: "pp_klarna_klarna",
            amount: fineNum(total, d),
            raw_amount: fineRaw(total, d),
            data: { order_id: order.klarnaOrderId, session_id: `payses_${order.orderId}` },
            created_at: at(placedAt),
            captured_at: null,
            canceled_at: null,
            refunds: order.refunds.map((refund) => ({
              id: refund.id,
              amount: num(refund.amount, d),
              raw_amount: fineRaw(refund.amount * FINE, d),
              created_at: at(refund.createdAt),
              note: null,
            })),
          },
        ],
      },
    ],
    returns,
  }
}

/** What the v2 plugin's order source hands the engine for this order. */
export function v2SnapshotOf(order: ModelOrder): SyncableOrder {
  return toSyncableOrder(v2GraphOf(order), V2_SNAPSHOT_OPTIONS)
}
