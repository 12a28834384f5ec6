/** Facts about an order's outbox jobs that more than one part of the engine decides on. */
import type { JobRecord } from "./ports"

/** A capture parked as failed (a 4xx, or its attempts ran out): waiting for the merchant's Retry. */
export function isParkedCapture(job: Pick<JobRecord, "operation" | "state">): boolean {
  return (job.operation === "capture" || job.operation === "capture_remaining") && job.state === "failed"
}
