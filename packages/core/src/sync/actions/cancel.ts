/** `cancel`: the platform order was canceled. Nothing captured: cancel the Klarna order; else release the rest. */
import { deferred, skipped, type Action } from "./action"
import { otherJobsUnderWay, releaseRemaining } from "./release"
import { refreshOrderTotals } from "./order-totals"

export const cancel: Action = async (context) => {
  const { klarnaOrder, job } = context
  if (await otherJobsUnderWay(context)) return deferred("waiting for the order's other Klarna operations", 2000)
  if (klarnaOrder.status === "CANCELLED") return skipped("The Klarna order is already cancelled")
  const totals = await refreshOrderTotals(context)
  if (totals.captured > 0) return releaseRemaining(context)
  await context.freezeRequest(() => ({ cancel: true }))
  await context.klarna.cancelOrder(klarnaOrder.klarna_order_id, { idempotencyKey: job.idempotency_key })
  await refreshOrderTotals(context, { cancelled: true })
  return { kind: "succeeded", result: { cancelled: true } }
}
