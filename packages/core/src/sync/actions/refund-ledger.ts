/**
 * What Klarna holds captured and refunded for an order, from the plugin's own capture and refund rows.
 * Summed from the rows rather than read from klarna_order's totals: those lag a job by one write, and a
 * refund check must not.
 */
import type { CaptureRecord, RefundRecord } from "../ports"
import type { ActionContext } from "./action"

export interface RefundLedgerRows {
  /** Captures Klarna made. */
  captures: CaptureRecord[]
  /** Refunds Klarna made, except the one being planned. */
  refunds: RefundRecord[]
  captured: number
  refunded: number
}

/** `exceptRefundId`: the platform refund id being planned, left out of `refunds`. */
export async function refundLedger(context: Pick<ActionContext, "store" | "order">, exceptRefundId: string): Promise<RefundLedgerRows> {
  const { store, order } = context
  const captures = (await store.listCaptures(order.platform, order.orderId)).filter((c) => c.status === "captured")
  const refunds = (await store.listRefunds(order.platform, order.orderId)).filter(
    (r) => r.status === "refunded" && r.platform_refund_id !== exceptRefundId,
  )
  return {
    captures,
    refunds,
    captured: captures.reduce((sum, c) => sum + c.captured_amount, 0),
    refunded: refunds.reduce((sum, r) => sum + r.refunded_amount, 0),
  }
}
