/**
 * klarnaSyncService: the Medusa v1 face of the sync engine. Subscribers, the payment processor and the
 * admin routes call it. What it does is the core's PluginSync (shared with the Medusa v2 plugin); this class
 * wires Medusa v1's database, orders and payments into it: the order source, the sweep's candidates, the
 * refund headroom and the orphaned checkouts read Medusa v1's own tables (src/medusa/).
 * Registered by Medusa as `klarnaSyncService` (file name), constructed with (cradle, pluginOptions).
 */
import type { EntityManager } from "typeorm"
import { PluginSync, SqlCallGateState, SqlSyncStore, typeormSql, type SyncLogger } from "@klarna-order-sync/core"
import { medusaUserAgent } from "../medusa/klarna-clients"
import { MedusaOrderSource, type MedusaOrderReader } from "../medusa/order-source"
import { parsePluginOptions, type KlarnaPluginOptions } from "../medusa/plugin-options"
import { refundHeadroom } from "../medusa/refund-headroom"
import { claimOrphanedCheckout, orphansPastGrace, unorderedAuthorizationsOf } from "../medusa/orphan-authorizations"
import { sweepCandidates } from "../medusa/sweep-candidates"

export { KlarnaPaymentPendingError, KlarnaRefundRefused } from "@klarna-order-sync/core"

type OrderServiceLike = MedusaOrderReader & {
  retrieve(id: string, config?: { select?: string[] }): Promise<{ id: string; payment_status: string; status: string }>
  capturePayment(id: string): Promise<unknown>
  withTransaction(manager: EntityManager): OrderServiceLike
}

type InjectedDependencies = {
  manager: EntityManager
  orderService: OrderServiceLike
  logger: SyncLogger & { error(message: string, error?: unknown): void }
}

/**
 * Runs Medusa's OrderService in a transaction of its own. The shared instance must not be used from the
 * worker's concurrent lanes: Medusa v1 services keep the transaction of an atomicPhase_ on the instance, so
 * two lanes would run queries in each other's transaction ("Query runner already released").
 */
function orderServiceRunner(container: InjectedDependencies) {
  return <T>(work: (orders: OrderServiceLike) => Promise<T>): Promise<T> =>
    container.manager.transaction((manager) => work(container.orderService.withTransaction(manager)))
}

export default class KlarnaSyncService extends PluginSync {
  static readonly Events = {
    JOB_FAILED: "klarna.sync_failed",
  }

  private readonly manager_: EntityManager

  constructor(container: InjectedDependencies, options: unknown) {
    const parsed: KlarnaPluginOptions = parsePluginOptions(options)
    const withOrderService = orderServiceRunner(container)
    const manager = container.manager
    const sql = typeormSql(manager)
    // The root manager, never a request's transaction: the outbox commits on its own. The Medusa-only SQL
    // (the sweep, refund headroom, orphaned checkouts) reads Medusa v1's own tables, and the refund and order
    // checks run inside Medusa's transactions too (medusa/transaction-guards.ts).
    super({
      options: parsed,
      store: new SqlSyncStore(sql),
      orders: new MedusaOrderSource(
        { retrieveWithTotals: (id, config) => withOrderService((orders) => orders.retrieveWithTotals(id, config)) },
        parsed,
      ),
      payments: {
        onFullyCaptured: (orderId) => markMedusaPaymentCaptured(withOrderService, container.logger, orderId),
        claimOrphan: (cartId, klarnaOrderId, reason) => claimOrphanedCheckout(manager, cartId, klarnaOrderId, reason),
      },
      reads: {
        sweepCandidates: (query) => sweepCandidates(manager, { providerIds: parsed.klarnaProviderIds, ...query }),
        orderIdOfKlarnaOrder: (klarnaOrderId) => medusaOrderIdFor(manager, parsed.orderIdPath, klarnaOrderId),
        orderStatus: async (orderId) => (await withOrderService((orders) => orders.retrieve(orderId, { select: ["id", "status"] }))).status,
        refundHeadroom: (orderId) => refundHeadroom(manager, orderId),
        orphansPastGrace: (graceMs, limit) => orphansPastGrace(manager, graceMs, limit),
      },
      logger: container.logger,
      userAgentSuffix: medusaUserAgent(),
      // Klarna's rate limit is per credentials, for all servers: their gates share pauses and pace here.
      gateState: new SqlCallGateState(sql),
    })
    this.manager_ = manager
  }

  /** Completing the cart failed after its payment was authorized: cancel its Klarna order(s) at once. */
  async cartCompletionFailed(cartId: string, reason: string): Promise<void> {
    const orphans = await unorderedAuthorizationsOf(this.manager_, cartId)
    await this.queueOrphanCancels(orphans, `completion failed: ${reason}`)
  }

  /** The Klarna side of a canceled Medusa order is handled by the order.canceled subscriber. */
  async handlePaymentCanceled(_paymentData: Record<string, unknown>): Promise<void> {
    return
  }
}

async function markMedusaPaymentCaptured(
  withOrderService: ReturnType<typeof orderServiceRunner>,
  logger: InjectedDependencies["logger"],
  orderId: string,
): Promise<void> {
  const order = await withOrderService((orders) => orders.retrieve(orderId, { select: ["id", "payment_status", "status"] }))
  if (order.payment_status === "captured" || order.status === "canceled") return
  try {
    await withOrderService((orders) => orders.capturePayment(orderId))
  } catch (error) {
    logger.warn(`klarna-order-sync: could not mark the payment of order ${orderId} as captured in Medusa: ${(error as Error).message}`)
  }
}

/** The Medusa order of a payment, by the Klarna order id kept in its data (the processor only sees payment.data). */
async function medusaOrderIdFor(manager: EntityManager, orderIdPath: string, klarnaOrderId: string): Promise<string | undefined> {
  const rows = (await manager.query(
    `SELECT order_id FROM payment WHERE data #>> $1 = $2 AND order_id IS NOT NULL ORDER BY created_at LIMIT 1`,
    [`{${orderIdPath.split(".").join(",")}}`, klarnaOrderId],
  )) as { order_id: string }[]
  return rows[0]?.order_id
}
