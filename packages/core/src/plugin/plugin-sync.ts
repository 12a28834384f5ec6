/**
 * PluginSync: what a platform plugin's sync service does over the core, written once for the Medusa v1 and
 * v2 plugins (their services are thin faces of it: v1's KlarnaSyncService, v2's KlarnaSyncModuleService).
 * It builds the engine and the worker from the plugin options, runs the lost-event sweep, and answers the
 * payment processor's capture and refund questions and the admin's actions. Everything it needs to know of
 * the platform's own tables comes through PlatformReads, which each plugin implements in its SQL.
 */
import { buildOrderView, type KlarnaOrderView } from "../sync/order-view"
import { reconcileOrder, type ReconcileReport } from "../sync/reconcile"
import { SyncEngine, type ConvergeOutcome, type EventOutcome } from "../sync/engine"
import { workerCapacity } from "../sync/capacity"
import { SyncWorker } from "../sync/worker"
import { refundRefusal, type RefundHeadroom } from "../sync/refund-headroom"
import type { JobRecord, OrderSource, PlatformPayments, SyncLogger } from "../sync/ports"
import type { CheckoutAuthorizationRecord, OrphanListing } from "../sync/authorizations"
import type { SqlSyncStore } from "../storage/sql-sync-store"
import type { CallGateSharedState, KlarnaClient, KlarnaProvider } from "../klarna"
import { clientForCredentials, clientForCurrency, type PlatformLoggerLike } from "../config/klarna-clients"
import { klarnaOrderIdAt, providerForCurrency, type KlarnaPluginOptions } from "../config/plugin-options"

/** Where the next lost-event sweep continues: after this change (the database's text of it) and order id. */
export interface SweepPosition {
  changedAt: string
  orderId: string
}

export interface SweepPage {
  orderIds: string[]
  /** Where the sweep after this one continues. */
  next: SweepPosition
}

/** A checkout's Klarna order whose cart never became an order. */
export interface OrphanCandidate {
  checkout_id: string
  klarna_order_id: string
  currency: string
}

/** The platform's own tables, as the plugin reads them. */
export interface PlatformReads {
  /** Klarna-paid orders whose state changed after `after` and before now − grace, oldest change first. */
  sweepCandidates(query: { after: SweepPosition | null; graceMs: number; limit: number }): Promise<SweepPage>
  /** The order paid with a Klarna order (its id kept at the payment data's orderIdPath). */
  orderIdOfKlarnaOrder(klarnaOrderId: string): Promise<string | undefined>
  /** The platform's status of an order ("canceled"...); undefined when there is no such order. */
  orderStatus(orderId: string): Promise<string | undefined>
  /** What Klarna can still refund, counted against the platform's refunds; null for an order not known. */
  refundHeadroom(orderId: string): Promise<RefundHeadroom | null>
  /** Checkouts' Klarna orders with no order `graceMs` after they were created (none: the platform has no orphan check). */
  orphansPastGrace?(graceMs: number, limit: number): Promise<OrphanCandidate[]>
}

export interface PluginSyncDeps {
  options: KlarnaPluginOptions
  store: SqlSyncStore
  orders: OrderSource
  payments?: PlatformPayments
  reads: PlatformReads
  logger: SyncLogger & PlatformLoggerLike
  /** Appended to the Klarna client's User-Agent, e.g. "medusa/1.20.8". */
  userAgentSuffix?: string
  /** Shares the call gates' 429 pauses and pace with other servers on the same credentials (SqlCallGateState). */
  gateState?: CallGateSharedState
}

/** How long Medusa's "Capture payment" waits for Klarna before answering that the capture is queued. */
const CAPTURE_WAIT_MS = 30_000

export class KlarnaPaymentPendingError extends Error {
  override readonly name = "KlarnaPaymentPendingError"
}

/** A refund from the Klarna panel that cannot be made; `status` is what the admin route answers. */
export class KlarnaRefundRefused extends Error {
  override readonly name = "KlarnaRefundRefused"
  constructor(
    readonly status: 400 | 409,
    message: string,
  ) {
    super(message)
  }
}

export class PluginSync {
  readonly options: KlarnaPluginOptions
  readonly engine: SyncEngine
  readonly store: SqlSyncStore
  private readonly reads: PlatformReads
  private readonly logger: PluginSyncDeps["logger"]
  private readonly userAgentSuffix: string | undefined
  private readonly gateState: CallGateSharedState | undefined
  private worker: SyncWorker | null = null
  /** Where the next lost-event sweep continues (null: from the outbox's latest activity). */
  private sweepFrom: SweepPosition | null = null
  /** Orders the last sweep could not converge: tried again by the next one. */
  private sweepAgain: string[] = []

