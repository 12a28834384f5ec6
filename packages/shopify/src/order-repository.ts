/**
 * The klarna_shopify_order table (schema.ts) through the SQL port: the root one for reads, a
 * transaction's for the webhook writes.
 */
import type { SqlPort } from "@klarna-order-sync/core"
import type { KlarnaStatus } from "./klarna-order-id"
import type { ShopifyOrderState } from "./order-state"
import type { FulfillmentPayload, OrderPayload, RefundPayload, TransactionPayload } from "./payloads"

export interface ShopifyOrderRow {
  order_id: string
  shop_domain: string
  order_payload: OrderPayload | null
  fulfillments: Record<string, FulfillmentPayload>
  refunds: Record<string, RefundPayload>
  transactions: Record<string, TransactionPayload>
  klarna_order_id: string | null
  klarna_status: KlarnaStatus
  klarna_detail: string | null
  last_topic: string | null
  redacted_at: Date | null
  created_at: Date
  updated_at: Date
}

export function stateOf(row: ShopifyOrderRow): ShopifyOrderState {
  return { order: row.order_payload, fulfillments: row.fulfillments, refunds: row.refunds, transactions: row.transactions }
}

export class ShopifyOrderRepository {
  constructor(private readonly sql: SqlPort) {}

  async find(orderId: string): Promise<ShopifyOrderRow | null> {
    const rows = await this.sql.query<ShopifyOrderRow>(`SELECT * FROM klarna_shopify_order WHERE order_id = $1`, [orderId])
    return rows[0] ?? null
  }

  /** The order's row, created empty if new, locked until the caller's transaction ends. */
  async lock(orderId: string, shopDomain: string): Promise<ShopifyOrderRow> {
    await this.sql.query(`INSERT INTO klarna_shopify_order (order_id, shop_domain) VALUES ($1, $2) ON CONFLICT (order_id) DO NOTHING`, [
      orderId,
      shopDomain,
    ])
    const rows = await this.sql.query<ShopifyOrderRow>(`SELECT * FROM klarna_shopify_order WHERE order_id = $1 FOR UPDATE`, [orderId])
    if (!rows[0]) throw new Error(`klarna_shopify_order ${orderId} could not be created`)
    return rows[0]
  }

  async save(
    orderId: string,
    state: ShopifyOrderState,
    resolution: { klarna_order_id: string | null; klarna_status: KlarnaStatus; klarna_detail: string },
    topic: string,
  ): Promise<void> {
    await this.sql.query(
      `UPDATE klarna_shopify_order
          SET order_payload = $2, fulfillments = $3, refunds = $4, transactions = $5,
              klarna_order_id = $6, klarna_status = $7, klarna_detail = $8, last_topic = $9, updated_at = now()
        WHERE order_id = $1`,
      [
        orderId,
        state.order ? JSON.stringify(state.order) : null,
        JSON.stringify(state.fulfillments),
        JSON.stringify(state.refunds),
        JSON.stringify(state.transactions),
        resolution.klarna_order_id,
        resolution.klarna_status,
        resolution.klarna_detail,
        topic,
      ],
    )
  }

  /** Orders of `orderIds` this adapter holds (for a customer's data request). */
  async findMany(shopDomain: string, orderIds: string[]): Promise<ShopifyOrderRow[]> {
    if (orderIds.length === 0) return []
    return this.sql.query<ShopifyOrderRow>(
      `SELECT * FROM klarna_shopify_order WHERE shop_domain = $1 AND order_id = ANY($2) ORDER BY order_id`,
      [shopDomain, orderIds],
    )
  }

  async markRedacted(shopDomain: string, orderIds: string[]): Promise<number> {
    if (orderIds.length === 0) return 0
    const rows = await this.sql.query(
      `UPDATE klarna_shopify_order SET redacted_at = COALESCE(redacted_at, now()), updated_at = now()
        WHERE shop_domain = $1 AND order_id = ANY($2) RETURNING order_id`,
      [shopDomain, orderIds],
    )
    return rows.length
  }

  /**
   * shop/redact: deletes everything kept for the shop, in this table and in the engine's tables
   * (platform 'shopify'). Returns the number of orders removed.
   */
  async deleteShop(shopDomain: string): Promise<number> {
    const ids = (
      await this.sql.query<{ order_id: string }>(`SELECT order_id FROM klarna_shopify_order WHERE shop_domain = $1`, [shopDomain])
    ).map((row) => row.order_id)
    if (ids.length === 0) return 0
    // klarna_sync_attempt goes with its job (ON DELETE CASCADE).
    for (const table of ["klarna_sync_job", "klarna_capture", "klarna_refund", "klarna_order"]) {
      await this.sql.query(`DELETE FROM ${table} WHERE platform = 'shopify' AND platform_order_id = ANY($1)`, [ids])
    }
    await this.sql.query(`DELETE FROM klarna_shopify_order WHERE shop_domain = $1`, [shopDomain])
    return ids.length
  }
}
