/**
 * A Medusa v2 order, as `query.graph({ entity: "order", fields: ORDER_FIELDS })` returns it, turned into the
 * core's SyncableOrder. Pure (no @medusajs import), so it is unit- and property-tested on its own.
 *
 * Money: v2 keeps amounts as major-unit decimals that are not rounded to the currency (a line total of
 * 448.875 SEK happens), tax-exclusive by default. The engine wants integer minor units, tax included (its
 * order model), adding up: the captures of a fully shipped order must add up to the amount Klarna authorized.
 * So each line's `total` (v2's: after discounts, tax included) and the shipping methods' totals are
 * allocated over the order's rounded `total` (src/money allocateMinorUnits: Σ lines = round(total) exactly,
 * each line within one minor unit of its exact value); each line's discount (original_total − total) is
 * allocated the same way over the sum of the discounts, so original = total + discount stays exact.
 */
import type {
  FulfillmentSnapshot,
  ItemLine,
  KlarnaPluginOptions,
  RefundSnapshot,
  ShippingLine,
  SyncableOrder,
} from "@klarna-order-sync/core"
import { currencyDecimals, klarnaOrderIdAt, shippingCompanyFor } from "@klarna-order-sync/core"
import { allocateMinorUnits, parseV2Amount, roundHalfAwayFromZero, toMinorUnitDecimal, v2AmountToMinorUnits } from "../money/v2-amounts"

/** The fields the order source asks query.graph for (checked against a 2.21.2 server: test fixture order-graph.json). */
export const ORDER_FIELDS = [
  "id",
  "display_id",
  "status",
  "currency_code",
  "created_at",
  "canceled_at",
  "total",
  "subtotal",
  "tax_total",
  "discount_total",
  "shipping_total",
  "item_total",
  "items.id",
  "items.title",
  "items.subtitle",
  "items.product_title",
  "items.variant_title",
  "items.variant_sku",
  "items.variant_id",
  "items.product_handle",
  "items.thumbnail",
  "items.requires_shipping",
  "items.quantity",
  "items.unit_price",
  "items.is_tax_inclusive",
  "items.subtotal",
  "items.total",
  "items.original_total",
  "items.discount_total",
  "items.tax_total",
  "items.tax_lines.rate",
  "items.tax_lines.code",
  "shipping_methods.id",
  "shipping_methods.name",
  "shipping_methods.amount",
  "shipping_methods.subtotal",
  "shipping_methods.total",
  "shipping_methods.original_total",
  "shipping_methods.discount_total",
  "shipping_methods.tax_total",
  "shipping_methods.tax_lines.rate",
  "fulfillments.id",
  "fulfillments.created_at",
  "fulfillments.shipped_at",
  "fulfillments.canceled_at",
  "fulfillments.provider_id",
  "fulfillments.metadata",
  "fulfillments.items.line_item_id",
  "fulfillments.items.quantity",
  "fulfillments.labels.tracking_number",
  "fulfillments.labels.tracking_url",
  "payment_collections.id",
  "payment_collections.payments.id",
  "payment_collections.payments.provider_id",
  "payment_collections.payments.amount",
  "payment_collections.payments.raw_amount",
  "payment_collections.payments.data",
  "payment_collections.payments.created_at",
  "payment_collections.payments.captured_at",
  "payment_collections.payments.canceled_at",
  "payment_collections.payments.refunds.id",
  "payment_collections.payments.refunds.amount",
  "payment_collections.payments.refunds.raw_amount",
  "payment_collections.payments.refunds.created_at",
  "payment_collections.payments.refunds.note",
  "credit_lines.amount",
  "credit_lines.version",
  "returns.id",
  "returns.status",
  "returns.created_at",
  "returns.received_at",
  "returns.refund_amount",
  "returns.items.item_id",
  "returns.items.quantity",
  "returns.items.received_quantity",
]

type Amount = unknown
type When = string | Date

