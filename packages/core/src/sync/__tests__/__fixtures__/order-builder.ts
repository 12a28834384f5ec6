/** Small builders for hand-written OrderSnapshots in the named example tests. */
import type { FulfillmentSnapshot, GiftCardLine, ItemLine, OrderSnapshot, RefundSnapshot, ShippingLine } from "../../order-model"

const AT = new Date("2024-05-01T10:00:00Z")

export function item(
  id: string,
  quantity: number,
  originalTotal: number,
  opts: { discount?: number; taxRate?: number; name?: string; type?: ItemLine["type"] } = {},
): ItemLine {
  const discountTotal = opts.discount ?? 0
  return {
    id,
    name: opts.name ?? `Item ${id}`,
    reference: `sku-${id}`,
    type: opts.type ?? "physical",
    quantity,
    originalTotal,
    discountTotal,
    total: originalTotal - discountTotal,
    taxRate: opts.taxRate ?? 0,
  }
}

export function shipping(
  id: string,
  originalTotal: number,
  opts: { discount?: number; taxRate?: number; name?: string } = {},
): ShippingLine {
  const discountTotal = opts.discount ?? 0
  return {
    id,
    name: opts.name ?? "Standard shipping",
    originalTotal,
    discountTotal,
    total: originalTotal - discountTotal,
    taxRate: opts.taxRate ?? 0,
  }
}

export function giftCard(id: string, amount: number, code = "GIFT-0000-ABCD"): GiftCardLine {
  return { id, code, amount }
}

export function fulfillment(id: string, items: Record<string, number>, opts: { canceled?: boolean } = {}): FulfillmentSnapshot {
  return {
    id,
    createdAt: AT,
    items: Object.entries(items).map(([itemId, quantity]) => ({ itemId, quantity })),
    trackings: [],
    ...(opts.canceled ? { canceled: true } : {}),
  }
}

export function refund(id: string, amount: number, opts: { items?: Record<string, number>; shippingAmount?: number } = {}): RefundSnapshot {
  return {
    id,
    amount,
    createdAt: AT,
    ...(opts.items ? { returnedItems: Object.entries(opts.items).map(([itemId, quantity]) => ({ itemId, quantity })) } : {}),
    ...(opts.shippingAmount !== undefined ? { shippingAmount: opts.shippingAmount } : {}),
  }
}

/**
 * An order whose totalAmount is items + shipping - gift cards + `platformAdjustment` (0 unless a
 * test simulates platform rounding).
 */
export function order(parts: {
  items: ItemLine[]
  shippingLines?: ShippingLine[]
  giftCards?: GiftCardLine[]
  fulfillments?: FulfillmentSnapshot[]
  refunds?: RefundSnapshot[]
  canceledQuantities?: Record<string, number>
  currency?: string
  currencyDecimals?: number
  platformAdjustment?: number
  totalAmount?: number
}): OrderSnapshot {
  const shippingLines = parts.shippingLines ?? []
  const giftCards = parts.giftCards ?? []
  const computed =
    parts.items.reduce((s, i) => s + i.total, 0) +
    shippingLines.reduce((s, l) => s + l.total, 0) -
    giftCards.reduce((s, g) => s + g.amount, 0) +
    (parts.platformAdjustment ?? 0)
  return {
    platform: "medusa",
    orderId: "order_01",
    displayId: "1001",
    currency: parts.currency ?? "EUR",
    currencyDecimals: parts.currencyDecimals ?? 2,
    totalAmount: parts.totalAmount ?? computed,
    items: parts.items,
    shippingLines,
    giftCards,
    fulfillments: parts.fulfillments ?? [],
    refunds: parts.refunds ?? [],
    ...(parts.canceledQuantities ? { canceledQuantities: parts.canceledQuantities } : {}),
  }
}

/** Compact view of lines for table assertions: [name, quantity, unit_price, discount, total, tax_rate, tax]. */
export function compact(
  lines: readonly {
    name: string
    quantity: number
    unit_price: number
    total_discount_amount?: number
    total_amount: number
    tax_rate?: number
    total_tax_amount?: number
  }[],
): (string | number | undefined)[][] {
  return lines.map((l) => [l.name, l.quantity, l.unit_price, l.total_discount_amount ?? 0, l.total_amount, l.tax_rate, l.total_tax_amount])
}
