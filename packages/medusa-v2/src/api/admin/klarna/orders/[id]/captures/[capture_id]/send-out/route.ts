import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { sendOutAnswer } from "@klarna-order-sync/core"
import { send, syncService } from "../../../../../_lib/respond"

/** POST /admin/klarna/orders/:id/captures/:capture_id/send-out — Klarna resends the customer communication. */
export async function POST(req: MedusaRequest, res: MedusaResponse): Promise<void> {
  send(res, await sendOutAnswer(syncService(req), req.params.id, req.params.capture_id))
}
