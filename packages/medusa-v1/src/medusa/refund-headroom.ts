/**
 * What Klarna can still refund for a Medusa v1 order, counted against Medusa's own refund rows (the query
 * is the core's: plugin/refund-headroom-query.ts). Medusa v1's refunds are integer minor units; every
 * refund of the order paid from the order's own payments counts.
 */
import type { EntityManager } from "typeorm"
import { refundHeadroomOf, type PlatformRefunds, type RefundHeadroom } from "@klarna-order-sync/core"

export { refundRefusal } from "@klarna-order-sync/core"
export type { RefundHeadroom } from "@klarna-order-sync/core"

const MEDUSA_V1_REFUNDS: PlatformRefunds = {
  refundedSum: `SELECT sum(r.amount) FROM refund r
                 WHERE r.order_id = $1
                   AND (r.payment_id IS NULL OR EXISTS (SELECT 1 FROM payment p WHERE p.id = r.payment_id AND p.order_id = $1))`,
  hasPlatformRefund: `EXISTS (SELECT 1 FROM refund r WHERE r.id = kr.platform_refund_id)`,
  toMinorUnits: (sum) => Number(sum),
}

/** Null when the order is not a Klarna order the plugin knows. */
export function refundHeadroom(manager: EntityManager, orderId: string): Promise<RefundHeadroom | null> {
  return refundHeadroomOf((text, params) => manager.query(text, params) as Promise<unknown[]>, orderId, MEDUSA_V1_REFUNDS)
}
