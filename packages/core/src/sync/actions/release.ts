/**
 * `release`: nothing more will ship, so the authorization left over is released. Runs after every other
 * job of the order (captures first, or the release would strand them).
 */
import { deferred, skipped, type Action, type ActionContext, type ActionOutcome } from "./action"
import { refreshOrderTotals } from "./order-totals"
import { isParkedCapture } from "../job-state"
import type { JobRecord } from "../ports"

/** Whether a job of the order other than this one (and other than releases and cancels) is queued or running. */
function underWayBesides(jobs: readonly JobRecord[], self: JobRecord): boolean {
  return jobs.some(
    (other) =>
      other.id !== self.id &&
      (other.state === "pending" || other.state === "running") &&
      other.operation !== "release" &&
      other.operation !== "cancel",
  )
}

export async function otherJobsUnderWay(context: ActionContext): Promise<boolean> {
  return underWayBesides(await context.store.listJobs(context.order.platform, context.order.orderId), context.job)
}

export async function releaseRemaining(context: ActionContext): Promise<ActionOutcome> {
  const { klarnaOrder, job } = context
  if (klarnaOrder.status === "CANCELLED") return skipped("The Klarna order is cancelled: nothing left to release")
  const totals = await refreshOrderTotals(context)
  if (totals.captured === 0)
    return skipped("Nothing was captured, so there is nothing to release against (cancelling the order releases it all)")
  if (totals.captured + totals.released >= klarnaOrder.authorized_amount) return skipped("No authorization remains to release")
  await context.freezeRequest(() => ({ release: klarnaOrder.authorized_amount - totals.captured }))
  await context.klarna.releaseRemainingAuthorization(klarnaOrder.klarna_order_id, { idempotencyKey: job.idempotency_key })
  const after = await refreshOrderTotals(context, { released: true })
  return { kind: "succeeded", result: { released_amount: after.released } }
}

export const release: Action = async (context) => {
  // A fulfillment's event may still be on the event bus (Medusa pumps it up to 3 s later) or lost:
  // releasing before its capture would leave Klarna nothing to capture it against.
  await context.enqueueRequired({ kind: "before_release" })
  const jobs = await context.store.listJobs(context.order.platform, context.order.orderId)
  if (underWayBesides(jobs, context.job)) return deferred("waiting for the order's other Klarna operations", 2000)
  // The merchant's Release button releases what they decided; the automatic one never strands a capture
  // parked for a Retry (it is queued again after that capture goes through: required-jobs.ts).
  if (context.job.payload.automatic === true && jobs.some(isParkedCapture)) {
    return skipped(
      "A capture of this order is parked for a Retry: the rest of the authorization is released once it went through (or press Release)",
    )
  }
  return releaseRemaining(context)
}
