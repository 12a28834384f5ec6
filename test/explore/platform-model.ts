/**
 * The in-memory platform of the exploration: one order per sequence, as a merchant changes it, behind
 * the engine's OrderSource. It is also the model the invariants are checked against: what the platform
 * says must be what Klarna ends up holding.
 *
 * Amounts are chosen so every unit costs the same to the minor unit (originalTotal and discountTotal are
 * multiples of the quantity), which makes the expected Klarna line of any number of units exact.
 */
import type { FulfillmentSnapshot, RefundSnapshot, TrackingSnapshot } from "../../packages/core/src/sync/order-model"
import type { SyncableOrder } from "../../packages/core/src/sync/ports"

export interface ModelItem {
  id: string
  name: string
  sku: string
  quantity: number
  /** Gross unit price, tax included. */
  unitPrice: number
  /** Discount per unit, tax included. */
  unitDiscount: number
  taxRate: number
  /** Medusa v2 only: the price is kept tax included (else net, with the tax in tax_lines: v2-order-graph.ts). */
  taxInclusive?: boolean
}

export interface ModelShipping {
  id: string
  amount: number
  taxRate: number
  /** Medusa v2 only, as ModelItem.taxInclusive. */
  taxInclusive?: boolean
  /**
   * Medusa v2 only: the net price (minor units) of a tax-exclusive shipping method whose gross v2 keeps with a
   * sub-minor part; `amount` is then that gross rounded half away from zero (explore.ts v2ExclusiveShipping).
   */
  v2NetPrice?: number
}

export interface ModelFulfillment {
  id: string
  items: { itemId: string; quantity: number }[]
  canceled: boolean
  shipped: boolean
  trackings: TrackingSnapshot[]
  shippingCompany?: string
  /** Set when the fulfillment was canceled while Klarna had no capture of it: Klarna must never get one. */
  canceledBeforeCapture?: boolean
  createdAt: Date
}

export interface ModelOrder {
  orderId: string
  klarnaOrderId: string
  currency: string
  decimals: number
  items: ModelItem[]
  shipping?: ModelShipping
  giftCard?: { id: string; code: string; amount: number }
  fulfillments: ModelFulfillment[]
  refunds: RefundSnapshot[]
  canceled: boolean
  /** References of the captures Klarna held when the order was canceled: no other may follow. */
  capturesAtCancel?: string[]
  /** The merchant pressed Capture payment. */
  captureRemainingPressed: boolean
}

export const itemNet = (item: ModelItem): number => item.unitPrice - item.unitDiscount

export function orderTotal(order: Pick<ModelOrder, "items" | "shipping" | "giftCard">): number {
  const items = order.items.reduce((sum, item) => sum + item.quantity * itemNet(item), 0)
  return items + (order.shipping?.amount ?? 0) - (order.giftCard?.amount ?? 0)
}

/** Units of each item in fulfillments that are not canceled. */
export function activeUnits(order: ModelOrder): Map<string, number> {
  const units = new Map<string, number>()
  for (const fulfillment of order.fulfillments) {
    if (fulfillment.canceled) continue
    for (const line of fulfillment.items) units.set(line.itemId, (units.get(line.itemId) ?? 0) + line.quantity)
  }
  return units
}

export function unfulfilledUnits(order: ModelOrder, item: ModelItem): number {
  return item.quantity - (activeUnits(order).get(item.id) ?? 0)
}

export function everythingFulfilled(order: ModelOrder): boolean {
  return order.items.every((item) => unfulfilledUnits(order, item) === 0)
}

/** The order as the platform adapter would hand it to the engine (a fresh copy on every read). */
export function snapshotOf(order: ModelOrder): SyncableOrder {
  const fulfillments: FulfillmentSnapshot[] = order.fulfillments.map((f) => ({
    id: f.id,
    createdAt: f.createdAt,
    items: f.items.map((line) => ({ ...line })),
    trackings: f.trackings.map((t) => ({ ...t })),
    ...(f.shippingCompany !== undefined ? { shippingCompany: f.shippingCompany } : {}),
    ...(f.canceled ? { canceled: true } : {}),
    ...(f.shipped ? { shipped: true } : {}),
  }))
  return {
    platform: "medusa",
    orderId: order.orderId,
    displayId: order.orderId,
    currency: order.currency,
    currencyDecimals: order.decimals,
    totalAmount: orderTotal(order),
    items: order.items.map((item) => ({
      id: item.id,
      name: item.name,
      reference: item.sku,
      type: "physical",
      quantity: item.quantity,
      originalTotal: item.quantity * item.unitPrice,
      discountTotal: item.quantity * item.unitDiscount,
      total: item.quantity * itemNet(item),
      taxRate: item.taxRate,
    })),
    shippingLines: order.shipping
      ? [
          {
            id: order.shipping.id,
            name: "Standard shipping",
            originalTotal: order.shipping.amount,
            discountTotal: 0,
            total: order.shipping.amount,
            taxRate: order.shipping.taxRate,
          },
        ]
      : [],
    giftCards: order.giftCard ? [{ ...order.giftCard }] : [],
    fulfillments,
    refunds: order.refunds.map((r) => ({ ...r, ...(r.returnedItems ? { returnedItems: r.returnedItems.map((l) => ({ ...l })) } : {}) })),
    ...(order.canceled ? { canceled: true } : {}),
    klarnaOrderId: order.klarnaOrderId,
    authorizedAmount: orderTotal(order),
  }
}
