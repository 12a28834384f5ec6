import { sumMinorUnits } from "../money"
import type { OrderSnapshot, ShippingLine } from "../order-model"
import { ORDER_TOTAL_ADJUSTMENT_NAME, ROUNDING_ADJUSTMENT_NAME } from "./adjustment-lines"
import { OrderSnapshotError } from "./errors"
import { type CreditSource, type CreditUse, consumeCredits } from "./gift-card-lines"
import { assertValidOrderSnapshot } from "./snapshot-validation"
import { type ItemShare, allocateUnits } from "./unit-allocation"

export type PartKey = { kind: "fulfillment"; fulfillmentId: string } | { kind: "unfulfilled" }

/** One capture's worth of the order: an active fulfillment, or everything not fulfilled yet. */
export interface OrderPart {
  key: PartKey
  items: ItemShare[]
  /** All shipping lines, on the first part only. */
  shipping: ShippingLine[]
  /** Positive platform rounding difference carried by this part (first part only), else 0. */
  surcharge: number
  /** Name of the adjustment lines (see ADJUSTMENT_TOLERANCE below). */
  adjustmentName: string
  /** items + shipping + surcharge. */
  gross: number
  credits: CreditUse[]
  /** gross - credits: what Klarna collects for this part, always >= 0. */
  amount: number
}

export interface OrderAllocation {
  /** One part per active fulfillment (in `order.fulfillments` order), then the unfulfilled part. */
  parts: OrderPart[]
  /** Units that will never ship: not captured. */
  canceledItems: ItemShare[]
  /** order.totalAmount - (sum item totals + sum shipping totals - sum gift cards). */
  platformAdjustment: number
  creditSources: CreditSource[]
  /** Credit larger than everything that can still be captured (only with canceled units). */
  unallocatedCredit: number
  /** sum(parts.amount): what all captures add up to; order.totalAmount when nothing is canceled. */
  targetAmount: number
}

/**
 * Splits the whole order into captures, as a pure function of the order state:
 *
 * - Items: by unit numbering (unit-allocation.ts).
 * - Shipping: all shipping lines go with the FIRST part, i.e. the first non-canceled fulfillment in
 *   `order.fulfillments` order (or, with none, with what is not yet fulfilled).
 * - Platform rounding: d = totalAmount - (items + shipping - gift cards). d > 0 is carried by the
 *   first part as a separate "Rounding adjustment" surcharge line; d < 0 becomes a credit
 *   "Rounding adjustment" (a `discount` line) used after the gift cards. (Named "Order total
 *   adjustment" when |d| exceeds one unit per line + 1.)
 * - Credits (gift cards in `order.giftCards` order, then a negative rounding difference) are used
 *   greedily part by part, each part taking at most its gross (gift-card-lines.ts: consumeCredits).
 *
 * Sum of all parts = items + shipping + max(d, 0) - min(credits, that) = totalAmount (when no unit is
 * canceled and totalAmount >= 0, which is checked). Canceled units form no part.
 */
export function allocateOrder(order: OrderSnapshot): OrderAllocation {
  assertValidOrderSnapshot(order)
  const units = allocateUnits(order)
  const keys: PartKey[] = [
    ...units.activeFulfillments.map((f): PartKey => ({ kind: "fulfillment", fulfillmentId: f.id })),
    { kind: "unfulfilled" },
  ]
  const itemsTotal = sumMinorUnits(
    order.items.map((i) => i.total),
    "items total",
  )
  const shippingTotal = sumMinorUnits(
    order.shippingLines.map((s) => s.total),
    "shipping total",
  )
  const giftCardTotal = sumMinorUnits(
    order.giftCards.map((g) => g.amount),
    "gift card total",
  )
  const platformAdjustment = order.totalAmount - (itemsTotal + shippingTotal - giftCardTotal)

  // A platform rounds at most one unit per line (per-line tax, spread discounts): a difference up to
  // one unit per item, shipping and gift-card line (+1) is "Rounding adjustment"; a larger one is
  // still sent explicitly, so the captures still add up to what the customer was charged, but named
  // "Order total adjustment" (it most likely means the snapshot misses something: check the adapter).
  const tolerance = order.items.length + order.shippingLines.length + order.giftCards.length + 1
  const adjustmentName = Math.abs(platformAdjustment) <= tolerance ? ROUNDING_ADJUSTMENT_NAME : ORDER_TOTAL_ADJUSTMENT_NAME

  const creditSources: CreditSource[] = order.giftCards.map((g) => ({ kind: "gift_card", giftCard: g, amount: g.amount }))
  if (platformAdjustment < 0) creditSources.push({ kind: "rounding", amount: -platformAdjustment })

  const drafts = keys.map((key, i) => {
    const items = key.kind === "fulfillment" ? (units.byFulfillment.get(key.fulfillmentId) ?? []) : units.unfulfilled
    const first = i === 0
    const shipping = first ? order.shippingLines : []
    const surcharge = first ? Math.max(platformAdjustment, 0) : 0
    const gross = sumMinorUnits([...items.map((s) => s.total), ...shipping.map((s) => s.total), surcharge], "part gross")
    return { key, items, shipping, surcharge, adjustmentName, gross }
  })
  const { uses, unallocated } = consumeCredits(
    drafts.map((d) => d.gross),
    creditSources,
  )
  const parts: OrderPart[] = drafts.map((d, i) => {
    const credit = sumMinorUnits(
      uses[i].map((u) => u.amount),
      "part credit",
    )
    return { ...d, credits: uses[i], amount: d.gross - credit }
  })
  const targetAmount = sumMinorUnits(
    parts.map((p) => p.amount),
    "target amount",
  )
  if (units.canceled.length === 0 && targetAmount !== order.totalAmount) {
    // Unreachable: with totalAmount >= 0 the credits never exceed items + shipping + surcharge.
    // Kept as a guard so a future change cannot silently break "captures add up to the total".
    throw new OrderSnapshotError(
      order.orderId,
      "totalAmount",
      `the order's parts add up to ${targetAmount}, not to totalAmount ${order.totalAmount}`,
    )
  }
  return {
    parts,
    canceledItems: units.canceled,
    platformAdjustment,
    creditSources,
    unallocatedCredit: unallocated,
    targetAmount,
  }
}
