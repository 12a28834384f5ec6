/**
 * Recomputes the Klarna order's amounts from what we recorded (captures, refunds, release), so the
 * mapping row can never drift from its own details.
 */
import type { ActionContext } from "./action"

export async function refreshOrderTotals(context: ActionContext, changes: { released?: boolean; cancelled?: boolean } = {}) {
  const { store, klarnaOrder } = context
  if (store.recomputeOrderTotals) {
    const totals = await store.recomputeOrderTotals(klarnaOrder, changes)
    if (totals) return totals
  }
  const captures = await store.listCaptures(klarnaOrder.platform, klarnaOrder.platform_order_id)
  const refunds = await store.listRefunds(klarnaOrder.platform, klarnaOrder.platform_order_id)
  const captured = captures.filter((c) => c.status === "captured").reduce((sum, c) => sum + c.captured_amount, 0)
  const refunded = refunds.filter((r) => r.status === "refunded").reduce((sum, r) => sum + r.refunded_amount, 0)
  const released = changes.released ? klarnaOrder.authorized_amount - captured : klarnaOrder.released_amount
  const status =
    changes.cancelled || klarnaOrder.status === "CANCELLED"
      ? "CANCELLED"
      : captured === 0
        ? "AUTHORIZED"
        : captured + released >= klarnaOrder.authorized_amount
          ? "CAPTURED"
          : "PART_CAPTURED"
  await store.updateMapping(klarnaOrder.id, { captured_amount: captured, refunded_amount: refunded, released_amount: released, status })
  return { captured, refunded, released, status }
}
