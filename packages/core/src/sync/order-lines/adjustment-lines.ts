import type { KlarnaOrderLine, OrderLineType } from "../../klarna/types"

/**
 * Explicit adjustment lines. Each is quantity 1, unit_price = total_amount = the signed amount,
 * total_discount_amount 0, tax_rate 0 and total_tax_amount 0 (an adjustment is a money correction,
 * not a sale, so no tax is claimed on it), with a fixed reference so it can be recognised.
 */
function adjustmentLine(type: OrderLineType, reference: string, name: string, amount: number): KlarnaOrderLine {
  return {
    type,
    reference,
    name,
    quantity: 1,
    unit_price: amount,
    tax_rate: 0,
    total_amount: amount,
    total_discount_amount: 0,
    total_tax_amount: 0,
  }
}

export const ROUNDING_ADJUSTMENT_REFERENCE = "rounding-adjustment"
export const CAPTURE_RECONCILIATION_REFERENCE = "capture-reconciliation"
export const REFUND_ADJUSTMENT_REFERENCE = "refund-adjustment"
export const ROUNDING_ADJUSTMENT_NAME = "Rounding adjustment"
export const ORDER_TOTAL_ADJUSTMENT_NAME = "Order total adjustment"

/**
 * Platform rounding: order.totalAmount - (items + shipping - gift cards). A positive difference is
 * a `surcharge` line in the first capture; a negative one is a `discount` line consumed like a gift
 * card (see order-allocation.ts).
 */
export function roundingAdjustmentLine(amount: number, name: string = ROUNDING_ADJUSTMENT_NAME): KlarnaOrderLine {
  return adjustmentLine(amount >= 0 ? "surcharge" : "discount", ROUNDING_ADJUSTMENT_REFERENCE, name, amount)
}

/**
 * Remaining capture only: planned minus actually captured amounts of earlier captures (they were
 * sent with other numbers, e.g. a fulfillment canceled after its capture, or a capture made
 * outside the engine). Makes sum(all captures) reach the order's total exactly.
 */
export function captureReconciliationLine(amount: number): KlarnaOrderLine {
  return adjustmentLine(amount >= 0 ? "surcharge" : "discount", CAPTURE_RECONCILIATION_REFERENCE, "Adjustment for earlier captures", amount)
}

/**
 * Refunds: refunded_amount minus what the refund's item and shipping lines are worth, when the
 * merchant refunded another amount than the returned goods' value. Positive (more refunded, e.g.
 * goodwill or a refund without returned items): a `discount` line "Refund adjustment".
 * Negative (less refunded, e.g. a restocking fee kept): a `return_fee` line "Return fee".
 */
export function refundAdjustmentLine(amount: number): KlarnaOrderLine {
  return amount >= 0
    ? adjustmentLine("discount", REFUND_ADJUSTMENT_REFERENCE, "Refund adjustment", amount)
    : adjustmentLine("return_fee", REFUND_ADJUSTMENT_REFERENCE, "Return fee", amount)
}