/* Only the parts of the graph this module reads. */
export interface V2TaxLine {
  rate: Amount
  code?: string | null
}
export interface V2OrderItem {
  id: string
  title?: string | null
  subtitle?: string | null
  product_title?: string | null
  variant_title?: string | null
  variant_sku?: string | null
  variant_id?: string | null
  product_handle?: string | null
  thumbnail?: string | null
  requires_shipping?: boolean | null
  quantity: Amount
  unit_price?: Amount
  total: Amount
  original_total?: Amount
  tax_lines?: V2TaxLine[] | null
}
export interface V2ShippingMethod {
  id: string
  name?: string | null
  total: Amount
  original_total?: Amount
  tax_lines?: V2TaxLine[] | null
}
export interface V2Fulfillment {
  id: string
  created_at: When
  shipped_at?: When | null
  canceled_at?: When | null
  provider_id?: string | null
  metadata?: Record<string, unknown> | null
  items?: { line_item_id?: string | null; quantity: Amount }[] | null
  labels?: { tracking_number?: string | null; tracking_url?: string | null }[] | null
}
export interface V2Refund {
  id: string
  amount: Amount
  raw_amount?: Amount
  created_at: When
  note?: string | null
}
export interface V2Payment {
  id: string
  provider_id: string
  amount: Amount
  raw_amount?: Amount
  data?: Record<string, unknown> | null
  created_at?: When
  captured_at?: When | null
  canceled_at?: When | null
  refunds?: V2Refund[] | null
}
export interface V2Return {
  id: string
  status: string
  created_at: When
  received_at?: When | null
  refund_amount?: Amount
  items?: { item_id: string; quantity: Amount; received_quantity?: Amount }[] | null
}
export interface V2OrderGraph {
  id: string
  display_id?: number | string | null
  status: string
  currency_code: string
  canceled_at?: When | null
  total: Amount
  items?: V2OrderItem[] | null
  shipping_methods?: V2ShippingMethod[] | null
  fulfillments?: V2Fulfillment[] | null
  payment_collections?: { id?: string; payments?: V2Payment[] | null }[] | null
  /** Order credit lines; version 1 came from the cart, later ones from order changes (e.g. a refund's excess). */
  credit_lines?: { amount: Amount; version?: number | null }[] | null
  returns?: V2Return[] | null
}

export type SnapshotOptions = Pick<
  KlarnaPluginOptions,
  "klarnaProviderIds" | "orderIdPath" | "carrierMapping" | "defaultShippingCompany" | "shippingMethod"
>

/** The plugin's payment provider, whatever id the store registered it under (pp_klarna_<id>), or one listed in klarnaProviderIds. */
export function isKlarnaProviderId(providerId: string, options: Pick<KlarnaPluginOptions, "klarnaProviderIds">): boolean {
  return providerId.startsWith("pp_klarna_") || options.klarnaProviderIds.includes(providerId)
}

/** The order's Klarna payment (the first of the Klarna provider carrying a Klarna order id), with that id. */
export function klarnaPaymentOf(
  order: Pick<V2OrderGraph, "payment_collections">,
  options: Pick<KlarnaPluginOptions, "klarnaProviderIds" | "orderIdPath">,
): { payment: V2Payment; klarnaOrderId: string } | undefined {
  const payments = (order.payment_collections ?? []).flatMap((collection) => collection.payments ?? [])
  for (const payment of [...payments].sort((a, b) => time(a.created_at) - time(b.created_at))) {
    if (!isKlarnaProviderId(payment.provider_id, options)) continue
    const klarnaOrderId = klarnaOrderIdAt(payment.data, options.orderIdPath)
    if (klarnaOrderId) return { payment, klarnaOrderId }
  }
  return undefined
}

