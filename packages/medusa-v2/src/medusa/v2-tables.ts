/**
 * The reads of Medusa v2's own tables the plugin needs that query.graph cannot do (a payment found by a value
 * inside its `data`, the changes since a point in time across modules, sums), in SQL through the Knex
 * connection the module gets. Medusa v2 keeps every module in one database by default; module links are
 * tables (order_payment_collection, order_fulfillment). Amounts in v2 tables are major-unit decimals: sums
 * are read as text and converted exactly (src/money). The sweep's query and the refund headroom's are the
 * core's (plugin/sweep-query.ts, plugin/refund-headroom-query.ts); the v2 parts are here.
 */
import {
  refundHeadroomOf,
  settleOrphanClaim,
  sweepPage,
  type KlarnaPluginOptions,
  type OrphanCandidate,
  type OrphanVerdict,
  type PlatformReads,
  type PlatformRefunds,
  type RefundHeadroom,
  type SqlPort,
  type SweepPage,
  type SweepPosition,
  type SweepSource,
} from "@klarna-order-sync/core"
import { v2AmountToMinorUnits } from "../money/v2-amounts"

/** Payments of the plugin's provider (pp_klarna_<id>, whatever id the store registered it under). */
const KLARNA_PAYMENT = `p.provider_id LIKE 'pp\\_klarna\\_%'`

/** The live payments of the orders' live payment collections (FROM … JOINs; the caller adds WHERE). */
const ORDER_PAYMENTS = `order_payment_collection opc
  JOIN payment p ON p.payment_collection_id = opc.payment_collection_id AND p.deleted_at IS NULL AND opc.deleted_at IS NULL`

/** Medusa v2's Klarna-paid orders and where their changes are (fulfillments, labels, refunds, returns). */
const V2_SWEEP_SOURCE: SweepSource = {
  klarnaPaidOrders: `SELECT o.id, o.created_at, o.updated_at, o.canceled_at FROM "order" o
    WHERE o.deleted_at IS NULL AND EXISTS (SELECT 1 FROM ${ORDER_PAYMENTS} WHERE opc.order_id = o.id AND ${KLARNA_PAYMENT})`,
  orderChanges: [
    `SELECT max(GREATEST(f.created_at, f.updated_at, f.shipped_at, f.canceled_at))
       FROM order_fulfillment ofl JOIN fulfillment f ON f.id = ofl.fulfillment_id WHERE ofl.order_id = c.id`,
    `SELECT max(GREATEST(l.created_at, l.updated_at))
       FROM order_fulfillment ofl JOIN fulfillment_label l ON l.fulfillment_id = ofl.fulfillment_id WHERE ofl.order_id = c.id`,
    `SELECT max(GREATEST(r.created_at, r.updated_at)) FROM ${ORDER_PAYMENTS} JOIN refund r ON r.payment_id = p.id WHERE opc.order_id = c.id`,
    `SELECT max(GREATEST(ret.created_at, ret.updated_at, ret.received_at)) FROM "return" ret WHERE ret.order_id = c.id`,
  ],
  params: [],
}

/** Every refund of the order's Klarna payments counts (committed ones: Klarna's refund may still be in the outbox). */
const V2_REFUNDS: PlatformRefunds = {
  refundedSum: `SELECT sum(r.amount) FROM ${ORDER_PAYMENTS} JOIN refund r ON r.payment_id = p.id AND r.deleted_at IS NULL
                 WHERE opc.order_id = $1 AND ${KLARNA_PAYMENT}`,
  hasPlatformRefund: `EXISTS (SELECT 1 FROM refund r WHERE r.id = kr.platform_refund_id)`,
  toMinorUnits: (sum, currency) => v2AmountToMinorUnits(sum, currency, "refunds"),
}

export class V2Tables implements PlatformReads {
  private readonly run: (text: string, params: unknown[]) => Promise<unknown[]>

  constructor(
    private readonly sql: SqlPort,
    private readonly options: Pick<KlarnaPluginOptions, "orderIdPath">,
  ) {
    this.run = (text, params) => sql.query(text, params)
  }

  sweepCandidates(query: { after: SweepPosition | null; graceMs: number; limit: number }): Promise<SweepPage> {
    return sweepPage(this.run, V2_SWEEP_SOURCE, query)
  }

