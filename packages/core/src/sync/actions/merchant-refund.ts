/**
 * `refund` with a `merchantRefund` payload: a refund the merchant asks for in the Klarna panel, for an
 * order the platform will not refund any more (Medusa refuses refunds on a canceled order, while its
 * partial capture stays paid). An amount without lines, checked against what Klarna holds captured and
 * not refunded, recorded like every refund (klarna_refund, the attempt log).
 */
import type { RefundRequest } from "../../klarna/types"
import { SyncNotPossibleError } from "../errors"
import { KLARNA_NAME_MAX, truncateText } from "../order-lines/text"
import { alreadyDone, type Action } from "./action"
import { refreshOrderTotals } from "./order-totals"
import { refundLedger } from "./refund-ledger"

export interface MerchantRefundPayload {
  merchantRefund: { amount: number; description?: string; reference: string }
}

export function merchantRefundOf(payload: Record<string, unknown>): MerchantRefundPayload["merchantRefund"] | null {
  const refund = payload.merchantRefund as MerchantRefundPayload["merchantRefund"] | undefined
  return refund && Number.isSafeInteger(refund.amount) && typeof refund.reference === "string" ? refund : null
}

export const merchantRefund: Action = async (context) => {
  const { order, store, klarnaOrder, job } = context
  const wanted = merchantRefundOf(job.payload)
  if (!wanted) throw new SyncNotPossibleError("INVALID_REFUND", `Job ${job.id} has no valid refund amount`)
  const existing = await store.findRefund(order.platform, wanted.reference)
  if (existing?.status === "refunded") {
    await refreshOrderTotals(context)
    return alreadyDone(`refund ${wanted.reference} is already sent (${existing.refund_id})`)
  }
  if (!job.request) {
    const ledger = await refundLedger(context, wanted.reference)
    const refundable = ledger.captured - ledger.refunded
    if (wanted.amount <= 0 || wanted.amount > refundable) {
      throw new SyncNotPossibleError(
        "REFUND_EXCEEDS_CAPTURED",
        `A refund of ${wanted.amount} is more than Klarna holds captured and not refunded (${refundable})`,
      )
    }
  }
  const request = await context.freezeRequest<RefundRequest>(() => ({
    refunded_amount: wanted.amount,
    description: truncateText(wanted.description?.trim() || "Refund from the Klarna panel", KLARNA_NAME_MAX, { ellipsis: true }),
    reference: wanted.reference,
  }))
  const row = await store.ensureRefund({
    platform: order.platform,
    platform_order_id: order.orderId,
    klarna_order_id: klarnaOrder.klarna_order_id,
    platform_refund_id: wanted.reference,
    refunded_amount: request.refunded_amount,
    order_lines: [],
    idempotency_key: job.idempotency_key,
  })
  const { refundId } = await context.klarna.createRefund(klarnaOrder.klarna_order_id, request, { idempotencyKey: job.idempotency_key })
  await store.markRefunded(row.id, refundId)
  const totals = await refreshOrderTotals(context)
  return {
    kind: "succeeded",
    result: { refund_id: refundId, refunded_amount: request.refunded_amount, order_refunded_amount: totals.refunded },
  }
}
