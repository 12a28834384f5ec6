/**
 * Refunds. A refund is limited to what was captured and not yet refunded
 * ("The refunded amount must not be higher than captured_amount", post-delivery doc).
 *
 * Choice (Klarna silent): a refund is attributed to captures oldest first, filling each
 * capture's refunded_amount up to its captured_amount; refunds stay possible on an EXPIRED
 * order, because captured money was paid regardless of the authorization's expiry.
 */
import { SimError, unprocessable } from "../errors"
import { newUuid } from "../ids"
import type { SimState } from "../state"
import type { SimRefund, WireOrderLine } from "../types"
import { assertArithmetic } from "./arithmetic"

export interface RefundBody {
  refunded_amount: number
  description?: string
  reference?: string
  order_lines?: WireOrderLine[]
}

const refundNotAllowed = (message: string): SimError => new SimError(403, "REFUND_NOT_ALLOWED", message)

export function createRefund(state: SimState, orderId: string, body: RefundBody): SimRefund {
  const order = state.order(orderId)
  assertArithmetic(state, order, body.order_lines, body.refunded_amount, "refunded_amount")
  if (body.refunded_amount === 0) throw unprocessable(["The refunded_amount value must be greater than 0"])

  if (order.captures.length === 0) throw refundNotAllowed("Order has no captures. Refund not possible") // verbatim
  const refundable = order.captured_amount - order.refunded_amount
  if (body.refunded_amount > refundable) {
    throw refundNotAllowed(
      `Refunded amount ${body.refunded_amount} is higher than the remaining captured amount ${refundable}. Refund not possible.`,
    )
  }

  const refund: SimRefund = {
    refund_id: newUuid(),
    refunded_amount: body.refunded_amount,
    refunded_at: state.clock.nowIso(),
    description: body.description,
    reference: body.reference,
    order_lines: body.order_lines ?? [],
  }
  order.refunds.push(refund)
  order.refunded_amount += refund.refunded_amount

  let left = refund.refunded_amount
  for (const capture of order.captures) {
    if (left === 0) break
    const take = Math.min(left, capture.captured_amount - capture.refunded_amount)
    capture.refunded_amount += take
    left -= take
  }
  return refund
}
