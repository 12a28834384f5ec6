import type { MedusaRequest, MedusaResponse } from "@medusajs/medusa"
import { accepted, syncService } from "../../../_lib/respond"

/** POST /admin/klarna/orders/:id/release — release the remaining authorization now. */
export async function POST(req: MedusaRequest, res: MedusaResponse): Promise<void> {
  accepted(res, req.params.id, await syncService(req).releaseRemaining(req.params.id))
}
