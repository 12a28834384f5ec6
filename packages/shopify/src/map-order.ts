/**
 * A stored Shopify order (order-state.ts) as the engine's snapshot. Pure. All amounts are integer minor
 * units of the currency the customer paid in (Shopify's presentment currency, which is what Klarna
 * authorized), tax included, exactly as order-model.ts defines them:
 *
 * - items: `price` × `quantity` before discounts; discounts are the line's `discount_allocations`
 *   (line-level and order-level discounts already spread by Shopify). Tax-inclusive shops: that is all.
 *   Tax-exclusive shops: the line's `tax_lines` are added to the total, and the discount is made gross
 *   with the line's rate, so that total = originalTotal - discountTotal holds.
 * - shipping lines the same way (removed ones left out).
 * - gift cards: Shopify takes them as a payment (`gift_card` gateway transactions), not a discount; they
 *   are known only from `order_transactions/create` webhooks and become the snapshot's gift cards.
 * - totalAmount: `total_price` minus gift-card payments. A difference to items + shipping (tips, duties,
 *   an order discount Shopify did not allocate to lines) is carried by the engine as an explicit
 *   adjustment line of the first capture.
 * - fulfillments: those Shopify has marked shipped (status `success`) at some point, in the order this
 *   adapter first saw them shipped; a later `cancelled` / `error` / `failure` marks one canceled.
 *   `pending` / `open` ones (still at a fulfillment service) are left out until they ship.
 * - refunds: the amount is what went back through a Klarna gateway (successful `refund` transactions),
 *   minus the value of refunded units that never shipped (`restock_type: cancel`, or more units than
 *   shipped): they were never captured, so they become canceled quantities and are released, not
 *   refunded. Returned items are the refunded units that shipped; the shipping part comes from `refund_shipping_lines`, or, when a
 *   refund has none, from `order_adjustments` of kind `shipping_refund` (the legacy form).
 */
import type { FulfillmentSnapshot, GiftCardLine, ItemLine, RefundSnapshot, ShippingLine, TrackingSnapshot } from "@klarna-order-sync/core"
import type { SyncableOrder } from "@klarna-order-sync/core"
import { isKlarnaGateway } from "./klarna-order-id"
import { basisPoints, currencyDecimals, moneyOf, mulDivRound, ShopifyMoneyError, type MoneySet } from "./money"
import type { ShopifyAdapterOptions } from "./options"
import type { DiscountAllocationPayload, FulfillmentPayload, RefundPayload, TaxLinePayload, TransactionPayload } from "./payloads"
import type { ShopifyOrderState } from "./order-state"

type MapOptions = Pick<ShopifyAdapterOptions, "klarnaGateways" | "carrierMapping" | "shippingMethod">

const CANCELED_FULFILLMENT = new Set(["cancelled", "canceled", "error", "failure"])

const byCreation = <T extends { id: string | number; created_at?: string | null }>(a: T, b: T): number =>
  (Date.parse(a.created_at ?? "") || 0) - (Date.parse(b.created_at ?? "") || 0) || String(a.id).localeCompare(String(b.id))

