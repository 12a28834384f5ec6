import type { MedusaRequest, MedusaResponse } from "@medusajs/medusa"
import { retryJobAnswer } from "@klarna-order-sync/core"
import { send, syncService } from "../../../_lib/respond"

/** POST /admin/klarna/jobs/:id/retry — run a parked (failed) sync job again, after its cause was fixed. */
export async function POST(req: MedusaRequest, res: MedusaResponse): Promise<void> {
  send(res, await retryJobAnswer(syncService(req), req.params.id))
}
