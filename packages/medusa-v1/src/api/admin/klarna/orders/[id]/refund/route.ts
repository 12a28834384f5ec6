import type { MedusaRequest, MedusaResponse } from "@medusajs/medusa"
import { KlarnaRefundRefused } from "../../../../../../services/klarna-sync"
import { codePointLength } from "@klarna-order-sync/core"
import { accepted, notKlarnaOrder, syncService } from "../../../_lib/respond"

const MAX_DESCRIPTION = 255 // Klarna's limit; refused rather than cut

/**
 * POST /admin/klarna/orders/:id/refund {amount, description?} — refund an amount in Klarna for a canceled
 * order that kept captured money (Medusa refuses to refund a canceled order). Queued as a sync job: the
 * same request pressed twice is one refund; the outcome shows in the order view (refunds, sync log).
 */
export async function POST(req: MedusaRequest, res: MedusaResponse): Promise<void> {
  if (!(await syncService(req).isKlarnaOrder(req.params.id))) return notKlarnaOrder(res, req.params.id)
  const body = (req.body ?? {}) as { amount?: unknown; description?: unknown }
  const amount = body.amount
  if (typeof amount !== "number" || !Number.isSafeInteger(amount) || amount <= 0) {
    res.status(400).json({ type: "invalid_data", message: "amount must be a positive integer in minor units (e.g. 1250 for 12.50)" })
    return
  }
  const description = body.description
  if (description !== undefined && (typeof description !== "string" || codePointLength(description) > MAX_DESCRIPTION)) {
    res.status(400).json({ type: "invalid_data", message: `description must be text of at most ${MAX_DESCRIPTION} characters` })
    return
  }
  try {
    accepted(res, req.params.id, await syncService(req).refundInKlarna(req.params.id, { amount, description }))
  } catch (error) {
    if (!(error instanceof KlarnaRefundRefused)) throw error
    res.status(error.status).json({ type: error.status === 400 ? "invalid_data" : "not_allowed", message: error.message })
  }
}
