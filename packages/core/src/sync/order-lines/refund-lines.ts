import type { KlarnaOrderLine } from "../../klarna/types"
import { ceilDiv, mulMinorUnits, sumMinorUnits } from "../money"
import type { OrderSnapshot } from "../order-model"
import { refundAdjustmentLine } from "./adjustment-lines"
import { OrderSnapshotError } from "./errors"
import { itemShareLine } from "./item-lines"
import { shippingRefundLine } from "./shipping-lines"
import { type ItemShare, returnedItemShares } from "./unit-allocation"

export interface RefundContent {
  /** Lines for returned items and refunded shipping, then the adjustment line if any. */
  lines: KlarnaOrderLine[]
  /** What was captured for the returned units (the item lines add up to this plus `roundingAmount`). */
  returnedItemsAmount: number
  /** Value of the shipping line (RefundSnapshot.shippingAmount, or 0). */
  shippingAmount: number
  /** What the platform kept back for the return (RefundSnapshot.returnFeeAmount, or 0): a "Return fee" line of minus it. */
  returnFeeAmount: number
  /**
   * The platform's rounding of the refund (refund.amount - captured value of the returned units - shipping,
   * when within the rounding tolerance), carried by the returned-item lines' discount; else 0.
   */
  roundingAmount: number
  /** refund.amount + returnFeeAmount - returnedItemsAmount - roundingAmount - shippingAmount; the adjustment line's amount when != 0. */
  adjustmentAmount: number
}

/**
 * The lines of refund `refundIndex`:
 * - returned items, valued at exactly what was captured for those units: refunds take an item's units
 *   in the same numbering the captures did (unit-allocation.ts: returnedItemShares; returned units were
 *   fulfilled, so they are the first units of the numbering), each line built like a capture line
 *   (same unit_price, tax rule and discount);
 * - a shipping line when `shippingAmount` > 0 (shipping-lines.ts: shippingRefundLine);
 * - a "Return fee" line of -`returnFeeAmount` when the platform says it kept that back (Medusa v2's return
 *   shipping): the same `return_fee` line as a fee the merchant kept (adjustment-lines.ts), since that is what it
 *   is to Klarna, an amount taken off the refund of goods it captured, not a sale of its own; the rounding
 *   below is then judged on the refund with the fee added back, so the items carry it and the fee stays exact;
 * - when refund.amount differs from what those lines are worth by no more than a platform's rounding
 *   (one minor unit per returned-item line, +1: Medusa computes a return's refund per unit from
 *   unit_price and discount and rounds its tax and the sum differently), the difference stays on the
 *   item lines (their total_discount_amount moves by it), so a plain return carries no adjustment line;
 * - when it truly differs (the merchant typed another amount, kept a restocking fee, refunded without a
 *   return...), ONE explicit adjustment line for the difference: "Refund adjustment" (`discount`,
 *   positive) or "Return fee" (`return_fee`, negative), quantity 1, tax 0. A refund without returned
 *   items or shipping is therefore a single "Refund adjustment" line for the whole amount. We always
 *   send lines rather than none, so that sum(order_lines.total_amount) == refunded_amount holds for
 *   every refund.
 */
export function refundContent(order: OrderSnapshot, refundIndex: number): RefundContent {
  const refund = order.refunds[refundIndex]
  const shares = returnedItemShares(order, refundIndex)
  const capturedValue = sumMinorUnits(
    shares.map((s) => s.total),
    "returned items",
  )
  const shippingAmount = refund.shippingAmount ?? 0
  const returnFeeAmount = refund.returnFeeAmount ?? 0
  const difference = refund.amount + returnFeeAmount - capturedValue - shippingAmount
  const rounded = refund.amount > 0 ? absorbRounding(shares, difference) : undefined
  const roundingAmount = rounded ? difference : 0
  const lines = (rounded ?? shares).map(itemShareLine)
  if (shippingAmount > 0) lines.push(shippingRefundLine(order.shippingLines, shippingAmount))
  if (returnFeeAmount > 0) lines.push(refundAdjustmentLine(-returnFeeAmount))
  const adjustmentAmount = difference - roundingAmount
  if (adjustmentAmount !== 0) lines.push(refundAdjustmentLine(adjustmentAmount))
  return { lines, returnedItemsAmount: capturedValue, shippingAmount, returnFeeAmount, roundingAmount, adjustmentAmount }
}

/**
 * Whether refund `refundIndex` is exactly what its returned items (and shipping) are worth as this core values
 * them (the units numbered as refundContent numbers them, after the earlier refunds' returns), less its
 * returnFeeAmount, up to the platform rounding refundContent absorbs: its Klarna refund then carries their lines
 * (and the fee's) and no adjustment line.
 * For a platform that does not link a refund to the return it pays for (Medusa v2), to tell which one it is.
 * False when the refund returns nothing, or its returns do not fit the order (more units than it has).
 */
export function refundPaysForReturnedItems(order: OrderSnapshot, refundIndex: number): boolean {
  const refund = order.refunds[refundIndex]
  if (!refund || !(refund.returnedItems ?? []).some((r) => r.quantity > 0)) return false
  try {
    return refundContent(order, refundIndex).adjustmentAmount === 0
  } catch (error) {
    if (error instanceof OrderSnapshotError) return false
    throw error
  }
}

/**
 * The shares with `difference` spread over them one minor unit at a time (first line first), or
 * undefined when it is 0, larger than the rounding tolerance (lines + 1), or would move a line's
 * total outside [0, grossCeiling] (the unit price shown must stay what was captured).
 */
function absorbRounding(shares: readonly ItemShare[], difference: number): ItemShare[] | undefined {
  if (difference === 0 || shares.length === 0 || Math.abs(difference) > shares.length + 1) return undefined
  const adjusted = shares.map((s) => ({ ...s }))
  const step = Math.sign(difference)
  let left = Math.abs(difference)
  for (let moved = true; left > 0 && moved;) {
    moved = false
    for (const share of adjusted) {
      if (left === 0) break
      const ceiling = grossCeiling(share)
      const next = share.total + step
      if (next < 0 || next > ceiling) continue
      share.total = next
      left -= 1
      moved = true
    }
  }
  return left === 0 ? adjusted : undefined
}

/**
 * The most the units of a share may be refunded at without showing another unit price than the
 * captures did: quantity * the item's gross unit price rounded up (what a capture of several units
 * shows), or the share's own gross rounded up per unit when that is higher.
 */
function grossCeiling(share: ItemShare): number {
  const itemUnitPrice = ceilDiv(share.item.originalTotal, Math.max(share.item.quantity, 1))
  const shareUnitPrice = ceilDiv(share.gross, share.quantity)
  return mulMinorUnits(share.quantity, Math.max(itemUnitPrice, shareUnitPrice), "quantity*unit_price")
}
