import type { MedusaRequest, MedusaResponse } from "@medusajs/medusa"
import { reconcileAnswer } from "@klarna-order-sync/core"
import { send, syncService } from "../../../_lib/respond"

/** POST /admin/klarna/orders/:id/reconcile — read Klarna's order and repair the local tables. */
export async function POST(req: MedusaRequest, res: MedusaResponse): Promise<void> {
  send(res, await reconcileAnswer(syncService(req), req.params.id))
}
