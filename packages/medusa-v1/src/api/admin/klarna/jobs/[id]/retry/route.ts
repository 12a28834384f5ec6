import type { MedusaRequest, MedusaResponse } from "@medusajs/medusa"
import { syncService } from "../../../_lib/respond"

/** POST /admin/klarna/jobs/:id/retry — run a parked (failed) sync job again, after its cause was fixed. */
export async function POST(req: MedusaRequest, res: MedusaResponse): Promise<void> {
  const service = syncService(req)
  const existing = await service.getJob(req.params.id)
  if (!existing) {
    res.status(404).json({ type: "not_found", message: `Klarna sync job ${req.params.id} does not exist` })
    return
  }
  const job = await service.retryJob(req.params.id)
  if (!job) {
    res.status(409).json({ type: "not_allowed", message: `Job ${req.params.id} is ${existing.state}; only failed jobs can be retried` })
    return
  }
  res.status(202).json({ job: { id: job.id, operation: job.operation, state: job.state } })
}
