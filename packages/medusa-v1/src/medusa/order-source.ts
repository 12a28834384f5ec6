/**
 * OrderSource for Medusa v1: reads an order with Medusa's own totals (OrderService.retrieveWithTotals)
 * and turns it into the engine's snapshot. All amounts are Medusa's integers, tax included.
 */
import type { FulfillmentSnapshot, ItemLine, RefundSnapshot, ShippingLine } from "@klarna-order-sync/core"
import type { OrderSource, SyncableOrder } from "@klarna-order-sync/core"
import { currencyDecimals, shippingCompanyFor } from "@klarna-order-sync/core"

export { shippingCompanyFor }
import { klarnaPaymentOf } from "./klarna-payment-of"
import type { KlarnaPluginOptions } from "./plugin-options"

/* Only the parts of Medusa's entities this module reads. */
interface TaxLineLike {
  rate: number
}
interface LineItemLike {
  id: string
  title: string
  description?: string | null
  quantity: number
  is_giftcard?: boolean
  total?: number | null
  original_total?: number | null
  tax_lines?: TaxLineLike[]
  variant?: { sku?: string | null; id?: string; product?: { handle?: string | null } } | null
  variant_id?: string | null
  thumbnail?: string | null
}
interface ShippingMethodLike {
  id: string
  total?: number | null
  original_total?: number | null
  price: number
  tax_lines?: TaxLineLike[]
  shipping_option?: { name?: string; provider_id?: string } | null
}
interface FulfillmentLike {
  id: string
  provider_id?: string
  created_at: Date | string
  canceled_at?: Date | string | null
  shipped_at?: Date | string | null
  items?: { item_id: string; quantity: number }[]
  tracking_links?: { tracking_number: string; url?: string | null }[]
  metadata?: Record<string, unknown> | null
}
interface RefundLike {
  id: string
  amount: number
  created_at: Date | string
  reason?: string
  note?: string | null
}
interface ReturnLike {
  id: string
  status: string
  created_at: Date | string
  received_at?: Date | string | null
  refund_amount?: number | null
  items?: { item_id: string; quantity: number; received_quantity?: number | null }[]
  shipping_method?: { price?: number } | null
}
export interface MedusaOrderLike {
  id: string
  display_id?: number
  status: string
  currency_code: string
  total?: number
  items: LineItemLike[]
  shipping_methods: ShippingMethodLike[]
  fulfillments?: FulfillmentLike[]
  refunds?: RefundLike[]
  returns?: ReturnLike[]
  payments?: { provider_id: string; amount: number; data?: Record<string, unknown> | null }[]
  gift_card_transactions?: { id?: string; gift_card_id: string; amount: number; gift_card?: { code?: string } | null }[]
  gift_cards?: { id: string; code: string }[]
}

export interface MedusaOrderReader {
  retrieveWithTotals(orderId: string, config: { relations: string[] }): Promise<MedusaOrderLike>
}

const RELATIONS = [
  "items",
  "items.tax_lines",
  "items.adjustments",
  "items.variant",
  "items.variant.product",
  "shipping_methods",
  "shipping_methods.tax_lines",
  "shipping_methods.shipping_option",
  "fulfillments",
  "fulfillments.items",
  "fulfillments.tracking_links",
  "refunds",
  "returns",
  "returns.items",
  "payments",
  "gift_cards",
  "gift_card_transactions",
  "gift_card_transactions.gift_card",
  "region",
  "discounts",
  "discounts.rule",
]

const time = (value: Date | string) => new Date(value).getTime()
/** Medusa stores tax rates as percentages (25, 12.5); Klarna wants basis points (2500, 1250). */
const basisPoints = (lines: TaxLineLike[] | undefined) => Math.round((lines ?? []).reduce((sum, line) => sum + Number(line.rate), 0) * 100)

export class MedusaOrderSource implements OrderSource {
  constructor(
    private readonly orders: MedusaOrderReader,
    private readonly options: KlarnaPluginOptions,
  ) {}

  async loadOrder(orderId: string): Promise<SyncableOrder | null> {
    let order: MedusaOrderLike
    try {
      order = await this.orders.retrieveWithTotals(orderId, { relations: RELATIONS })
    } catch (error) {
      if ((error as { type?: string }).type === "not_found") return null
      throw error
    }
    return toSnapshot(order, this.options)
  }
}

export function toSnapshot(order: MedusaOrderLike, options: KlarnaPluginOptions): SyncableOrder {
  const klarna = klarnaPaymentOf(order.payments, options)
  const items = order.items.map((item) => medusaItemLine(item))
  const shippingLines = order.shipping_methods.map((method) => medusaShippingLine(method))
  const total = order.total ?? 0
  return {
    platform: "medusa",
    orderId: order.id,
    displayId: order.display_id !== undefined ? String(order.display_id) : undefined,
    currency: order.currency_code.toUpperCase(),
    currencyDecimals: currencyDecimals(order.currency_code),
    totalAmount: total,
    items,
    shippingLines,
    giftCards: giftCards(order, items, shippingLines, total),
    fulfillments: fulfillments(order, options),
    refunds: refunds(order),
    canceled: order.status === "canceled",
    klarnaOrderId: klarna?.klarnaOrderId,
    authorizedAmount: klarna?.payment.amount,
  }
}

