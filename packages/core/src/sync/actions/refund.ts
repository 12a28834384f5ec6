/** `refund`: one Klarna refund per platform refund, `reference` = the platform refund id. */
import type { RefundRequest } from "../../klarna/types"
import { validateOrderLines } from "../line-validation"
import { planRefund } from "../plan-refund"
import { alreadyDone, deferred, skipped, type Action } from "./action"
import { merchantRefund, merchantRefundOf } from "./merchant-refund"
import { refreshOrderTotals } from "./order-totals"
import { refundLedger } from "./refund-ledger"

export const refund: Action = async (context) => {
  const { order, store, klarnaOrder, job } = context
  if (merchantRefundOf(job.payload)) return merchantRefund(context) // asked for in the Klarna panel, not a platform refund
  const refundId = String(job.payload.refundId)
  const existing = await store.findRefund(order.platform, refundId)
  if (existing?.status === "refunded") {
    await refreshOrderTotals(context) // an earlier attempt may have died between recording the refund and the totals
    return alreadyDone(`Refund ${refundId} is already in Klarna (Klarna refund ${existing.refund_id})`)
  }

  const { refunds, captured, refunded } = await refundLedger(context, refundId)
  if (!job.request) {
    const platformRefund = order.refunds.find((candidate) => candidate.id === refundId)
    const jobs = await store.listJobs(order.platform, order.orderId)
    const capturesUnderWay = jobs.some(
      (other) => other.id !== job.id && other.operation.startsWith("capture") && (other.state === "pending" || other.state === "running"),
    )
    // A refund may be created while the capture it refunds is still on its way to Klarna.
    if (platformRefund && platformRefund.amount > captured - refunded && capturesUnderWay) {
      return deferred("waiting for captures of this order to reach Klarna", 2000)
    }
  }

  const request = await context.freezeRequest<RefundRequest>(() => {
    const plan = planRefund(order, refundId, {
      capturedAmount: captured,
      refunds: refunds.map((r) => ({ refundId: r.platform_refund_id, amount: r.refunded_amount, orderLines: r.order_lines })),
    })
    return plan.request
  })
  if (request.refunded_amount === 0) return skipped(`Refund ${refundId} is of 0: nothing to refund`)
  if (request.order_lines) validateOrderLines(request.refunded_amount, request.order_lines, `refund ${refundId}`)

  const row = await store.ensureRefund({
    platform: order.platform,
    platform_order_id: order.orderId,
    klarna_order_id: klarnaOrder.klarna_order_id,
    platform_refund_id: refundId,
    refunded_amount: request.refunded_amount,
    order_lines: request.order_lines ?? [],
    idempotency_key: job.idempotency_key,
  })
  const { refundId: klarnaRefundId } = await context.klarna.createRefund(klarnaOrder.klarna_order_id, request, {
    idempotencyKey: job.idempotency_key,
  })
  await store.markRefunded(row.id, klarnaRefundId)
  const totals = await refreshOrderTotals(context)
  return {
    kind: "succeeded",
    result: { refund_id: klarnaRefundId, refunded_amount: request.refunded_amount, order_refunded_amount: totals.refunded },
  }
}
