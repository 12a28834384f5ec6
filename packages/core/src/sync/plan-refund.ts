import type { KlarnaOrderLine, RefundRequest } from "../klarna/types"
import { validateOrderLines } from "./line-validation"
import { assertMinorUnits, formatMinorUnits, sumMinorUnits } from "./money"
import type { OrderSnapshot } from "./order-model"
import { RefundExceedsCapturedError, RefundNotFoundError } from "./order-lines/errors"
import { fitLineLimit } from "./order-lines/line-limit"
import { refundContent } from "./order-lines/refund-lines"
import { assertValidOrderSnapshot, assertValidRefund } from "./order-lines/snapshot-validation"
import { klarnaReference, truncateText } from "./order-lines/text"

/** A refund already sent to Klarna (or in flight), as the engine recorded it. */
export interface RefundRecord {
  refundId: string
  /** refunded_amount actually sent. */
  amount: number
  /** The lines sent (informational; only `amount` enters the checks). */
  orderLines?: readonly KlarnaOrderLine[]
}

export interface RefundLedger {
  /** Sum of captured_amount of the order's Klarna captures. */
  capturedAmount: number
  /** Refunds already sent or in flight. An entry for the refund being planned is ignored. */
  refunds: readonly RefundRecord[]
}

export interface RefundPlan {
  refundId: string
  /** refunded_amount = refund.amount = sum(orderLines.total_amount), exactly. */
  refundedAmount: number
  orderLines: KlarnaOrderLine[]
  /** What was captured for the returned units (their lines add up to this + roundingAmount). */
  returnedItemsAmount: number
  /** Value of the shipping line. */
  shippingAmount: number
  /** The platform's rounding of the refund, carried by the returned-item lines (0: none). */
  roundingAmount: number
  /** What the platform kept back for the return: a "Return fee" line of minus this (0: none). */
  returnFeeAmount: number
  /** The "Refund adjustment" / "Return fee" line's amount for any other difference (0: no such line). */
  adjustmentAmount: number
  mergedLineCount: number
  /** captured - previously refunded, before this refund. */
  refundableAmount: number
  /**
   * Shown to the customer by Klarna: "Refund, order <display id>" plus what it covers
   * ("returned items", "shipping"), at most 255 characters. Never the merchant's free-text note.
   */
  description: string
  /** The body to POST. reference = the refund id. */
  request: RefundRequest
  /** Set when refund.amount is 0: Klarna has nothing to refund. */
  skip?: "zero_amount"
}

/**
 * The Klarna refund mirroring platform refund `refundId`: refunded_amount = refund.amount,
 * reference = refund id, order lines for the returned items (at what was captured for those units) and
 * the refunded shipping, plus one explicit adjustment line when the amount truly differs from their
 * value, not by a mere rounding (order-lines/refund-lines.ts).
 *
 * Refuses, before anything is sent, a refund above what is captured and not yet refunded:
 * refund.amount > ledger.capturedAmount - sum(other ledger refunds) throws
 * RefundExceedsCapturedError with the amounts in the message.
 * Pure: the same order, refund and ledger always give the same plan.
 *
 * @throws RefundNotFoundError, RefundExceedsCapturedError, OrderSnapshotError, OrderLineValidationError
 */
export function planRefund(order: OrderSnapshot, refundId: string, ledger: RefundLedger): RefundPlan {
  const index = order.refunds.findIndex((r) => r.id === refundId)
  if (index < 0) throw new RefundNotFoundError(order.orderId, refundId)
  assertValidOrderSnapshot(order)
  for (let i = 0; i <= index; i++) assertValidRefund(order, order.refunds[i], i)
  const refund = order.refunds[index]
  assertMinorUnits(ledger.capturedAmount, "capturedAmount")
  ledger.refunds.forEach((r, i) => assertMinorUnits(r.amount, `refunds[${i}].amount`))

  const alreadyRefunded = sumMinorUnits(
    ledger.refunds.filter((r) => r.refundId !== refundId).map((r) => r.amount),
    "already refunded",
  )
  const refundableAmount = ledger.capturedAmount - alreadyRefunded
  if (refund.amount > refundableAmount) {
    const fmt = (v: number): string => formatMinorUnits(v, order.currencyDecimals, order.currency)
    throw new RefundExceedsCapturedError(order.orderId, refundId, refund.amount, ledger.capturedAmount, alreadyRefunded, order.currency, {
      refund: fmt(refund.amount),
      captured: fmt(ledger.capturedAmount),
      refunded: fmt(alreadyRefunded),
      refundable: fmt(refundableAmount),
    })
  }

  const content = refundContent(order, index)
  const { lines, mergedLineCount } = fitLineLimit(content.lines)
  validateOrderLines(refund.amount, lines, `refund ${refundId} of order ${order.orderId}`)
  const reference = klarnaReference(refund.id) ?? refund.id
  const covers: string[] = []
  if ((refund.returnedItems ?? []).some((r) => r.quantity > 0)) covers.push("returned items")
  if (content.shippingAmount > 0) covers.push("shipping")
  const description = truncateText(
    `Refund, order ${order.displayId ?? order.orderId}${covers.length > 0 ? `: ${covers.join(" and ")}` : ""}`,
    255,
    { ellipsis: true },
  )
  const plan: RefundPlan = {
    refundId,
    refundedAmount: refund.amount,
    orderLines: lines,
    returnedItemsAmount: content.returnedItemsAmount,
    shippingAmount: content.shippingAmount,
    roundingAmount: content.roundingAmount,
    returnFeeAmount: content.returnFeeAmount,
    adjustmentAmount: content.adjustmentAmount,
    mergedLineCount,
    refundableAmount,
    description,
    request: { refunded_amount: refund.amount, description, reference, order_lines: lines },
  }
  if (refund.amount === 0) plan.skip = "zero_amount"
  return plan
}