/** A Medusa line item (of an order or a cart, with totals) as the core's item. */
export function medusaItemLine(item: LineItemLike): ItemLine {
  const total = item.total ?? 0
  const originalTotal = Math.max(item.original_total ?? total, total)
  return {
    id: item.id,
    name: item.title || item.description || "Item",
    reference: item.variant?.sku || item.variant_id || undefined,
    type: item.is_giftcard ? "digital" : "physical",
    // OrderService.decorateTotals sets quantity -= returned_quantity, then Object.assign()s the totals
    // computed beforehand (NewTotalsService.getLineItemTotals_), which carry `quantity` too: the ordered
    // quantity again. So after retrieveWithTotals `quantity` is every unit ordered, returned or not, and
    // `total` / `original_total` are the value of exactly those units. Returned units stay in the order
    // (they were captured); the refunds say which ones came back.
    quantity: item.quantity,
    originalTotal,
    discountTotal: originalTotal - total,
    total,
    taxRate: basisPoints(item.tax_lines),
    imageUrl: item.thumbnail && item.thumbnail.length <= 1024 ? item.thumbnail : undefined,
  }
}

/** A Medusa shipping method (of an order or a cart, with totals) as the core's shipping line. */
export function medusaShippingLine(method: ShippingMethodLike): ShippingLine {
  const total = method.total ?? method.price
  const originalTotal = Math.max(method.original_total ?? total, total)
  return {
    id: method.id,
    name: method.shipping_option?.name || "Shipping",
    originalTotal,
    discountTotal: originalTotal - total,
    total,
    taxRate: basisPoints(method.tax_lines),
  }
}

/**
 * What gift cards paid, tax included: the gap between the goods and the order total. Computed this way
 * (rather than from gift_card_total and gift_card_tax_total) so the snapshot adds up by construction;
 * split over the gift cards in proportion to their transactions.
 */
function giftCards(order: MedusaOrderLike, items: ItemLine[], shipping: ShippingLine[], total: number) {
  const gross = items.reduce((sum, item) => sum + item.total, 0) + shipping.reduce((sum, line) => sum + line.total, 0)
  const paidByGiftCards = gross - total
  if (paidByGiftCards <= 0) return []
  const transactions = order.gift_card_transactions ?? []
  if (transactions.length === 0) return [{ id: "gift_cards", code: "Gift card", amount: paidByGiftCards }]
  const weights = transactions.reduce((sum, tx) => sum + Math.max(tx.amount, 0), 0) || transactions.length
  let assigned = 0
  return transactions.map((tx, index) => {
    const amount =
      index === transactions.length - 1
        ? paidByGiftCards - assigned
        : Math.floor((paidByGiftCards * (weights === transactions.length ? 1 : Math.max(tx.amount, 0))) / weights)
    assigned += amount
    const code = tx.gift_card?.code ?? order.gift_cards?.find((card) => card.id === tx.gift_card_id)?.code ?? "Gift card"
    return { id: tx.gift_card_id, code, amount }
  })
}

function fulfillments(order: MedusaOrderLike, options: KlarnaPluginOptions): FulfillmentSnapshot[] {
  const shippingOptionName = order.shipping_methods[0]?.shipping_option?.name
  return [...(order.fulfillments ?? [])]
    .sort((a, b) => time(a.created_at) - time(b.created_at) || a.id.localeCompare(b.id))
    .map((fulfillment) => ({
      id: fulfillment.id,
      createdAt: new Date(fulfillment.created_at),
      items: (fulfillment.items ?? []).map((item) => ({ itemId: item.item_id, quantity: item.quantity })),
      trackings: (fulfillment.tracking_links ?? []).map((link) => ({
        trackingNumber: link.tracking_number,
        trackingUrl: link.url ?? undefined,
      })),
      shippingCompany: shippingCompanyFor(fulfillment, shippingOptionName, options),
      shippingMethod: options.shippingMethod,
      canceled: Boolean(fulfillment.canceled_at),
      shipped: Boolean(fulfillment.shipped_at),
    }))
}

/**
 * Medusa v1 does not link a refund to the return it pays for. Refunds with reason "return" are paired
 * with received returns in creation order, which is how Medusa creates them (receiveReturn -> refund).
 */
function refunds(order: MedusaOrderLike): RefundSnapshot[] {
  const returns = [...(order.returns ?? [])]
    .filter((ret) => ret.status === "received" && (ret.refund_amount ?? 0) > 0)
    .sort((a, b) => time(a.received_at ?? a.created_at) - time(b.received_at ?? b.created_at))
  const sorted = [...(order.refunds ?? [])].sort((a, b) => time(a.created_at) - time(b.created_at) || a.id.localeCompare(b.id))
  let nextReturn = 0
  return sorted.map((refund) => {
    const snapshot: RefundSnapshot = {
      id: refund.id,
      amount: refund.amount,
      createdAt: new Date(refund.created_at),
      reason: refund.reason,
      note: refund.note ?? undefined,
    }
    if (refund.reason === "return" && nextReturn < returns.length) {
      const ret = returns[nextReturn++]
      snapshot.returnedItems = (ret.items ?? [])
        .map((item) => ({ itemId: item.item_id, quantity: item.received_quantity ?? item.quantity }))
        .filter((item) => item.quantity > 0)
    }
    return snapshot
  })
}
