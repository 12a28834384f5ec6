/**
 * klarnaSyncService: the Medusa v1 face of the sync engine. Subscribers, the payment processor and
 * the admin routes call it; it wires Medusa's database, orders and payments into the engine's ports.
 * Registered by Medusa as `klarnaSyncService` (file name), constructed with (cradle, pluginOptions).
 */
import { TransactionBaseService } from "@medusajs/medusa"
import type { EntityManager } from "typeorm"
import { SyncEngine, type EventOutcome } from "@klarna-order-sync/core"
import { reconcileOrder, type ReconcileReport } from "@klarna-order-sync/core"
import { SyncWorker } from "@klarna-order-sync/core"
import { SqlSyncStore } from "@klarna-order-sync/core"
import { typeormSql } from "@klarna-order-sync/core"
import type { JobRecord, SyncLogger } from "@klarna-order-sync/core"
import { clientForCurrency } from "../medusa/klarna-clients"
import { klarnaOrderIdAt } from "../medusa/klarna-payment-of"
import { MedusaOrderSource, type MedusaOrderReader } from "../medusa/order-source"
import { parsePluginOptions, providerForCurrency, type KlarnaPluginOptions } from "../medusa/plugin-options"
import type { KlarnaProvider } from "@klarna-order-sync/core"
import { refundHeadroom, refundRefusal } from "../medusa/refund-headroom"
import { claimOrphanedCheckout, orphansPastGrace, unorderedAuthorizationsOf, type OrphanCandidate } from "../medusa/orphan-authorizations"
import type { CheckoutAuthorizationRecord, OrphanListing } from "@klarna-order-sync/core"
import { buildOrderView, KlarnaRefundRefused, type KlarnaOrderView } from "@klarna-order-sync/core"
import { sweepCandidates, type SweepPosition } from "../medusa/sweep-candidates"

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

/** How long Medusa's "Capture payment" waits for Klarna before answering that the capture is queued. */
const CAPTURE_WAIT_MS = 30_000

export class KlarnaPaymentPendingError extends Error {
  override readonly name = "KlarnaPaymentPendingError"
}

export default class KlarnaSyncService extends TransactionBaseService {
  static readonly Events = {
    JOB_FAILED: "klarna.sync_failed",
  }

  readonly options: KlarnaPluginOptions
  readonly engine: SyncEngine
  private readonly store: SqlSyncStore
  private readonly orderService_: InjectedDependencies["orderService"]
  private readonly logger_: InjectedDependencies["logger"]
  private worker: SyncWorker | null = null
  /** Where the next lost-event sweep continues (null: from the outbox's latest activity, see sweep-candidates.ts). */
  private sweepFrom: SweepPosition | null = null
  /** Orders the last sweep could not converge: tried again by the next one. */
  private sweepAgain: string[] = []

  constructor(container: InjectedDependencies, options: unknown) {
    super(container, options as Record<string, unknown>)
    this.options = parsePluginOptions(options)
    this.orderService_ = container.orderService
    this.logger_ = container.logger
    // The root manager, never a request's transaction: the outbox commits on its own. The Medusa-only SQL
    // (the sweep, refund headroom, orphaned checkouts) stays on manager_: it reads Medusa v1's own tables,
    // and the refund and order checks run inside Medusa's transactions (medusa/transaction-guards.ts).
    this.store = new SqlSyncStore(typeormSql(container.manager))
    const { worker } = this.options
    this.engine = new SyncEngine({
      store: this.store,
      orders: new MedusaOrderSource(
        { retrieveWithTotals: (id, config) => this.withOrderService((orders) => orders.retrieveWithTotals(id, config)) },
        this.options,
      ),
      klarna: { forCurrency: (currency) => clientForCurrency(this.options, currency, { logger: this.logger_ }) },
      payments: {
        onFullyCaptured: (orderId) => this.markMedusaPaymentCaptured(orderId),
        claimOrphan: (cartId, klarnaOrderId, reason) => claimOrphanedCheckout(this.manager_, cartId, klarnaOrderId, reason),
      },
      authorizations: this.store,
      logger: this.logger_,
      options: {
        platform: "medusa",
        maxAttempts: worker.maxAttempts,
        backoff: { baseMs: worker.baseBackoffMs, maxMs: worker.maxBackoffMs },
        leaseMs: worker.leaseMs,
        autoRelease: this.options.autoRelease,
        captureOn: this.options.captureOn,
        merchantReferences: true,
      },
    })
  }

  // ---- Lifecycle -----------------------------------------------------------------------------

