import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { releaseAnswer } from "@klarna-order-sync/core"
import { send, syncService } from "../../../_lib/respond"

/** POST /admin/klarna/orders/:id/release — release the remaining authorization now. */
export async function POST(req: MedusaRequest, res: MedusaResponse): Promise<void> {
  send(res, await releaseAnswer(syncService(req), req.params.id))
}
