/**
 * `release`: nothing more will ship, so the authorization left over is released. Runs after every other
 * job of the order (captures first, or the release would strand them).
 */
import { deferred, skipped, type Action, type ActionContext, type ActionOutcome } from "./action"
import { refreshOrderTotals } from "./order-totals"

export async function otherJobsUnderWay(context: ActionContext): Promise<boolean> {
  const jobs = await context.store.listJobs(context.order.platform, context.order.orderId)
  return jobs.some((other) => other.id !== context.job.id && (other.state === "pending" || other.state === "running") && other.operation !== "release" && other.operation !== "cancel")
}

export async function releaseRemaining(context: ActionContext): Promise<ActionOutcome> {
  const { klarnaOrder, job } = context
  if (klarnaOrder.status === "CANCELLED") return skipped("the Klarna order is cancelled")
  const totals = await refreshOrderTotals(context)
  if (totals.captured === 0) return skipped("nothing was captured: there is nothing to release against (cancel instead)")
  if (totals.captured + totals.released >= klarnaOrder.authorized_amount) return skipped("no authorization remains")
  await context.freezeRequest(() => ({ release: klarnaOrder.authorized_amount - totals.captured }))
  await context.klarna.releaseRemainingAuthorization(klarnaOrder.klarna_order_id, { idempotencyKey: job.idempotency_key })
  const after = await refreshOrderTotals(context, { released: true })
  return { kind: "succeeded", result: { released_amount: after.released } }
}

export const release: Action = async (context) => {
  if (await otherJobsUnderWay(context)) return deferred("waiting for the order's other Klarna operations", 2000)
  return releaseRemaining(context)
}
