/**
 * OrderSource for Shopify, built from stored webhook payloads (klarna_shopify_order) rather than the
 * Admin API: webhooks carry the whole order, fulfillment and refund, and the engine re-reads the order
 * every time it acts, so the latest payloads are all it needs. An order whose Klarna order id is not
 * resolved, or that was not paid through a Klarna gateway, is returned without a Klarna order id: the
 * engine then leaves it alone.
 */
import type { SqlPort } from "@klarna-order-sync/core"
import type { OrderSource, SyncableOrder } from "@klarna-order-sync/core"
import { toSnapshot } from "./map-order"
import type { ShopifyAdapterOptions } from "./options"
import { ShopifyOrderRepository, stateOf } from "./order-repository"

export class ShopifyOrderSource implements OrderSource {
  private readonly orders: ShopifyOrderRepository

  constructor(
    sql: SqlPort,
    private readonly options: ShopifyAdapterOptions,
  ) {
    this.orders = new ShopifyOrderRepository(sql)
  }

  async loadOrder(orderId: string): Promise<SyncableOrder | null> {
    const row = await this.orders.find(orderId)
    if (!row || !row.order_payload) return null
    const klarnaOrderId = row.klarna_status === "klarna" ? row.klarna_order_id : null
    return toSnapshot(stateOf(row), klarnaOrderId, this.options)
  }
}
