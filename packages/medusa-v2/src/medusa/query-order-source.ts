/**
 * The engine's OrderSource for Medusa v2: reads an order with `query.graph` (the app's Query, handed over by
 * attach(): a module's own container has none) and maps it with the pure toSyncableOrder (src/lib).
 */
import type { KlarnaPluginOptions, OrderSource, SyncableOrder } from "@klarna-order-sync/core"
import { ORDER_FIELDS, RETURN_FIELDS, toSyncableOrder, type V2OrderGraph } from "../lib/order-snapshot"

/** What the source uses of Medusa's Query (structural, so this file needs no @medusajs types). */
export interface QueryGraph {
  graph(config: { entity: string; fields: string[]; filters?: Record<string, unknown> }): Promise<{ data: unknown[] }>
}

export class QueryOrderSource implements OrderSource {
  private query: QueryGraph | null = null

  constructor(private readonly options: KlarnaPluginOptions) {}

  attach(query: QueryGraph): void {
    this.query = query
  }

  async loadOrder(orderId: string): Promise<SyncableOrder | null> {
    const order = await this.loadGraph(orderId)
    return order ? toSyncableOrder(order, this.options) : null
  }

  /** The order as query.graph returns it (null: no such order). */
  async loadGraph(orderId: string): Promise<V2OrderGraph | null> {
    if (!this.query) {
      throw new Error("klarna-order-sync: the order source is not attached yet (no subscriber, job or request has run since boot)")
    }
    const { data } = await this.query.graph({ entity: "order", fields: ORDER_FIELDS, filters: { id: orderId } })
    const order = (data[0] as V2OrderGraph | undefined) ?? null
    if (!order) return null
    const { data: returns } = await this.query.graph({ entity: "return", fields: RETURN_FIELDS, filters: { order_id: orderId } })
    return { ...order, returns: returns as V2OrderGraph["returns"] }
  }
}
