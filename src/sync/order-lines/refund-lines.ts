import type { KlarnaOrderLine } from "../../klarna/types"
import { sumMinorUnits } from "../money"
import type { OrderSnapshot } from "../order-model"
import { refundAdjustmentLine } from "./adjustment-lines"
import { itemShareLine } from "./item-lines"
import { shippingRefundLine } from "./shipping-lines"
import { returnedItemShares } from "./unit-allocation"

export interface RefundContent {
  /** Lines for returned items and refunded shipping, then the adjustment line if any. */
  lines: KlarnaOrderLine[]
  /** Value of the returned-item lines. */
  returnedItemsAmount: number
  /** Value of the shipping line (RefundSnapshot.shippingAmount, or 0). */
  shippingAmount: number
  /** refund.amount - returnedItemsAmount - shippingAmount; the adjustment line's amount when != 0. */
  adjustmentAmount: number
}

/**
 * The lines of refund `refundIndex`:
 * - returned items, valued by the refund numbering of units (unit-allocation.ts:
 *   returnedItemShares), each line built like a capture line (same unit_price and tax rule);
 * - a shipping line when `shippingAmount` > 0 (shipping-lines.ts: shippingRefundLine);
 * - when refund.amount differs from what those lines are worth (the merchant typed another amount,
 *   kept a restocking fee, refunded without a return...), ONE explicit adjustment line for the
 *   difference: "Refund adjustment" (`discount`, positive) or "Return fee" (`return_fee`,
 *   negative), quantity 1, tax 0. A refund without returned items or shipping is therefore a single
 *   "Refund adjustment" line for the whole amount. We always send lines rather than none, so that
 *   sum(order_lines.total_amount) == refunded_amount holds for every refund.
 */
export function refundContent(order: OrderSnapshot, refundIndex: number): RefundContent {
  const refund = order.refunds[refundIndex]
  const lines = returnedItemShares(order, refundIndex).map(itemShareLine)
  const returnedItemsAmount = sumMinorUnits(lines.map((l) => l.total_amount), "returned items")
  const shippingAmount = refund.shippingAmount ?? 0
  if (shippingAmount > 0) lines.push(shippingRefundLine(order.shippingLines, shippingAmount))
  const adjustmentAmount = refund.amount - returnedItemsAmount - shippingAmount
  if (adjustmentAmount !== 0) lines.push(refundAdjustmentLine(adjustmentAmount))
  return { lines, returnedItemsAmount, shippingAmount, adjustmentAmount }
}
