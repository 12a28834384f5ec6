/**
 * What Klarna can still refund for a platform order (PlatformReads.refundHeadroom), counted against the
 * platform's own refund rows. Klarna refunds are sent by the outbox after the platform committed its refund,
 * so the refunds Klarna already made are not enough: a refund recorded a second ago has no Klarna refund yet,
 * and a check that ignores it lets the next one through. Every platform refund of the order (of its Klarna
 * payment) therefore counts, plus Klarna refunds that belong to no platform refund (made in Klarna's portal,
 * found by reconcile). The platform gives the SQL over its own refunds; this adds the plugin's tables.
 */
import type { RefundHeadroom } from "../sync/refund-headroom"
import type { RunSql } from "./sweep-query"

export interface PlatformRefunds {
  /** SQL: the sum of the platform's refunds of the order $1, as the platform stores amounts (text is fine). */
  refundedSum: string
  /** SQL: whether the platform has the refund `kr.platform_refund_id` (a condition). */
  hasPlatformRefund: string
  /** The platform's refunded sum in the currency's minor units (e.g. v2's major-unit decimals, converted exactly). */
  toMinorUnits(sum: string, currency: string): number
}

/** Null when the order is not a Klarna order the plugin knows. */
export async function refundHeadroomOf(run: RunSql, orderId: string, refunds: PlatformRefunds): Promise<RefundHeadroom | null> {
  const [row] = (await run(
    `SELECT k.klarna_order_id, k.currency,
            COALESCE((SELECT sum(c.captured_amount) FROM klarna_capture c
                       WHERE c.platform = 'medusa' AND c.platform_order_id = $1 AND c.status = 'captured'), 0)::bigint AS captured,
            COALESCE((${refunds.refundedSum}), 0)::text AS refunded_in_platform,
            COALESCE((SELECT sum(kr.refunded_amount) FROM klarna_refund kr
                       WHERE kr.platform = 'medusa' AND kr.platform_order_id = $1 AND kr.status = 'refunded'
                         AND NOT (${refunds.hasPlatformRefund})), 0)::bigint AS refunded_elsewhere,
            EXISTS (SELECT 1 FROM klarna_sync_job j
                     WHERE j.platform = 'medusa' AND j.platform_order_id = $1
                       AND j.operation IN ('capture', 'capture_remaining') AND j.state IN ('pending', 'running')) AS captures_under_way
       FROM klarna_order k
      WHERE k.platform = 'medusa' AND k.platform_order_id = $1`,
    [orderId],
  )) as {
    klarna_order_id: string
    currency: string
    captured: string
    refunded_in_platform: string
    refunded_elsewhere: string
    captures_under_way: boolean
  }[]
  if (!row) return null
  const captured = Number(row.captured)
  const refunded = refunds.toMinorUnits(row.refunded_in_platform, row.currency) + Number(row.refunded_elsewhere)
  return {
    klarnaOrderId: row.klarna_order_id,
    captured,
    refunded,
    refundable: captured - refunded,
    capturesUnderWay: row.captures_under_way,
  }
}
