import type { MedusaRequest, MedusaResponse } from "@medusajs/medusa"
import { notKlarnaOrder, syncService } from "../../_lib/respond"

/** GET /admin/klarna/orders/:id — what Klarna holds for a Medusa order, from the plugin's tables. */
export async function GET(req: MedusaRequest, res: MedusaResponse): Promise<void> {
  const view = await syncService(req).getOrderView(req.params.id)
  if (!view) return notKlarnaOrder(res, req.params.id)
  res.json({ klarna_order: view })
}
