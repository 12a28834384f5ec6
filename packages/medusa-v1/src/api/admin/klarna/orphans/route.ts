import type { MedusaRequest, MedusaResponse } from "@medusajs/medusa"
import { syncService } from "../_lib/respond"

/**
 * GET /admin/klarna/orphans — Klarna orders created at checkout whose cart did not become an order:
 * awaiting one (status authorized), being cancelled, or cancelled; newest first, with the cancel job.
 */
export async function GET(req: MedusaRequest, res: MedusaResponse): Promise<void> {
  const limit = Math.min(Math.max(Number(req.query.limit ?? 200) || 200, 1), 1000)
  const rows = await syncService(req).listOrphans(limit)
  res.json({
    authorizations: rows.map((row) => ({
      cart_id: row.checkout_id,
      klarna_order_id: row.klarna_order_id,
      status: row.status,
      amount: Number(row.amount),
      currency: row.currency,
      reason: row.reason,
      order_id: row.platform_order_id,
      created_at: row.created_at,
      cancelled_at: row.cancelled_at,
      job: row.job_id ? { id: row.job_id, state: row.job_state, last_error: row.job_last_error } : null,
    })),
  })
}