export function toSnapshot(state: ShopifyOrderState, klarnaOrderId: string | null, options: MapOptions): SyncableOrder | null {
  const order = state.order
  if (!order) return null
  const shopCurrency = (order.currency ?? order.presentment_currency ?? "").toUpperCase()
  const currency = (order.presentment_currency ?? order.currency ?? "").toUpperCase()
  if (!/^[A-Z]{3}$/.test(currency)) throw new ShopifyMoneyError(`order ${String(order.id)}: no currency`)
  const decimals = currencyDecimals(currency)
  const multiCurrency = shopCurrency !== currency
  const money = (set: MoneySet | null | undefined, legacy: string | number | null | undefined, label: string): number => {
    if (multiCurrency && !set?.presentment_money?.amount) {
      // The legacy field is in the shop's currency, the Klarna order in the customer's: never mix them.
      throw new ShopifyMoneyError(
        `order ${String(order.id)}: ${label} has no presentment amount (shop ${shopCurrency}, customer ${currency})`,
      )
    }
    return moneyOf(set, legacy, decimals, label)
  }
  const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0)
  const discountOf = (allocations: DiscountAllocationPayload[] | null | undefined, label: string) =>
    sum((allocations ?? []).map((a, i) => money(a.amount_set, a.amount, `${label}.discount_allocations[${i}]`)))
  const taxOf = (lines: TaxLinePayload[] | null | undefined, label: string) => ({
    amount: sum((lines ?? []).map((t, i) => money(t.price_set, t.price, `${label}.tax_lines[${i}]`))),
    rate: sum((lines ?? []).map((t) => basisPoints(t.rate))),
  })
  const taxesIncluded = order.taxes_included === true

  /** Gross amounts of `gross` before discounts with `discount` off and `tax` (exclusive shops) on top. */
  const grossLine = (gross: number, rawDiscount: number, tax: { amount: number; rate: number }) => {
    const discount = Math.min(Math.max(rawDiscount, 0), gross)
    if (taxesIncluded) return { originalTotal: gross, discountTotal: discount, total: gross - discount }
    const total = gross - discount + tax.amount
    const discountTotal = discount + mulDivRound(discount, tax.rate, 10_000)
    return { originalTotal: total + discountTotal, discountTotal, total }
  }

  const items: ItemLine[] = (order.line_items ?? []).map((item, index) => {
    const label = `line_items[${index}]`
    const quantity = Math.max(0, Math.trunc(Number(item.quantity) || 0))
    const tax = taxOf(item.tax_lines, label)
    const unit = money(item.price_set, item.price, `${label}.price`)
    const allocations = item.discount_allocations ?? []
    const discount =
      allocations.length > 0
        ? discountOf(allocations, label)
        : money(item.total_discount_set, item.total_discount, `${label}.total_discount`)
    const amounts = quantity === 0 ? { originalTotal: 0, discountTotal: 0, total: 0 } : grossLine(unit * quantity, discount, tax)
    return {
      id: String(item.id),
      name: item.name || item.title || "Item",
      reference: item.sku || (item.variant_id !== null && item.variant_id !== undefined ? String(item.variant_id) : undefined),
      type: item.gift_card || item.requires_shipping === false ? "digital" : "physical",
      quantity,
      ...amounts,
      taxRate: tax.rate,
    }
  })

  const shippingLines: ShippingLine[] = (order.shipping_lines ?? [])
    .filter((line) => !line.is_removed)
    .map((line, index) => {
      const label = `shipping_lines[${index}]`
      const tax = taxOf(line.tax_lines, label)
      return {
        id: String(line.id),
        name: line.title || line.code || "Shipping",
        ...grossLine(money(line.price_set, line.price, `${label}.price`), discountOf(line.discount_allocations, label), tax),
        taxRate: tax.rate,
      }
    })

  const transactions = Object.values(state.transactions)
  const giftCards: GiftCardLine[] = transactions
    .filter((t) => t.gateway === "gift_card" && (t.kind === "sale" || t.kind === "capture") && t.status === "success")
    .sort(byCreation)
    .map((t) => ({
      id: `gift_card:${String(t.id)}`,
      code: "Gift card",
      amount: money(null, t.amount, `transaction ${String(t.id)}.amount`),
    }))
    .filter((card) => card.amount > 0)
  const totalAmount = money(order.total_price_set, order.total_price, "total_price") - sum(giftCards.map((card) => card.amount))

  // Only fulfillments that shipped at some point: pending / open ones are still at a fulfillment service,
  // are not captured (captures wait for `success`) and must not count as "will ship" either (that would
  // let the remaining authorization be released too early). In the order they first shipped.
  const fulfillments = Object.values(state.fulfillments)
    .filter((f) => f.klarna_sync_shipped_at)
    .sort((a, b) => (a.klarna_sync_shipped_at ?? "").localeCompare(b.klarna_sync_shipped_at ?? "") || byCreation(a, b))
    .map((f) => toFulfillment(f, options))
  // Units that shipped and were not returned yet: only those can come back as returns.
  const returnable: Record<string, number> = {}
  for (const fulfillment of fulfillments) {
    if (!fulfillment.shipped || fulfillment.canceled) continue
    for (const item of fulfillment.items) returnable[item.itemId] = (returnable[item.itemId] ?? 0) + item.quantity
  }
  const canceledQuantities: Record<string, number> = {}
  const refunds = Object.values(state.refunds)
    .sort(byCreation)
    .map((refund) => toRefund(refund, { money, taxesIncluded, options, canceledQuantities, returnable }))

  return {
    platform: "shopify",
    orderId: String(order.id),
    displayId: order.name ?? (order.order_number !== null && order.order_number !== undefined ? String(order.order_number) : undefined),
    currency,
    currencyDecimals: decimals,
    totalAmount,
    items,
    shippingLines,
    giftCards,
    fulfillments,
    refunds,
    canceledQuantities,
    canceled: Boolean(order.cancelled_at),
    klarnaOrderId: klarnaOrderId ?? undefined,
  }
}

function toFulfillment(fulfillment: FulfillmentPayload, options: MapOptions): FulfillmentSnapshot {
  const status = (fulfillment.status ?? "").toLowerCase()
  const company = fulfillment.tracking_company?.trim() || undefined
  return {
    id: String(fulfillment.id),
    createdAt: new Date(fulfillment.created_at ?? 0),
    items: (fulfillment.line_items ?? []).map((item) => ({ itemId: String(item.id), quantity: item.quantity })),
    trackings: trackingsOf(fulfillment),
    shippingCompany: company ? (options.carrierMapping[company] ?? company) : undefined,
    shippingMethod: options.shippingMethod,
    canceled: CANCELED_FULFILLMENT.has(status),
    shipped: status === "success",
  }
}

