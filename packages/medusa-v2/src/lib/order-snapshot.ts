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
 *
 * Returns: v2 reports an item's totals (and the order's) for the units NOT returned; once a return is
 * received they drop by the returned units' value. Klarna captured every unit, and the core numbers refunded
 * units within the whole item, so the snapshot keeps the item as ordered (wholeItemTotals).
 *
 * Return shipping: the shipping method a merchant adds to a return (the dashboard's return option) becomes one of
 * the ORDER's shipping methods (core-flows create-return-shipping-method: an order_shipping row with the return's
 * id), counted in order.total: v2 charges it by taking it off the refund due. It is no outbound shipping Klarna
 * authorized or captures, so it is neither a shipping line nor part of the total here (splitShippingMethods);
 * it is the fee a refund of that return kept back (refunds()).
 */
import type {
  FulfillmentSnapshot,
  ItemLine,
  KlarnaPluginOptions,
  RefundSnapshot,
  ShippingLine,
  SyncableOrder,
} from "@klarna-order-sync/core"
import { currencyDecimals, klarnaOrderIdAt, refundPaysForReturnedItems, shippingCompanyFor } from "@klarna-order-sync/core"
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
  "items.detail.return_received_quantity",
  "items.detail.return_dismissed_quantity",
  "items.return_received_total",
  "items.return_dismissed_total",
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
]

/**
 * The order's returns, read with `query.graph({ entity: "return", fields: RETURN_FIELDS, filters: { order_id } })`
 * into V2OrderGraph.returns. Not through the order: Medusa 2.21's order module rewrites every requested field
 * containing "items." to the line item ("returns.items.quantity" becomes "returns.items.item.quantity"), so the
 * return items' own quantities never come back that way (measured: undefined).
 */