  constructor(deps: PluginSyncDeps) {
    this.options = deps.options
    this.store = deps.store
    this.reads = deps.reads
    this.logger = deps.logger
    this.userAgentSuffix = deps.userAgentSuffix
    this.gateState = deps.gateState
    // The gates are process-wide per credentials: giving them the shared state now covers the payment
    // provider's calls too, on a server that runs no worker as well.
    if (this.gateState) this.options.credentials.forEach((_, index) => clientForCredentials(this.options, index, this.clientFactory()))
    const { worker } = this.options
    this.engine = new SyncEngine({
      store: this.store,
      orders: deps.orders,
      klarna: { forCurrency: (currency) => this.klarnaClientForCurrency(currency) },
      payments: deps.payments,
      authorizations: this.store,
      logger: this.logger,
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

  /** The Klarna client serving a currency (the payment processor's Klarna Payments calls use it too). */
  klarnaClientForCurrency(currency: string): KlarnaClient {
    return clientForCurrency(this.options, currency, this.clientFactory())
  }

  private clientFactory() {
    return { logger: this.logger, userAgentSuffix: this.userAgentSuffix, gateState: this.gateState }
  }

  // ---- Lifecycle -----------------------------------------------------------------------------

  startWorker(): void {
    if (this.worker || !this.options.worker.enabled) return
    const { pollIntervalMs, idlePollIntervalMs, sweepIntervalMs, concurrency, maxConcurrency } = this.options.worker
    this.worker = new SyncWorker(
      this.engine,
      {
        pollIntervalMs,
        listeningPollIntervalMs: idlePollIntervalMs > 0 ? idlePollIntervalMs : undefined,
        concurrency,
        capacity: () => workerCapacity({ concurrency, maxConcurrency }, this.klarnaCallsAllowed()),
        sweep: sweepIntervalMs > 0 ? { intervalMs: sweepIntervalMs, run: async () => void (await this.sweep()) } : undefined,
      },
      this.logger,
    )
    this.worker.start()
    this.logger.info(`klarna-order-sync: sync worker ${this.worker.id} started`)
  }

  /**
   * Klarna calls its gates let in at once, over all credentials (the worker's capacity follows them: workerCapacity).
   */
  private klarnaCallsAllowed(): number {
    let calls = 0
    for (let index = 0; index < this.options.credentials.length; index++) {
      calls += clientForCredentials(this.options, index, this.clientFactory()).gate?.inFlightLimit ?? 0
    }
    return calls
  }

  async stopWorker(): Promise<void> {
    await this.worker?.stop()
    this.worker = null
  }

  /**
   * Catches up on lost events: an event bus that loses an event (a server killed between the dispatch and
   * our subscriber, v2's local bus that keeps nothing) leaves an order behind, and nothing re-sends it. This
   * converges every Klarna-paid order that changed since the previous sweep looked (reads.sweepCandidates):
   * the planner queues what the order's state calls for and no job stands for yet (a fulfillment's capture,
   * new tracking, a refund, the cancel, the merchant references, the release). Runs at worker start and every
   * worker.sweepIntervalMs; first the checkouts' orphaned Klarna orders get their cancel.
   */
  async sweep(limit = 500): Promise<{ orders: number; queued: string[]; failed: number }> {
    // Never in the way of the lost-event sweep below.
    await this.sweepOrphans(limit).catch((error: Error) => this.logger.warn(`klarna-order-sync: the orphan sweep failed: ${error.message}`))
    const page = await this.reads.sweepCandidates({
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
      this.logger.info(
        `klarna-order-sync: sweep converged ${result.orders} order(s), queued ${result.queued.length} missing job(s)` +
          (result.failed > 0 ? `, ${result.failed} failed` : "") +
          (result.queued.length > 0 ? `: ${result.queued.slice(0, 20).join(" ")}${result.queued.length > 20 ? " …" : ""}` : ""),
      )
    }
    return result
  }

  /**
   * Klarna orders created at checkout whose cart has no order paid with them orphanGraceMs after they were
   * created: each gets a cancel_orphan job, which checks again under the cart's lock before Klarna is called.
   */
  private async sweepOrphans(limit: number): Promise<void> {
    if (!this.reads.orphansPastGrace) return
    const grace = this.options.orphanGraceMs
    const orphans = await this.reads.orphansPastGrace(grace, limit)
    await this.queueOrphanCancels(orphans, `no order for the cart ${Math.round(grace / 1000)} s after its Klarna order was created`)
  }

  async queueOrphanCancels(orphans: OrphanCandidate[], reason: string): Promise<void> {
    for (const orphan of orphans) {
      const job = await this.engine.cancelOrphan({
        checkoutId: orphan.checkout_id,
        klarnaOrderId: orphan.klarna_order_id,
        currency: orphan.currency,
        reason,
      })
      this.logger.warn(
        `klarna-order-sync: Klarna order ${orphan.klarna_order_id} of cart ${orphan.checkout_id} has no order (${reason}); ` +
          `cancel queued as job ${job.id}`,
      )
    }
  }

  // ---- Checkout: Klarna orders created by the payment processor -------------------------------------

  /** The processor created a Klarna order for a cart (committed at once: it must outlive a failed completion). */
  recordCheckoutAuthorization(cartId: string, klarnaOrderId: string, currency: string, amount: number): Promise<void> {
    return this.store.recordAuthorization({ platform: "medusa", checkout_id: cartId, klarna_order_id: klarnaOrderId, currency, amount })
  }

  findCheckoutAuthorization(klarnaOrderId: string): Promise<CheckoutAuthorizationRecord | null> {
    return this.store.findAuthorization(klarnaOrderId)
  }

  listOrphans(limit = 200): Promise<OrphanListing[]> {
    return this.store.listOrphanAuthorizations("medusa", limit)
  }

  // ---- Events ------------------------------------------------------------------------------------

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
  converge(orderId: string): Promise<ConvergeOutcome> {
    return this.engine.converge(orderId)
  }

  // ---- The payment processor's capture / refund (one writer: all go through here) -----------------

  /**
   * Medusa's "Capture payment": capture what the fulfillments have not captured yet, or nothing when
   * they captured it all. Waits for Klarna's answer so the merchant sees the result.
   */
  async captureRemainingForPayment(paymentData: Record<string, unknown>): Promise<void> {
    const klarnaOrderId = klarnaOrderIdAt(paymentData, this.options.orderIdPath)
    if (!klarnaOrderId) throw new Error("klarna-order-sync: this payment has no Klarna order id; nothing can be captured")
    const orderId = await this.orderIdOfKlarnaOrder(klarnaOrderId)
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
    // No job: the fulfillments captured it all already (this is also how the engine marks the payment captured).
    if (!job) return
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
   * Refuses a refund that Klarna would refuse, before the platform records it: a quick answer from
   * committed rows (Medusa v1 checks again inside its transaction: src/medusa/transaction-guards.ts).
   */
  async assertRefundable(
    paymentData: Record<string, unknown>,
    amount: number,
    options: {
      /**
       * The platform committed this refund before asking (Medusa v2 records the refund row, then calls the
       * provider, then deletes the row if the provider throws): it is among the platform's refunds already and
       * must not be counted twice.
       */
      alreadyRecorded?: boolean
    } = {},
  ): Promise<void> {
    const klarnaOrderId = klarnaOrderIdAt(paymentData, this.options.orderIdPath)
    const orderId = klarnaOrderId ? await this.orderIdOfKlarnaOrder(klarnaOrderId) : undefined
    if (!orderId) return
    const counted = await this.reads.refundHeadroom(orderId)
    const headroom =
      counted && options.alreadyRecorded
        ? { ...counted, refunded: counted.refunded - amount, refundable: counted.refundable + amount }
        : counted
    const refusal = headroom && refundRefusal(headroom, amount)
    if (refusal) throw new Error(refusal)
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
    const status = await this.reads.orderStatus(orderId).catch(() => undefined)
    const mapping = await this.store.findMapping("medusa", orderId)
    if (!status || !mapping) return { handled: false, reason: `Order ${orderId} is not paid with Klarna` }
    if (status !== "canceled") {
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
    return this.engine.refundInKlarna(orderId, refund)
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
    return reconcileOrder(this.store, this.klarnaClientForCurrency(mapping.currency), mapping)
  }

  /** The platform order of a payment, found by its Klarna order id (the processor only sees payment data). */
  async orderIdOfKlarnaOrder(klarnaOrderId: string): Promise<string | undefined> {
    const mapping = await this.store.findMappingByKlarnaId(klarnaOrderId)
    if (mapping) return mapping.platform_order_id
    return this.reads.orderIdOfKlarnaOrder(klarnaOrderId)
  }
}