  startWorker(): void {
    if (this.worker || !this.options.worker.enabled) return
    const { pollIntervalMs, sweepIntervalMs, concurrency } = this.options.worker
    this.worker = new SyncWorker(
      this.engine,
      {
        pollIntervalMs,
        concurrency,
        sweep: sweepIntervalMs > 0 ? { intervalMs: sweepIntervalMs, run: async () => void (await this.sweep()) } : undefined,
      },
      this.logger_,
    )
    this.worker.start()
    this.logger_.info(`klarna-order-sync: sync worker ${this.worker.id} started`)
  }

  async stopWorker(): Promise<void> {
    await this.worker?.stop()
    this.worker = null
  }

  /**
   * Catches up on lost events. Medusa's local event bus deletes a staged event once it has dispatched it, so
   * a server killed between the dispatch and our subscriber loses the event; the job key makes a late
   * duplicate harmless, but nothing re-sends a lost one. This converges every Klarna-paid order that changed
   * since the previous sweep looked (src/medusa/sweep-candidates.ts): the planner queues what the order's
   * state calls for and no job stands for yet (a fulfillment's capture, new tracking, a refund, the cancel,
   * the merchant references, the release), and Medusa's payment is marked captured when Klarna holds it all.
   * Runs at worker start and every worker.sweepIntervalMs.
   */
  async sweep(limit = 500): Promise<{ orders: number; queued: string[]; failed: number }> {
    // Never in the way of the lost-event sweep below.
    await this.sweepOrphans(limit).catch((error: Error) =>
      this.logger_.warn(`klarna-order-sync: the orphan sweep failed: ${error.message}`),
    )
    const page = await sweepCandidates(this.manager_, {
      providerIds: this.options.klarnaProviderIds,
      after: this.sweepFrom,
      // Younger than a sweep interval (at most a minute, at least 5 s): its event is probably still on the bus.
      graceMs: Math.min(Math.max(this.options.worker.sweepIntervalMs, 5000), 60_000),
      limit,
    })
    this.sweepFrom = page.next
    const orderIds = [...new Set([...this.sweepAgain, ...page.orderIds])]
    if (orderIds.length === 0) return { orders: 0, queued: [], failed: 0 }
    const { failedOrderIds, ...result } = await this.engine.sweep(orderIds)
    this.sweepAgain = failedOrderIds
    // Most converged orders were in step: only a sweep that found work is worth a line in the log.
    if (result.queued.length > 0 || result.failed > 0) {
      this.logger_.info(
        `klarna-order-sync: sweep converged ${result.orders} order(s), queued ${result.queued.length} missing job(s)` +
          (result.failed > 0 ? `, ${result.failed} failed` : "") +
          (result.queued.length > 0 ? `: ${result.queued.slice(0, 20).join(" ")}${result.queued.length > 20 ? " …" : ""}` : ""),
      )
    }
    return result
  }

  /**
   * Klarna orders created at checkout whose cart has no order paid with them orphanGraceMs after they were
   * created (the completion failed unseen, e.g. the server died, or the shopper left after authorizing):
   * each gets a cancel_orphan job, which checks again under the cart's lock before Klarna is called.
   */
  private async sweepOrphans(limit: number): Promise<void> {
    const grace = this.options.orphanGraceMs
    const orphans = await orphansPastGrace(this.manager_, grace, limit)
    await this.queueOrphanCancels(orphans, `no order for the cart ${Math.round(grace / 1000)} s after its Klarna order was created`)
  }

  private async queueOrphanCancels(orphans: OrphanCandidate[], reason: string): Promise<void> {
    for (const orphan of orphans) {
      const job = await this.engine.cancelOrphan({
        checkoutId: orphan.checkout_id,
        klarnaOrderId: orphan.klarna_order_id,
        currency: orphan.currency,
        reason,
      })
      this.logger_.warn(
        `klarna-order-sync: Klarna order ${orphan.klarna_order_id} of cart ${orphan.checkout_id} has no Medusa order (${reason}); ` +
          `cancel queued as job ${job.id}`,
      )
    }
    if (orphans.length > 0) this.worker?.nudge()
  }

  // ---- Checkout: Klarna orders created by the payment processor -------------------------------------

  /** The processor created a Klarna order for a cart (committed at once: it must outlive a failed completion). */
  recordCheckoutAuthorization(cartId: string, klarnaOrderId: string, currency: string, amount: number): Promise<void> {
    return this.store.recordAuthorization({ platform: "medusa", checkout_id: cartId, klarna_order_id: klarnaOrderId, currency, amount })
  }

  findCheckoutAuthorization(klarnaOrderId: string): Promise<CheckoutAuthorizationRecord | null> {
    return this.store.findAuthorization(klarnaOrderId)
  }

