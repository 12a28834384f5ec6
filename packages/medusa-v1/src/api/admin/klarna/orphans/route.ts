import type { MedusaRequest, MedusaResponse } from "@medusajs/medusa"
import { orphansAnswer } from "@klarna-order-sync/core"
import { send, syncService } from "../_lib/respond"

/** GET /admin/klarna/orphans?limit= — Klarna orders created at checkout whose cart did not become an order. */
export async function GET(req: MedusaRequest, res: MedusaResponse): Promise<void> {
  send(res, await orphansAnswer(syncService(req), req.query.limit))
}
