import type { MedusaRequest, MedusaResponse } from "@medusajs/medusa"
import { accepted, syncService } from "../../../../../_lib/respond"

/** POST /admin/klarna/orders/:id/captures/:capture_id/send-out — Klarna resends the customer communication. */
export async function POST(req: MedusaRequest, res: MedusaResponse): Promise<void> {
  const service = syncService(req)
  if (!(await service.hasCapture(req.params.id, req.params.capture_id))) {
    res.status(404).json({ type: "not_found", message: `Order ${req.params.id} has no Klarna capture ${req.params.capture_id}` })
    return
  }
  // Refused here, before a job is queued, so the order does not collect a failed job nobody can fix.
  if ((await service.orderProvider(req.params.id)) === "kustom") {
    res.status(400).json({
      type: "not_allowed",
      message: `Order ${req.params.id} is served by Kustom, which deprecated trigger-send-out: Kustom cannot resend the customer communication`,
    })
    return
  }
  accepted(res, req.params.id, await service.triggerSendOut(req.params.id, req.params.capture_id))
}