export function toSyncableOrder(order: V2OrderGraph, options: SnapshotOptions): SyncableOrder {
  const currency = order.currency_code.toUpperCase()
  const klarna = klarnaPaymentOf(order, options)
  const items = order.items ?? []
  const methods = order.shipping_methods ?? []
  const lines = [...items, ...methods]

  // Σ line totals = round(order total): the amount Klarna authorized, to the minor unit. A credit line added after
  // checkout (version > 1: an order change) does not change what was authorized: Medusa 2.21's refund of more
  // than the order owes adds one for the excess, lowering order.total below the lines paid and captured.
  const laterCredit = (order.credit_lines ?? []).filter((line) => Number(line.version ?? 1) > 1).map((line) => subtract(line.amount, 0))
  const totals = allocateMinorUnits(
    lines.map((line) => line.total),
    laterCredit.length > 0 ? sumText([subtract(order.total, 0), ...laterCredit]) : order.total,
    currency,
    `order ${order.id}`,
  )
  const discounts = lines.map((line) => subtract(line.original_total ?? line.total, line.total))
  const discountMinor = allocateMinorUnits(discounts, sumText(discounts), currency, `order ${order.id} discounts`)

  const itemLines: ItemLine[] = items.map((item, i) => ({
    id: item.id,
    name: itemName(item),
    reference: item.variant_sku || item.variant_id || undefined,
    type: item.requires_shipping === false ? "digital" : "physical",
    quantity: wholeNumber(item.quantity, `item ${item.id} quantity`),
    originalTotal: totals[i] + discountMinor[i],
    discountTotal: discountMinor[i],
    total: totals[i],
    taxRate: basisPoints(item.tax_lines),
    imageUrl: item.thumbnail && item.thumbnail.length <= 1024 ? item.thumbnail : undefined,
  }))
  const shippingLines: ShippingLine[] = methods.map((method, j) => {
    const i = items.length + j
    return {
      id: method.id,
      name: method.name || "Shipping",
      originalTotal: totals[i] + discountMinor[i],
      discountTotal: discountMinor[i],
      total: totals[i],
      taxRate: basisPoints(method.tax_lines),
    }
  })

  return {
    platform: "medusa",
    orderId: order.id,
    displayId: order.display_id !== undefined && order.display_id !== null ? String(order.display_id) : undefined,
    currency,
    currencyDecimals: currencyDecimals(currency),
    totalAmount: totals.reduce((sum, part) => sum + part, 0),
    items: itemLines,
    shippingLines,
    giftCards: [],
    fulfillments: fulfillments(order, options),
    refunds: klarna ? refunds(order, klarna.payment, currency) : [],
    canceled: order.status === "canceled" || Boolean(order.canceled_at),
    klarnaOrderId: klarna?.klarnaOrderId,
    authorizedAmount: klarna
      ? v2AmountToMinorUnits(klarna.payment.raw_amount ?? klarna.payment.amount, currency, "payment amount")
      : undefined,
  }
}

/** Klarna's line name: the product, and the variant when it says more ("Jacket (M)"). */
function itemName(item: V2OrderItem): string {
  const product = item.product_title || item.title || "Item"
  const variant = item.variant_title || item.subtitle
  return variant && variant !== product && variant !== "Default variant" ? `${product} (${variant})` : product
}

const time = (value: When | undefined | null) => (value ? new Date(value).getTime() : 0)

/** v2 keeps tax rates as percentages (25, 12.5); Klarna wants basis points (2500, 1250), computed exactly. */
function basisPoints(lines: V2TaxLine[] | null | undefined): number {
  const sum = (lines ?? []).reduce(
    (acc, line) => acc + roundHalfAwayFromZero(toMinorUnitDecimal(parseV2Amount(line.rate, "tax rate"), 2)),
    0n,
  )
  return Number(sum)
}

function wholeNumber(value: Amount, label: string): number {
  const exact = parseV2Amount(value, label)
  if (exact.scale !== 0) throw new Error(`${label} is not a whole number`)
  return Number(exact.units)
}

/** a − b as exact decimal text. */
function subtract(a: Amount, b: Amount): string {
  const x = parseV2Amount(a)
  const y = parseV2Amount(b)
  const scale = Math.max(x.scale, y.scale)
  const units = x.units * 10n ** BigInt(scale - x.scale) - y.units * 10n ** BigInt(scale - y.scale)
  return decimalText(units, scale)
}