  /** Completing the cart failed after its payment was authorized: cancel its Klarna order(s) at once. */
  async cartCompletionFailed(cartId: string, reason: string): Promise<void> {
    const orphans = await unorderedAuthorizationsOf(this.manager_, cartId)
    await this.queueOrphanCancels(orphans, `completion failed: ${reason}`)
  }

  listOrphans(limit = 200): Promise<OrphanListing[]> {
    return this.store.listOrphanAuthorizations("medusa", limit)
  }

  // ---- Events (subscribers) --------------------------------------------------------------------

  orderPlaced(orderId: string): Promise<EventOutcome> {
    return this.engine.orderPlaced(orderId)
  }

  fulfillmentCreated(orderId: string, fulfillmentId: string): Promise<EventOutcome> {
    return this.engine.fulfillmentCreated(orderId, fulfillmentId)
  }

  shipmentCreated(orderId: string, fulfillmentId: string): Promise<EventOutcome> {
    return this.engine.shipmentCreated(orderId, fulfillmentId)
  }

  refundCreated(orderId: string, refundId: string): Promise<EventOutcome> {
    return this.engine.refundCreated(orderId, refundId)
  }

  orderCanceled(orderId: string): Promise<EventOutcome> {
    return this.engine.orderCanceled(orderId)
  }

  /** Something changed on the order that its event does not say (items returned, a fulfillment canceled): converge. */
  converge(orderId: string): Promise<EventOutcome> {
    return this.engine.converge(orderId)
  }

  // ---- The payment processor's capture / refund / cancel (one writer: all go through here) -------

  /**
   * Medusa's "Capture payment": capture what the fulfillments have not captured yet, or nothing when
   * they captured it all. Waits for Klarna's answer so the merchant sees the result.
   */
  async captureRemainingForPayment(paymentData: Record<string, unknown>): Promise<void> {
    const klarnaOrderId = klarnaOrderIdAt(paymentData, this.options.orderIdPath)
    if (!klarnaOrderId) throw new Error("klarna-order-sync: this payment has no Klarna order id; nothing can be captured")
    const orderId = await this.medusaOrderIdFor(klarnaOrderId)
    if (!orderId) {
      // A swap's or claim's own payment: the engine syncs orders only.
      throw new Error(
        `klarna-order-sync: Klarna order ${klarnaOrderId} is not the payment of a Medusa order (a swap or claim payment?); ` +
          "the plugin does not capture it: capture it in Klarna's merchant portal",
      )
    }
    const outcome = await this.engine.captureRemaining(orderId)
    if (!outcome.handled) throw new Error(`klarna-order-sync: ${outcome.reason}`)
    const [job] = outcome.jobs
    // No job: the fulfillments captured it all already (this is also how the engine marks Medusa's payment captured).
    if (!job) return
    this.worker?.nudge()
    const finished = await this.engine.waitForJob(job.id, CAPTURE_WAIT_MS)
    if (finished.state === "failed") {
      throw new Error(`Klarna refused the capture: ${finished.last_error ?? "unknown error"}`)
    }
    if (finished.state !== "succeeded" && finished.state !== "skipped") {
      throw new KlarnaPaymentPendingError(
        "The Klarna capture is queued and will be retried automatically; see the Klarna panel of the order",
      )
    }
  }

  /**
   * Refuses a Medusa refund that Klarna would refuse, before Medusa records it: a quick answer from
   * committed rows. The check that holds under concurrency runs again inside Medusa's transaction
   * (src/medusa/transaction-guards.ts).
   */
  async assertRefundable(paymentData: Record<string, unknown>, amount: number): Promise<void> {
    const klarnaOrderId = klarnaOrderIdAt(paymentData, this.options.orderIdPath)
    const orderId = klarnaOrderId ? await this.medusaOrderIdFor(klarnaOrderId) : undefined
    if (!orderId) return
    const headroom = await refundHeadroom(this.manager_, orderId)
    const refusal = headroom && refundRefusal(headroom, amount)
    if (refusal) throw new Error(refusal)
  }

  /** The Klarna side of a canceled Medusa order is handled by the order.canceled subscriber. */
  async handlePaymentCanceled(_paymentData: Record<string, unknown>): Promise<void> {
    return
  }

  // ---- Admin -------------------------------------------------------------------------------------

  async getOrderView(orderId: string): Promise<KlarnaOrderView | null> {
    const mapping = await this.store.findMapping("medusa", orderId)
    if (!mapping) {
      // Not seen yet (no event handled so far): record it now if it was paid with Klarna.
      const outcome = await this.engine.orderPlaced(orderId)
      if (!outcome.handled) return null
    }
    return buildOrderView(this.store, "medusa", orderId, (currency) => providerForCurrency(this.options, currency))
  }

