/**
 * What Klarna can still refund for a Medusa order, counted against Medusa's own refund rows.
 *
 * Klarna refunds are sent by the outbox after Medusa committed the refund (order.refund_created), so the
 * refunds Klarna already made are not enough: a refund Medusa recorded a second ago has no Klarna refund
 * yet, and a check that ignores it lets the next one through. Every Medusa refund of the order (paid
 * from the order's own payments) therefore counts, plus Klarna refunds that belong to no Medusa refund
 * (made in Klarna's portal, found by reconcile).
 */
import type { EntityManager } from "typeorm"
import type { RefundHeadroom } from "@klarna-order-sync/core"

export { refundRefusal } from "@klarna-order-sync/core"
export type { RefundHeadroom } from "@klarna-order-sync/core"

const HEADROOM_SQL = `
  SELECT k.klarna_order_id,
         COALESCE((SELECT sum(c.captured_amount) FROM klarna_capture c
                    WHERE c.platform = 'medusa' AND c.platform_order_id = $1 AND c.status = 'captured'), 0)::bigint AS captured,
         COALESCE((SELECT sum(r.amount) FROM refund r
                    WHERE r.order_id = $1
                      AND (r.payment_id IS NULL OR EXISTS (SELECT 1 FROM payment p WHERE p.id = r.payment_id AND p.order_id = $1))), 0)::bigint
           AS refunded_in_medusa,
         COALESCE((SELECT sum(kr.refunded_amount) FROM klarna_refund kr
                    WHERE kr.platform = 'medusa' AND kr.platform_order_id = $1 AND kr.status = 'refunded'
                      AND NOT EXISTS (SELECT 1 FROM refund r WHERE r.id = kr.platform_refund_id)), 0)::bigint AS refunded_elsewhere,
         EXISTS (SELECT 1 FROM klarna_sync_job j
                  WHERE j.platform = 'medusa' AND j.platform_order_id = $1
                    AND j.operation IN ('capture', 'capture_remaining') AND j.state IN ('pending', 'running')) AS captures_under_way
    FROM klarna_order k
   WHERE k.platform = 'medusa' AND k.platform_order_id = $1`

/** Null when the order is not a Klarna order the plugin knows. */
export async function refundHeadroom(manager: EntityManager, orderId: string): Promise<RefundHeadroom | null> {
  const rows = (await manager.query(HEADROOM_SQL, [orderId])) as {
    klarna_order_id: string
    captured: string
    refunded_in_medusa: string
    refunded_elsewhere: string
    captures_under_way: boolean
  }[]
  const row = rows[0]
  if (!row) return null
  const captured = Number(row.captured)
  const refunded = Number(row.refunded_in_medusa) + Number(row.refunded_elsewhere)
  return {
    klarnaOrderId: row.klarna_order_id,
    captured,
    refunded,
    refundable: captured - refunded,
    capturesUnderWay: row.captures_under_way,
  }
}
