/**
 * The end of a cancel_orphan job's last check (PlatformPayments.claimOrphan), inside the platform's
 * transaction: the checkout's Klarna order became the order `orderId` (then recorded as ordered: no orphan),
 * or no order (then marked cancelling: no order may be placed on it any more).
 */
import type { OrphanVerdict } from "../sync/authorizations"
import type { RunSql } from "./sweep-query"

export async function settleOrphanClaim(
  run: RunSql,
  claim: { checkoutId: string; klarnaOrderId: string; orderId: string | undefined; reason: string },
): Promise<OrphanVerdict> {
  if (claim.orderId) {
    await run(
      `UPDATE klarna_authorization SET status = 'ordered', platform_order_id = $2, updated_at = now()
        WHERE klarna_order_id = $1 AND status = 'authorized'`,
      [claim.klarnaOrderId, claim.orderId],
    )
    return { orphan: false, reason: `cart ${claim.checkoutId} became order ${claim.orderId}` }
  }
  await run(
    `UPDATE klarna_authorization SET status = 'cancelling', reason = COALESCE(reason, $2), updated_at = now()
      WHERE klarna_order_id = $1 AND status IN ('authorized', 'cancelling')`,
    [claim.klarnaOrderId, claim.reason],
  )
  return { orphan: true }
}