/** `tracking_numbers[i]` with `tracking_urls[i]`; the singular fields when the lists are absent. */
export function trackingsOf(
  fulfillment: Pick<FulfillmentPayload, "tracking_number" | "tracking_numbers" | "tracking_url" | "tracking_urls">,
): TrackingSnapshot[] {
  const numbers =
    fulfillment.tracking_numbers && fulfillment.tracking_numbers.length > 0 ? fulfillment.tracking_numbers : [fulfillment.tracking_number]
  const urls = fulfillment.tracking_urls && fulfillment.tracking_urls.length > 0 ? fulfillment.tracking_urls : [fulfillment.tracking_url]
  const seen = new Set<string>()
  const trackings: TrackingSnapshot[] = []
  numbers.forEach((number, index) => {
    const trackingNumber = number?.trim()
    if (!trackingNumber || seen.has(trackingNumber)) return
    seen.add(trackingNumber)
    const url = urls[index]?.trim()
    trackings.push(url ? { trackingNumber, trackingUrl: url } : { trackingNumber })
  })
  return trackings
}

interface RefundContext {
  money: (set: MoneySet | null | undefined, legacy: string | number | null | undefined, label: string) => number
  taxesIncluded: boolean
  options: MapOptions
  /** Filled in: refunded units that never shipped. */
  canceledQuantities: Record<string, number>
  /** Shipped units not returned yet, per item; consumed refund by refund. */
  returnable: Record<string, number>
}

function toRefund(refund: RefundPayload, context: RefundContext): RefundSnapshot {
  const { money, taxesIncluded, options } = context
  const label = `refund ${String(refund.id)}`
  const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0)
  const throughKlarna = (refund.transactions ?? []).filter(
    (t: TransactionPayload) => t.kind === "refund" && t.status === "success" && isKlarnaGateway(t.gateway, options),
  )
  const paid = sum(throughKlarna.map((t) => money(null, t.amount, `${label} transaction ${String(t.id)}`)))

  const lines = refund.refund_line_items ?? []
  const lineValue = (line: (typeof lines)[number], i: number) =>
    money(line.subtotal_set, line.subtotal, `${label}.refund_line_items[${i}].subtotal`) +
    (taxesIncluded ? 0 : money(line.total_tax_set, line.total_tax, `${label}.refund_line_items[${i}].total_tax`))
  let canceledValue = 0
  const returnedItems: { itemId: string; quantity: number }[] = []
  lines.forEach((line, i) => {
    const itemId = String(line.line_item_id)
    const quantity = Math.max(0, Math.trunc(Number(line.quantity) || 0))
    if (quantity === 0) return
    // restock_type `cancel` says the units never shipped; `no_restock` is used for both, so units
    // beyond what shipped (and was not returned before) are cancellations too.
    const returned = line.restock_type === "cancel" ? 0 : Math.min(quantity, context.returnable[itemId] ?? 0)
    const canceled = quantity - returned
    if (returned > 0) {
      returnedItems.push({ itemId, quantity: returned })
      context.returnable[itemId] -= returned
    }
    if (canceled > 0) {
      context.canceledQuantities[itemId] = (context.canceledQuantities[itemId] ?? 0) + canceled
      canceledValue += mulDivRound(Math.max(lineValue(line, i), 0), canceled, quantity)
    }
  })
  const amount = Math.max(paid - canceledValue, 0)

  const shippingLines = refund.refund_shipping_lines ?? []
  const shipping =
    shippingLines.length > 0
      ? sum(
          shippingLines.map(
            (line, i) =>
              money(line.subtotal_amount_set, null, `${label}.refund_shipping_lines[${i}].subtotal`) +
              (taxesIncluded ? 0 : money(line.tax_amount_set, null, `${label}.refund_shipping_lines[${i}].tax`)),
          ),
        )
      : sum(
          (refund.order_adjustments ?? [])
            .filter((adjustment) => adjustment.kind === "shipping_refund")
            // Adjustments are recorded as negative amounts: the refunded shipping is their negation.
            .map(
              (adjustment, i) =>
                -money(adjustment.amount_set, adjustment.amount, `${label}.order_adjustments[${i}].amount`) -
                (taxesIncluded
                  ? 0
                  : money(adjustment.tax_amount_set, adjustment.tax_amount, `${label}.order_adjustments[${i}].tax_amount`)),
            ),
        )
  const snapshot: RefundSnapshot = {
    id: String(refund.id),
    amount,
    createdAt: new Date(refund.created_at ?? refund.processed_at ?? 0),
    returnedItems,
  }
  const shippingAmount = Math.min(Math.max(shipping, 0), amount)
  if (shippingAmount > 0) snapshot.shippingAmount = shippingAmount
  return snapshot
}