function sumText(values: Amount[]): string {
  const parsed = values.map((v) => parseV2Amount(v))
  const scale = Math.max(0, ...parsed.map((p) => p.scale))
  return decimalText(
    parsed.reduce((acc, p) => acc + p.units * 10n ** BigInt(scale - p.scale), 0n),
    scale,
  )
}

function decimalText(units: bigint, scale: number): string {
  const negative = units < 0n
  const digits = (negative ? -units : units).toString().padStart(scale + 1, "0")
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`
  return negative ? `-${text}` : text
}

function fulfillments(order: V2OrderGraph, options: SnapshotOptions): FulfillmentSnapshot[] {
  const shippingOptionName = order.shipping_methods?.[0]?.name ?? undefined
  return [...(order.fulfillments ?? [])]
    .sort((a, b) => time(a.created_at) - time(b.created_at) || a.id.localeCompare(b.id))
    .map((fulfillment) => ({
      id: fulfillment.id,
      createdAt: new Date(fulfillment.created_at),
      items: (fulfillment.items ?? [])
        .filter((item) => item.line_item_id)
        .map((item) => ({
          itemId: item.line_item_id as string,
          quantity: wholeNumber(item.quantity, `fulfillment ${fulfillment.id} quantity`),
        })),
      trackings: (fulfillment.labels ?? [])
        .filter((label) => label.tracking_number)
        .map((label) => ({ trackingNumber: label.tracking_number as string, trackingUrl: label.tracking_url || undefined })),
      shippingCompany: shippingCompanyFor(fulfillment, shippingOptionName, options),
      shippingMethod: options.shippingMethod,
      canceled: Boolean(fulfillment.canceled_at),
      shipped: Boolean(fulfillment.shipped_at),
    }))
}

/**
 * The refunds of the Klarna payment (refunds of another payment never went through Klarna). v2 does not link
 * a refund to the return it pays for: a refund is paired with a return of the same refund amount (to the
 * minor unit) received before the refund was made, each return once, in creation order; then Klarna gets the
 * returned lines. (A refund made before the return arrived, e.g. goodwill of the same amount, was already sent
 * without them: pairing it afterwards would take the lines from the return's own refund.)
 */
function refunds(order: V2OrderGraph, payment: V2Payment, currency: string): RefundSnapshot[] {
  const returns = [...(order.returns ?? [])]
    .filter((ret) => ret.status === "received" || ret.status === "partially_received")
    .sort((a, b) => time(a.received_at ?? a.created_at) - time(b.received_at ?? b.created_at))
  const returnAmounts = returns.map((ret) =>
    ret.refund_amount == null ? null : v2AmountToMinorUnits(ret.refund_amount, currency, "return refund"),
  )
  const paired = new Set<number>()
  return [...(payment.refunds ?? [])]
    .sort((a, b) => time(a.created_at) - time(b.created_at) || a.id.localeCompare(b.id))
    .map((refund) => {
      const amount = v2AmountToMinorUnits(refund.raw_amount ?? refund.amount, currency, `refund ${refund.id}`)
      const snapshot: RefundSnapshot = { id: refund.id, amount, createdAt: new Date(refund.created_at), note: refund.note ?? undefined }
      const made = time(refund.created_at)
      const index = returnAmounts.findIndex(
        (value, i) => value === amount && !paired.has(i) && time(returns[i].received_at ?? returns[i].created_at) <= made,
      )
      if (index >= 0) {
        paired.add(index)
        snapshot.returnedItems = (returns[index].items ?? [])
          .map((item) => ({
            itemId: item.item_id,
            quantity: wholeNumber(item.received_quantity ?? item.quantity, `return ${returns[index].id} quantity`),
          }))
          .filter((item) => item.quantity > 0)
        snapshot.reason = "return"
      }
      return snapshot
    })
}