  refundHeadroom(orderId: string): Promise<RefundHeadroom | null> {
    return refundHeadroomOf(this.run, orderId, V2_REFUNDS)
  }

  /** The order a payment belongs to (payment events carry only the payment's id). */
  async orderIdOfPayment(paymentId: string): Promise<string | undefined> {
    const [row] = await this.sql.query<{ order_id: string }>(
      `SELECT opc.order_id FROM ${ORDER_PAYMENTS} WHERE p.id = $1 ORDER BY opc.created_at LIMIT 1`,
      [paymentId],
    )
    return row?.order_id
  }

  /** The order paid with a Klarna order, found by the id kept at orderIdPath (dot path) of the payment's data. */
  async orderIdOfKlarnaOrder(klarnaOrderId: string): Promise<string | undefined> {
    const [row] = await this.sql.query<{ order_id: string }>(
      `SELECT opc.order_id FROM ${ORDER_PAYMENTS} WHERE ${KLARNA_PAYMENT} AND p.data #>> $1 = $2 ORDER BY p.created_at LIMIT 1`,
      [this.orderIdPathArray(), klarnaOrderId],
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

  /**
   * Authorizations of a checkout whose cart became an order paid with their Klarna order are recorded as
   * ordered (v2 has no hook inside its order creation: the order.placed subscriber and the sweep do it), so
   * that only real orphans stay "authorized".
   */
  async markOrdered(orderId?: string): Promise<void> {
    await this.sql.query(
      `UPDATE klarna_authorization a SET status = 'ordered', platform_order_id = paid.order_id, updated_at = now()
         FROM (SELECT opc.order_id, p.data #>> $1 AS klarna_order_id FROM ${ORDER_PAYMENTS}
                WHERE ${KLARNA_PAYMENT} AND ($2::text IS NULL OR opc.order_id = $2)) paid
        WHERE a.platform = 'medusa' AND a.status = 'authorized' AND a.klarna_order_id = paid.klarna_order_id`,
      [this.orderIdPathArray(), orderId ?? null],
    )
  }

  /** Checkouts' Klarna orders with no order paid with them `graceMs` after they were created. */
  async orphansPastGrace(graceMs: number, limit: number): Promise<OrphanCandidate[]> {
    await this.markOrdered()
    return this.sql.query<OrphanCandidate>(
      `SELECT a.checkout_id, a.klarna_order_id, a.currency FROM klarna_authorization a
        WHERE a.platform = 'medusa' AND a.status = 'authorized' AND a.created_at < now() - make_interval(secs => $1::float8 / 1000)
        ORDER BY a.created_at
        LIMIT $2`,
      [graceMs, limit],
    )
  }

  /**
   * The cancel_orphan job's last check: an order paid with the Klarna order (then not an orphan: recorded as
   * ordered), or none (then marked cancelling). In one transaction, so two workers agree.
   */
  claimOrphan(checkoutId: string, klarnaOrderId: string, reason: string): Promise<OrphanVerdict> {
    return this.sql.transaction(async (tx) => {
      await tx.query(`SELECT 1 FROM klarna_authorization WHERE klarna_order_id = $1 FOR UPDATE`, [klarnaOrderId])
      const [order] = await tx.query<{ order_id: string }>(
        `SELECT opc.order_id FROM ${ORDER_PAYMENTS} WHERE ${KLARNA_PAYMENT} AND p.data #>> $1 = $2 LIMIT 1`,
        [this.orderIdPathArray(), klarnaOrderId],
      )
      return settleOrphanClaim((text, params) => tx.query(text, params), {
        checkoutId,
        klarnaOrderId,
        orderId: order?.order_id,
        reason,
      })
    })
  }

  async orderStatus(orderId: string): Promise<string | undefined> {
    const [row] = await this.sql.query<{ status: string }>(`SELECT status FROM "order" WHERE id = $1 AND deleted_at IS NULL`, [orderId])
    return row?.status
  }

  /** orderIdPath as a PostgreSQL text[] path for `#>>`. */
  private orderIdPathArray(): string {
    return `{${this.options.orderIdPath.split(".").join(",")}}`
  }
}
