import type { MedusaRequest, MedusaResponse } from "@medusajs/medusa"
import { notKlarnaOrder, syncService } from "../../../_lib/respond"

/** POST /admin/klarna/orders/:id/reconcile — read Klarna's order and repair the local tables. */
export async function POST(req: MedusaRequest, res: MedusaResponse): Promise<void> {
  const report = await syncService(req).reconcile(req.params.id)
  if (!report) return notKlarnaOrder(res, req.params.id)
  res.json({ reconcile: report })
}
