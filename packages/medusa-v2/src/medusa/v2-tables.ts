/**
 * The few reads of Medusa v2's own tables that query.graph cannot do (a payment found by a value inside its
 * `data`, the changes since a point in time over several modules, sums), in SQL through the Knex connection
 * the module gets. Medusa v2 keeps every module in one database by default; the module links are tables
 * (order_payment_collection, order_fulfillment). Amounts in v2 tables are major-unit decimals: sums are
 * read as text and converted exactly (src/money).
 */
import type { RefundHeadroom, SqlPort } from "@klarna-order-sync/core"
import { v2AmountToMinorUnits } from "../money/v2-amounts"

/** Where the next sweep continues: after this change (PostgreSQL's text of it: a Date loses microseconds). */
export interface SweepPosition {
  changedAt: string
  orderId: string
}

export interface SweepPage {
  orderIds: string[]
  next: SweepPosition
}

/** Payments of the plugin's provider (pp_klarna_<id>, whatever id the store registered it under). */
const KLARNA_PAYMENT = `p.provider_id LIKE 'pp\\_klarna\\_%'`

/** The live payments of the orders' live payment collections (FROM … JOINs; the caller adds WHERE). */
const ORDER_PAYMENTS = `order_payment_collection opc
  JOIN payment p ON p.payment_collection_id = opc.payment_collection_id AND p.deleted_at IS NULL AND opc.deleted_at IS NULL`

/**
 * A server that starts without a position looks back this far before the outbox's latest activity: events
 * lost when the previous server stopped are older than that activity by at most the time a workflow takes.
 */
const START_LOOKBACK = "1 hour"

/** $1/$2 the position (null: start), $3 grace, $4 limit. */
const CANDIDATES_SQL = `
  WITH klarna_paid AS (
    SELECT o.id, o.created_at, o.updated_at, o.canceled_at FROM "order" o
     WHERE o.deleted_at IS NULL
       AND EXISTS (SELECT 1 FROM ${ORDER_PAYMENTS} WHERE opc.order_id = o.id AND ${KLARNA_PAYMENT})
  ), changed AS (
    SELECT c.id, GREATEST(
             c.created_at, c.updated_at, c.canceled_at,
             (SELECT max(GREATEST(f.created_at, f.updated_at, f.shipped_at, f.canceled_at))
                FROM order_fulfillment ofl JOIN fulfillment f ON f.id = ofl.fulfillment_id WHERE ofl.order_id = c.id),
             (SELECT max(GREATEST(l.created_at, l.updated_at))
                FROM order_fulfillment ofl JOIN fulfillment_label l ON l.fulfillment_id = ofl.fulfillment_id WHERE ofl.order_id = c.id),
             (SELECT max(GREATEST(r.created_at, r.updated_at))
                FROM ${ORDER_PAYMENTS} JOIN refund r ON r.payment_id = p.id WHERE opc.order_id = c.id),
             (SELECT max(GREATEST(ret.created_at, ret.updated_at, ret.received_at)) FROM "return" ret WHERE ret.order_id = c.id),
             (SELECT max(k.updated_at) FROM klarna_order k WHERE k.platform = 'medusa' AND k.platform_order_id = c.id),
             (SELECT max(j.updated_at) FROM klarna_sync_job j WHERE j.platform = 'medusa' AND j.platform_order_id = c.id)
           ) AS changed_at
      FROM klarna_paid c
  ), since AS (
    SELECT COALESCE($1::timestamptz,
                    (SELECT max(j.updated_at) FROM klarna_sync_job j WHERE j.platform = 'medusa') - '${START_LOOKBACK}'::interval,
                    '-infinity'::timestamptz) AS changed_at,
           COALESCE($2::text, '') AS order_id
  )
  SELECT changed.id, changed.changed_at::text AS changed_at, (now() - $3::interval)::text AS settled_before
    FROM changed, since
   WHERE changed.changed_at < now() - $3::interval
     AND (changed.changed_at, changed.id) > (since.changed_at, since.order_id)
   ORDER BY changed.changed_at, changed.id
   LIMIT $4`

export class V2Tables {
  constructor(private readonly sql: SqlPort) {}

