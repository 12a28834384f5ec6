/**
 * When the widget must read the Klarna view again, without a reload.
 *
 * The widget gets the order page's own Medusa order as a prop. The admin reads that order again after
 * each of its own actions (Create fulfillment, Mark shipped, Refund, Cancel, Capture payment, a return
 * received), so a change of the order is the moment to read Klarna's side again. Klarna's answer comes
 * a moment later: the plugin's subscriber queues a job after Medusa's event, a worker sends it. So the
 * widget keeps reading every POLL_MS while something is under way, and stops when nothing is:
 * - a sync job is queued or running, or
 * - the order has a fulfillment, tracking number, refund or cancellation the Klarna view has neither a
 *   record nor a job for yet (the event is still on its way) — only for SETTLE_MS after the order last
 *   changed, since some never get one (capturing on shipment: an unshipped fulfillment).
 */
import type { KlarnaOrder } from "./types"

export const POLL_MS = 2000
export const SETTLE_MS = 30_000

type When = string | Date | null | undefined

/** The parts of the admin's Medusa order (default relations of GET /admin/orders/:id) the widget follows. */
export interface WatchedOrder {
  id: string
  status?: string | null
  payment_status?: string | null
  fulfillment_status?: string | null
  updated_at?: When
  fulfillments?: { id: string; shipped_at?: When; canceled_at?: When; tracking_links?: { tracking_number: string }[] | null }[] | null
  refunds?: { id: string }[] | null
  returns?: { id: string; status?: string | null }[] | null
}

const stamp = (when: When) => (when ? new Date(when).toISOString() : "")

/** Changes whenever the order changes in a way Klarna may follow. */
export function orderFingerprint(order: WatchedOrder): string {
  const fulfillments = (order.fulfillments ?? []).map(
    (f) => `${f.id}:${stamp(f.shipped_at)}:${stamp(f.canceled_at)}:${(f.tracking_links ?? []).map((t) => t.tracking_number).join(",")}`,
  )
  return [
    order.status,
    order.payment_status,
    order.fulfillment_status,
    stamp(order.updated_at),
    fulfillments.join(";"),
    (order.refunds ?? []).map((r) => r.id).join(","),
    (order.returns ?? []).map((r) => `${r.id}:${r.status ?? ""}`).join(","),
  ].join("|")
}

export function jobsUnderWay(view: KlarnaOrder): boolean {
  return view.jobs.some((job) => job.state === "pending" || job.state === "running")
}

/** What the order has that the Klarna view shows neither done nor queued yet, in words (for debugging). */
export function awaitingKlarna(order: WatchedOrder, view: KlarnaOrder): string[] {
  const jobFor = (subject: string, operations: string[], finished = false) =>
    view.jobs.some(
      (job) =>
        job.subject === subject && operations.includes(job.operation) && (!finished || job.state === "failed" || job.state === "skipped"),
    )
  const awaiting: string[] = []
  for (const fulfillment of order.fulfillments ?? []) {
    if (fulfillment.canceled_at) continue
    const capture = view.captures.find((candidate) => candidate.source_id === fulfillment.id)
    if (!capture && !jobFor(fulfillment.id, ["capture"])) awaiting.push(`the capture of ${fulfillment.id}`)
    const missing = (fulfillment.tracking_links ?? [])
      .map((link) => link.tracking_number)
      .filter((number) => number && !capture?.shipping_info.some((info) => info.tracking_number === number))
    // A refused capture or a skipped tracking job is an answer too: it shows in the widget.
    if (missing.length > 0 && !jobFor(fulfillment.id, ["capture", "shipping_info"], true)) awaiting.push(`tracking ${missing.join(", ")}`)
  }
  for (const refund of order.refunds ?? []) {
    if (!view.refunds.some((candidate) => candidate.platform_refund_id === refund.id) && !jobFor(refund.id, ["refund"])) {
      awaiting.push(`refund ${refund.id}`)
    }
  }
  if (order.status === "canceled" && view.status !== "CANCELLED" && !view.jobs.some((job) => job.operation === "cancel")) {
    awaiting.push("the cancellation")
  }
  return awaiting
}

/**
 * Whether to read the Klarna view again in POLL_MS. `changedAt`: when the order prop last changed
 * (null: not since the page opened, so nothing of the order is on its way).
 */
export function shouldPoll(view: KlarnaOrder, order: WatchedOrder, changedAt: number | null, now: number): boolean {
  if (jobsUnderWay(view)) return true
  if (changedAt === null || now - changedAt > SETTLE_MS) return false
  return awaitingKlarna(order, view).length > 0
}
