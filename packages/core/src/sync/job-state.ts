/** Facts about an order's outbox jobs that more than one part of the engine decides on. */
import type { JobRecord } from "./ports"

/** A capture parked as failed (a 4xx, or its attempts ran out): waiting for the merchant's Retry. */
export function isParkedCapture(job: Pick<JobRecord, "operation" | "state">): boolean {
  return (job.operation === "capture" || job.operation === "capture_remaining") && job.state === "failed"
}

/**
 * A job whose request may already have reached Klarna without our knowing: frozen (sent at least once, or about
 * to be) and not finished. A 4xx refusal ends the doubt (nothing was applied: the job is parked, not pending).
 */
export function isInDoubt(job: Pick<JobRecord, "request" | "state">): boolean {
  return job.request !== null && (job.state === "pending" || job.state === "running")
}

/**
 * Another shipping_info job of the fulfillment whose append may already have reached Klarna: its request is
 * frozen and the job has not finished (e.g. Klarna applied it and the response was lost). The capture row
 * does not show that tracking yet, so a second job planning now would append it again under its own key:
 * it waits until the first one settles (its retry replays its own key).
 */
export function shippingInfoInDoubt(jobs: readonly JobRecord[], fulfillmentId: string, exceptJobId: string): JobRecord | undefined {
  return jobs.find(
    (job) =>
      job.id !== exceptJobId && job.operation === "shipping_info" && isInDoubt(job) && String(job.payload.fulfillmentId) === fulfillmentId,
  )
}
