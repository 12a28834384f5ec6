import type { MedusaRequest, MedusaResponse } from "@medusajs/medusa"
import { accepted, syncService } from "../../../../../_lib/respond"

/** POST /admin/klarna/orders/:id/captures/:capture_id/send-out — Klarna resends the customer communication. */
export async function POST(req: MedusaRequest, res: MedusaResponse): Promise<void> {
  if (!(await syncService(req).hasCapture(req.params.id, req.params.capture_id))) {
    res.status(404).json({ type: "not_found", message: `Order ${req.params.id} has no Klarna capture ${req.params.capture_id}` })
    return
  }
  accepted(res, req.params.id, await syncService(req).triggerSendOut(req.params.id, req.params.capture_id))
}