  /** Who serves a recorded order (null: not a Klarna order we know). */
  async orderProvider(orderId: string): Promise<KlarnaProvider | null> {
    const mapping = await this.store.findMapping("medusa", orderId)
    return mapping ? providerForCurrency(this.options, mapping.currency) : null
  }

  retryJob(jobId: string): Promise<JobRecord | null> {
    return this.engine.retryJob(jobId)
  }

  getJob(jobId: string): Promise<JobRecord | null> {
    return this.store.getJob(jobId)
  }

  releaseRemaining(orderId: string): Promise<EventOutcome> {
    return this.engine.releaseNow(orderId)
  }

  /** Whether the plugin knows this order as paid with Klarna. */
  async isKlarnaOrder(orderId: string): Promise<boolean> {
    return (await this.store.findMapping("medusa", orderId)) !== null
  }

  /**
   * Refund in Klarna for a canceled order that kept a capture (Medusa refuses refunds on canceled orders).
   * Throws KlarnaRefundRefused (with the HTTP status the admin route answers) when it cannot be done.
   */
  async refundInKlarna(orderId: string, refund: { amount: number; description?: string }): Promise<EventOutcome> {
    const order = await this.withOrderService((orders) => orders.retrieve(orderId, { select: ["id", "status"] })).catch(() => null)
    const mapping = await this.store.findMapping("medusa", orderId)
    if (!order || !mapping) return { handled: false, reason: `Order ${orderId} is not paid with Klarna` }
    if (order.status !== "canceled") {
      throw new KlarnaRefundRefused(409, `Order ${orderId} is not canceled: refund it in Medusa, which sends the refund to Klarna`)
    }
    const captures = (await this.store.listCaptures("medusa", orderId)).filter((c) => c.status === "captured")
    const refunds = (await this.store.listRefunds("medusa", orderId)).filter((r) => r.status === "refunded")
    const refundable = captures.reduce((sum, c) => sum + c.captured_amount, 0) - refunds.reduce((sum, r) => sum + r.refunded_amount, 0)
    if (refund.amount > refundable) {
      throw new KlarnaRefundRefused(
        400,
        `Klarna holds ${refundable} captured and not refunded (minor units); ${refund.amount} cannot be refunded`,
      )
    }
    const outcome = await this.engine.refundInKlarna(orderId, refund)
    this.worker?.nudge()
    return outcome
  }

  async hasCapture(orderId: string, captureId: string): Promise<boolean> {
    const captures = await this.store.listCaptures("medusa", orderId)
    return captures.some((capture) => capture.capture_id === captureId)
  }

  triggerSendOut(orderId: string, captureId: string): Promise<EventOutcome> {
    return this.engine.triggerSendOut(orderId, captureId)
  }

  async reconcile(orderId: string): Promise<ReconcileReport | null> {
    const mapping = await this.store.findMapping("medusa", orderId)
    if (!mapping) return null
    return reconcileOrder(this.store, clientForCurrency(this.options, mapping.currency, { logger: this.logger_ }), mapping)
  }

  // ---- Plumbing ----------------------------------------------------------------------------------

  private async markMedusaPaymentCaptured(orderId: string): Promise<void> {
    const order = await this.withOrderService((orders) => orders.retrieve(orderId, { select: ["id", "payment_status", "status"] }))
    if (order.payment_status === "captured" || order.status === "canceled") return
    try {
      await this.withOrderService((orders) => orders.capturePayment(orderId))
    } catch (error) {
      this.logger_.warn(
        `klarna-order-sync: could not mark the payment of order ${orderId} as captured in Medusa: ${(error as Error).message}`,
      )
    }
  }

  /**
   * Runs Medusa's OrderService in a transaction of its own. The shared instance must not be used from
   * the worker's concurrent lanes: Medusa v1 services keep the transaction of an atomicPhase_ on the
   * instance, so two lanes would run queries in each other's transaction ("Query runner already released").
   */
  private withOrderService<T>(work: (orders: OrderServiceLike) => Promise<T>): Promise<T> {
    return this.manager_.transaction((manager) => work(this.orderService_.withTransaction(manager)))
  }

  /** The Medusa order of a payment, found by its Klarna order id (the processor only sees payment.data). */
  private async medusaOrderIdFor(klarnaOrderId: string): Promise<string | undefined> {
    const mapping = await this.store.findMappingByKlarnaId(klarnaOrderId)
    if (mapping) return mapping.platform_order_id
    const path = this.options.orderIdPath.split(".")
    const rows = (await this.manager_.query(
      `SELECT order_id FROM payment WHERE data #>> $1 = $2 AND order_id IS NOT NULL ORDER BY created_at LIMIT 1`,
      [`{${path.join(",")}}`, klarnaOrderId],
    )) as { order_id: string }[]
    return rows[0]?.order_id
  }
}