  /**
   * Klarna-paid orders whose state changed since `after` and before now − grace (what changed later is left
   * to its event, and seen by a later sweep), oldest change first.
   */
  async sweepCandidates(query: { after: SweepPosition | null; graceMs: number; limit: number }): Promise<SweepPage> {
    const rows = await this.sql.query<{ id: string; changed_at: string; settled_before: string }>(CANDIDATES_SQL, [
      query.after?.changedAt ?? null,
      query.after?.orderId ?? null,
      `${query.graceMs} milliseconds`,
      query.limit,
    ])
    const last = rows[rows.length - 1]
    if (last && rows.length >= query.limit)
      return { orderIds: rows.map((r) => r.id), next: { changedAt: last.changed_at, orderId: last.id } }
    const settled =
      last?.settled_before ??
      (await this.sql.query<{ s: string }>(`SELECT (now() - $1::interval)::text AS s`, [`${query.graceMs} milliseconds`]))[0].s
    return { orderIds: rows.map((r) => r.id), next: { changedAt: settled, orderId: "" } }
  }

  /** The order a payment belongs to (payment events carry only the payment's id). */
  async orderIdOfPayment(paymentId: string): Promise<string | undefined> {
    const [row] = await this.sql.query<{ order_id: string }>(
      `SELECT opc.order_id FROM ${ORDER_PAYMENTS} WHERE p.id = $1 ORDER BY opc.created_at LIMIT 1`,
      [paymentId],
    )
    return row?.order_id
  }

  /** The order paid with a Klarna order, found by the id kept at `path` (dot path) of the payment's data. */
  async orderIdOfKlarnaOrder(path: string, klarnaOrderId: string): Promise<string | undefined> {
    const [row] = await this.sql.query<{ order_id: string }>(
      `SELECT opc.order_id FROM ${ORDER_PAYMENTS} WHERE ${KLARNA_PAYMENT} AND p.data #>> $1 = $2 ORDER BY p.created_at LIMIT 1`,
      [`{${path.split(".").join(",")}}`, klarnaOrderId],
    )
    return row?.order_id
  }

  /** The order's Klarna payment that Medusa has not marked captured yet, if any. */
  async uncapturedKlarnaPaymentOf(orderId: string): Promise<string | undefined> {
    const [row] = await this.sql.query<{ id: string }>(
      `SELECT p.id FROM ${ORDER_PAYMENTS} WHERE opc.order_id = $1 AND ${KLARNA_PAYMENT}
          AND p.captured_at IS NULL AND p.canceled_at IS NULL ORDER BY p.created_at LIMIT 1`,
      [orderId],
    )
    return row?.id
  }

  async orderStatus(orderId: string): Promise<string | undefined> {
    const [row] = await this.sql.query<{ status: string }>(`SELECT status FROM "order" WHERE id = $1 AND deleted_at IS NULL`, [orderId])
    return row?.status
  }

  /**
   * What Klarna can still refund for the order: captured less every Medusa refund of the order's Klarna
   * payments (committed ones: Klarna's refund may still be in the outbox) and Klarna refunds that belong to no
   * Medusa refund. Null when the plugin does not know the order.
   */
  async refundHeadroom(orderId: string): Promise<RefundHeadroom | null> {
    const [row] = await this.sql.query<{
      klarna_order_id: string
      currency: string
      captured: string
      refunded_in_medusa: string
      refunded_elsewhere: string
      captures_under_way: boolean
    }>(
      `SELECT k.klarna_order_id, k.currency,
              COALESCE((SELECT sum(c.captured_amount) FROM klarna_capture c
                         WHERE c.platform = 'medusa' AND c.platform_order_id = $1 AND c.status = 'captured'), 0)::text AS captured,
              COALESCE((SELECT sum(r.amount) FROM ${ORDER_PAYMENTS}
                          JOIN refund r ON r.payment_id = p.id AND r.deleted_at IS NULL
                         WHERE opc.order_id = $1 AND ${KLARNA_PAYMENT}), 0)::text AS refunded_in_medusa,
              COALESCE((SELECT sum(kr.refunded_amount) FROM klarna_refund kr
                         WHERE kr.platform = 'medusa' AND kr.platform_order_id = $1 AND kr.status = 'refunded'
                           AND NOT EXISTS (SELECT 1 FROM refund r WHERE r.id = kr.platform_refund_id)), 0)::text AS refunded_elsewhere,
              EXISTS (SELECT 1 FROM klarna_sync_job j
                       WHERE j.platform = 'medusa' AND j.platform_order_id = $1
                         AND j.operation IN ('capture', 'capture_remaining') AND j.state IN ('pending', 'running')) AS captures_under_way
         FROM klarna_order k
        WHERE k.platform = 'medusa' AND k.platform_order_id = $1`,
      [orderId],
    )
    if (!row) return null
    const captured = Number(row.captured)
    const refunded = v2AmountToMinorUnits(row.refunded_in_medusa, row.currency, "refunds") + Number(row.refunded_elsewhere)
    return {
      klarnaOrderId: row.klarna_order_id,
      captured,
      refunded,
      refundable: captured - refunded,
      capturesUnderWay: row.captures_under_way,
    }
  }
}