export const RETURN_FIELDS = [
  "id",
  "status",
  "created_at",
  "received_at",
  "refund_amount",
  "items.item_id",
  "items.quantity",
  "items.received_quantity",
  // The return's shipping methods (ids of the order's shipping methods that are return shipping).
  "shipping_methods.id",
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
  is_tax_inclusive?: boolean | null
  total: Amount
  original_total?: Amount
  tax_lines?: V2TaxLine[] | null
  /** Units returned (received, or dismissed as damaged): no longer in total / original_total. */
  detail?: { return_received_quantity?: Amount; return_dismissed_quantity?: Amount } | null
  /** What those units were worth (v2: the whole item's total per unit × their quantity). */
  return_received_total?: Amount
  return_dismissed_total?: Amount
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
  /** The return's shipping (the same methods are among the order's shipping_methods, with their totals). */
  shipping_methods?: { id: string }[] | null
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
  /** Read separately (RETURN_FIELDS). */
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
  const { outbound: methods, returnShipping } = splitShippingMethods(order)
  const lines = [...items.map(wholeItemTotals), ...methods]

  // Σ line totals = round(order total): the amount Klarna authorized, to the minor unit. A credit line added after
  // checkout (version > 1: an order change) does not change what was authorized: Medusa 2.21's refund of more
  // than the order owes adds one for the excess, lowering order.total below the lines paid and captured. Nor does
  // a return: the returned units' value, gone from order.total, is added back as it is to their items, and its
  // return shipping, added to order.total, is taken off again.
  const laterCredit = (order.credit_lines ?? []).filter((line) => Number(line.version ?? 1) > 1).map((line) => subtract(line.amount, 0))
  const returnedValue = items.map(returnedUnitsTotal).filter((value) => value !== undefined)
  const returnShippingCharged = returnShipping.map((method) => subtract(0, method.total))
  const corrections = [...laterCredit, ...returnedValue, ...returnShippingCharged]
  const totals = allocateMinorUnits(
    lines.map((line) => line.total),
    corrections.length > 0 ? sumText([subtract(order.total, 0), ...corrections]) : order.total,
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

  const snapshot: SyncableOrder = {
    platform: "medusa",
    orderId: order.id,
    displayId: order.display_id !== undefined && order.display_id !== null ? String(order.display_id) : undefined,
    currency,
    currencyDecimals: currencyDecimals(currency),
    totalAmount: totals.reduce((sum, part) => sum + part, 0),
    items: itemLines,
    shippingLines,
    giftCards: [],
    fulfillments: fulfillments(order, methods, options),
    refunds: [],
    canceled: order.status === "canceled" || Boolean(order.canceled_at),
    klarnaOrderId: klarna?.klarnaOrderId,
    authorizedAmount: klarna
      ? v2AmountToMinorUnits(klarna.payment.raw_amount ?? klarna.payment.amount, currency, "payment amount")
      : undefined,
  }
  if (klarna) snapshot.refunds = refunds(order, klarna.payment, snapshot)
  return snapshot
}

/**
 * The order's shipping methods: the outbound ones (what the customer paid at checkout, Klarna's shipping lines) and
 * those of its returns (v2 adds a return's shipping method to the order's, see the header).
 */
function splitShippingMethods(order: V2OrderGraph): { outbound: V2ShippingMethod[]; returnShipping: V2ShippingMethod[] } {
  const ofReturns = new Set((order.returns ?? []).flatMap((ret) => (ret.shipping_methods ?? []).map((method) => method.id)))
  const methods = order.shipping_methods ?? []
  return {
    outbound: methods.filter((method) => !ofReturns.has(method.id)),
    returnShipping: methods.filter((method) => ofReturns.has(method.id)),
  }
}

/** Units of the item returned: received, or dismissed (received damaged). */
function returnedQuantity(item: V2OrderItem): number {
  const received = item.detail?.return_received_quantity ?? 0
  const dismissed = item.detail?.return_dismissed_quantity ?? 0
  return (
    wholeNumber(received, `item ${item.id} return_received_quantity`) + wholeNumber(dismissed, `item ${item.id} return_dismissed_quantity`)
  )
}

/** The value v2 took off the item's total for its returned units (exact decimal text), or undefined: none returned. */
function returnedUnitsTotal(item: V2OrderItem): string | undefined {
  if (returnedQuantity(item) === 0) return undefined
  if (item.return_received_total == null && item.return_dismissed_total == null) {
    throw new Error(`item ${item.id}: units were returned but the order graph has no return_received_total (ORDER_FIELDS)`)
  }
  return sumText([item.return_received_total ?? 0, item.return_dismissed_total ?? 0])
}

/**
 * The item's total and original total for all its units, as ordered. v2 reports them for the units not
 * returned; the returned units are added back: their total as v2 valued them (return_received_total +
 * return_dismissed_total: the whole item's total per unit × units), their original total at unit_price with the
 * tax v2 adds to a tax-exclusive price (Σ rate %), as v2 computes original_total.
 */
function wholeItemTotals(item: V2OrderItem): { total: Amount; original_total: Amount } {
  const returned = returnedUnitsTotal(item)
  if (returned === undefined) return { total: item.total, original_total: item.original_total ?? item.total }
  const quantity = returnedQuantity(item)
  const ratePercent = sumText((item.is_tax_inclusive ? [] : (item.tax_lines ?? [])).map((line) => line.rate))
  // unit_price × quantity × (100 + Σ rate) / 100, exactly.
  const price = parseV2Amount(item.unit_price, `item ${item.id} unit_price`)
  const grossFactor = parseV2Amount(sumText([100, ratePercent]))
  const returnedOriginal = decimalText(price.units * BigInt(quantity) * grossFactor.units, price.scale + grossFactor.scale + 2)
  return {
    total: sumText([item.total, returned]),
    original_total: sumText([item.original_total ?? item.total, returnedOriginal]),
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

function fulfillments(order: V2OrderGraph, outbound: V2ShippingMethod[], options: SnapshotOptions): FulfillmentSnapshot[] {
  const shippingOptionName = outbound[0]?.name ?? undefined
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
 * The refunds of the Klarna payment (refunds of another payment never went through Klarna), each paired with
 * the return it pays for, if any, whose lines Klarna then gets. v2 links a refund to nothing: the dashboard's
 * flow (request a return, receive it, Refund on the payment) leaves return.refund_amount null, and only
 * createAndCompleteReturnOrderWorkflow sets it. So a refund, in creation order, takes the first return (in
 * received order) that was received before it was made, is not taken yet, and that it pays for:
 * - a return with a refund_amount: the refund's amount is that, to the minor unit;
 * - a return without: the refund's amount is what the core values the returned units at, as it would send them
 *   (its unit numbering after the earlier refunds' returns, up to the rounding it absorbs without an adjustment
 *   line: core refundPaysForReturnedItems). The dashboard pre-fills |pending difference|, v2's unrounded value
 *   of the units (12.4875 SEK); the merchant sends it rounded to the currency, one minor unit off the core's.
 * - a return with return shipping (and no refund_amount) also pairs with a refund of the units' value less that
 *   shipping's total: v2's refund due (pending difference) once the return is received, since the return's
 *   shipping method counts in order.total. The refund then carries returnFeeAmount, and Klarna gets the units'
 *   lines and a "Return fee" line for the shipping (the core's return_fee line: an amount kept back from a refund of
 *   goods, not a sale, which is what return shipping is to Klarna: it never authorized or captured it). The units'
 *   full value is tried first: a merchant who waives the fee refunds it all.
 * A refund of another amount (goodwill, a fee kept) pairs with nothing and carries no item lines; so does a
 * refund made before the return arrived (pairing it afterwards would take the lines from the return's own
 * refund).
 */
function refunds(order: V2OrderGraph, payment: V2Payment, snapshot: SyncableOrder): RefundSnapshot[] {
  const currency = snapshot.currency
  // What v2 charged for a return's shipping, in minor units: the totals (tax included) of the order's shipping
  // methods that are that return's.
  const returnShippingFee = (ret: V2Return): number => {
    const ids = new Set((ret.shipping_methods ?? []).map((method) => method.id))
    const charged = (order.shipping_methods ?? []).filter((method) => ids.has(method.id)).map((method) => method.total)
    return charged.length > 0 ? v2AmountToMinorUnits(sumText(charged), currency, `return ${ret.id} shipping`) : 0
  }
  const returns = [...(order.returns ?? [])]
    .filter((ret) => ret.status === "received" || ret.status === "partially_received")
    .sort((a, b) => time(a.received_at ?? a.created_at) - time(b.received_at ?? b.created_at))
  const paired = new Set<number>()
  const result: RefundSnapshot[] = []
  const sorted = [...(payment.refunds ?? [])].sort((a, b) => time(a.created_at) - time(b.created_at) || a.id.localeCompare(b.id))
  for (const refund of sorted) {
    const amount = v2AmountToMinorUnits(refund.raw_amount ?? refund.amount, currency, `refund ${refund.id}`)
    const current: RefundSnapshot = { id: refund.id, amount, createdAt: new Date(refund.created_at), note: refund.note ?? undefined }
    result.push(current)
    const paysFor = (ret: V2Return): boolean => {
      if (ret.refund_amount != null) return v2AmountToMinorUnits(ret.refund_amount, currency, `return ${ret.id} refund`) === amount
      current.returnedItems = returnedItemsOf(ret)
      if (refundPaysForReturnedItems({ ...snapshot, refunds: result }, result.length - 1)) return true
      const fee = returnShippingFee(ret)
      if (fee > 0) {
        current.returnFeeAmount = fee
        if (refundPaysForReturnedItems({ ...snapshot, refunds: result }, result.length - 1)) return true
      }
      delete current.returnedItems
      delete current.returnFeeAmount
      return false
    }
    const made = time(refund.created_at)
    const index = returns.findIndex((ret, i) => !paired.has(i) && time(ret.received_at ?? ret.created_at) <= made && paysFor(ret))
    if (index >= 0) {
      paired.add(index)
      current.returnedItems = returnedItemsOf(returns[index])
      current.reason = "return"
    }
  }
  return result
}

/** The units a return brought back (received ones, for a return partly received). */
function returnedItemsOf(ret: V2Return): { itemId: string; quantity: number }[] {
  return (ret.items ?? [])
    .map((item) => ({
      itemId: item.item_id,
      quantity: wholeNumber(item.received_quantity ?? item.quantity, `return ${ret.id} quantity`),
    }))
    .filter((item) => item.quantity > 0)
}
