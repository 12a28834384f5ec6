import type { MedusaRequest, MedusaResponse } from "@medusajs/medusa"
import { refundAnswer } from "@klarna-order-sync/core"
import { send, syncService } from "../../../_lib/respond"

/** POST /admin/klarna/orders/:id/refund {amount, description?} — refund in Klarna for a canceled order that kept a capture. */
export async function POST(req: MedusaRequest, res: MedusaResponse): Promise<void> {
  send(res, await refundAnswer(syncService(req), req.params.id, req.body))
}
