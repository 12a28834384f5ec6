import type { MedusaRequest, MedusaResponse } from "@medusajs/medusa"
import { orderViewAnswer } from "@klarna-order-sync/core"
import { send, syncService } from "../../_lib/respond"

/** GET /admin/klarna/orders/:id — what Klarna holds for a Medusa order, from the plugin's tables. */
export async function GET(req: MedusaRequest, res: MedusaResponse): Promise<void> {
  send(res, await orderViewAnswer(syncService(req), req.params.id))
}
