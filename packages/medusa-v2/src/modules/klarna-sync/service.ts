/**
 * KlarnaSyncModuleService: the Medusa v2 face of the sync engine (registered as `klarnaSync`), the mirror of
 * the v1 plugin's KlarnaSyncService over the same core. Subscribers, the interval job, the admin routes and
 * the payment provider call it; it owns the plugin's tables (through the Knex connection Medusa gives every
 * module) and the plugin's options, validated when Medusa constructs it (a wrong option stops the boot with a
 * message naming it, never echoing a credential).
 *
 * A module's container holds no `query`, so the order source cannot read orders until the first subscriber,
 * scheduled job or request hands the app's `query` over with attach() (idempotent); the worker starts then.
 * The payment provider, in the payment module's container, finds this service through
 * src/medusa/sync-registry.ts.
 */
import {
  SqlSyncStore,
  SyncEngine,
  SyncWorker,
  buildOrderView,
  clientForCurrency,
  klarnaOrderIdAt,
  knexSql,
  parseKlarnaOptions,
  providerForCurrency,
  reconcileOrder,
  refundRefusal,
  type CheckoutAuthorizationRecord,
  type EventOutcome,
  type JobRecord,
  type KlarnaClient,
  type KlarnaOrderView,
  type KlarnaPluginOptions,
  type KlarnaProvider,
  type OrphanListing,
  type ReconcileReport,
  type SqlPort,
} from "@klarna-order-sync/core"
import { QueryOrderSource, type QueryGraph } from "../../medusa/query-order-source"
import { registerSyncService } from "../../medusa/sync-registry"
import { V2Tables, type SweepPosition } from "../../medusa/v2-tables"

/** The part of Knex the store uses (Medusa registers its Knex instance as __pg_connection__). */
type KnexConnection = Parameters<typeof knexSql>[0]

export interface MedusaV2Logger {
  debug(message: string): void
  info(message: string): void
  warn(message: string): void
  error(message: string, error?: unknown): void
}

type InjectedDependencies = {
  __pg_connection__: KnexConnection
  logger: MedusaV2Logger
}

/** What attach() needs from the app (subscribers, jobs and routes have it; a module does not). */
export interface AttachContext {
  query: QueryGraph
  /**
   * Marks Medusa's payment captured once Klarna holds the whole amount (Medusa's capture workflow, which
   * calls the provider's capturePayment: that finds nothing left to capture). Optional: without it Medusa's
   * payment status stays "authorized" until the merchant presses Capture.
   */
  markPaymentCaptured?: (paymentId: string) => Promise<void>
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

/**
 * The plugin's own options: Medusa v2 adds its database settings (`database`) to every module's options
 * (modules-sdk medusa-app.ts), which are not the plugin's to validate.
 */
function pluginOptionsOf(options: Record<string, unknown>): Record<string, unknown> {
  const { database: _database, ...pluginOptions } = options
  return pluginOptions
}

export default class KlarnaSyncModuleService {
  readonly options: KlarnaPluginOptions
  readonly store: SqlSyncStore
  readonly engine: SyncEngine
  private readonly sql: SqlPort
  private readonly tables_: V2Tables
  private readonly logger: MedusaV2Logger
  private readonly source: QueryOrderSource
  private attached: AttachContext | null = null
  private worker: SyncWorker | null = null
  /** Where the next lost-event sweep continues (null: from the outbox's latest activity). */
  private sweepFrom: SweepPosition | null = null
  /** Orders the last sweep could not converge: tried again by the next one. */
  private sweepAgain: string[] = []

  constructor({ __pg_connection__, logger }: InjectedDependencies, options: Record<string, unknown> = {}) {
    this.options = parseKlarnaOptions(pluginOptionsOf(options), "medusa-config.ts")
    this.logger = logger
    this.sql = knexSql(__pg_connection__)
    this.store = new SqlSyncStore(this.sql)
    this.tables_ = new V2Tables(this.sql)
    this.source = new QueryOrderSource(this.options)
    const { worker } = this.options
    this.engine = new SyncEngine({
      store: this.store,
      orders: this.source,
      klarna: { forCurrency: (currency) => this.klarnaClientForCurrency(currency) },
      payments: { onFullyCaptured: (orderId) => this.markMedusaPaymentCaptured(orderId) },
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
    registerSyncService(this)
  }

  // ---- Lifecycle -----------------------------------------------------------------------------

  /**
   * Hands the app's `query` to the order source and starts the worker (with its lost-event sweep). Called by
   * every subscriber, the interval job and the /admin and /store middleware; only the first call does work.
   */
  attach(context: AttachContext): void {
    if (this.attached) return
    this.attached = context
    this.source.attach(context.query)
    this.startWorker()
  }

  get isAttached(): boolean {
    return this.attached !== null
  }

  /** The app's query once attached (the payment provider reads the cart of a payment session with it). */
  get query(): QueryGraph | null {
    return this.attached?.query ?? null
  }

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
      this.logger,
    )
    this.worker.start()
    this.logger.info(`klarna-order-sync: sync worker ${this.worker.id} started`)
  }

  async stopWorker(): Promise<void> {
    await this.worker?.stop()
    this.worker = null
  }

  /** Wakes the worker (a job was just queued and someone waits for it). */
  nudge(): void {
    this.worker?.nudge()
  }

  /** The Klarna client serving a currency (the payment provider's Klarna Payments calls use it too). */
  klarnaClientForCurrency(currency: string): KlarnaClient {
    return clientForCurrency(this.options, currency, { logger: this.logger, userAgentSuffix: "medusa/2" })
  }

  /** The plugin's tables as db:migrate left them (the smoke test's check that migrations ran). */
  async tables(): Promise<string[]> {
    const rows = await this.sql.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'klarna_%' ORDER BY table_name`,
    )
    return rows.map((row) => row.table_name)
  }

  /**
   * Catches up on lost events. v2's local event bus keeps nothing: an event emitted while the server dies,
   * or whose subscriber failed, is gone. This converges every Klarna-paid order that changed since the
   * previous sweep looked (src/medusa/v2-tables.ts): the planner queues what the order's state calls for and
   * no job stands for yet. Runs at worker start and every worker.sweepIntervalMs.
   */
  async sweep(limit = 500): Promise<{ orders: number; queued: string[]; failed: number }> {
    const page = await this.tables_.sweepCandidates({
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
    if (result.queued.length > 0 || result.failed > 0) {
      this.logger.info(
        `klarna-order-sync: sweep converged ${result.orders} order(s), queued ${result.queued.length} missing job(s)` +
          (result.failed > 0 ? `, ${result.failed} failed` : "") +
          (result.queued.length > 0 ? `: ${result.queued.slice(0, 20).join(" ")}${result.queued.length > 20 ? " …" : ""}` : ""),
      )
    }
    if (result.queued.length > 0) this.nudge()
    return result
  }

  // ---- Checkout: Klarna orders created by the payment provider -------------------------------------

  /** The provider created a Klarna order for a cart (committed at once: it must outlive a failed completion). */
  recordCheckoutAuthorization(cartId: string, klarnaOrderId: string, currency: string, amount: number): Promise<void> {
    return this.store.recordAuthorization({ platform: "medusa", checkout_id: cartId, klarna_order_id: klarnaOrderId, currency, amount })
  }

  findCheckoutAuthorization(klarnaOrderId: string): Promise<CheckoutAuthorizationRecord | null> {
    return this.store.findAuthorization(klarnaOrderId)
  }

  listOrphans(limit = 200): Promise<OrphanListing[]> {
    return this.store.listOrphanAuthorizations("medusa", limit)
  }

  // ---- Events (subscribers) --------------------------------------------------------------------

  orderPlaced(orderId: string): Promise<EventOutcome> {
    return this.nudging(this.engine.orderPlaced(orderId))
  }

  fulfillmentCreated(orderId: string, fulfillmentId: string): Promise<EventOutcome> {
    return this.nudging(this.engine.fulfillmentCreated(orderId, fulfillmentId))
  }

  shipmentCreated(orderId: string, fulfillmentId: string): Promise<EventOutcome> {
    return this.nudging(this.engine.shipmentCreated(orderId, fulfillmentId))
  }

  orderCanceled(orderId: string): Promise<EventOutcome> {
    return this.nudging(this.engine.orderCanceled(orderId))
  }

  /** Something changed on the order that its event does not say (a return received, a fulfillment canceled): converge. */
  converge(orderId: string): Promise<EventOutcome> {
    return this.nudging(this.engine.converge(orderId))
  }

  /**
   * payment.refunded carries only the payment's id (not the refund's): the refunds of the payment's order
   * are planned from the order's state, one job per Medusa refund (job keys make a known one a no-op).
   */
  async paymentRefunded(paymentId: string): Promise<EventOutcome> {
    const orderId = await this.tables_.orderIdOfPayment(paymentId)
    if (!orderId) return { handled: false, reason: `payment ${paymentId} belongs to no order` }
    return this.converge(orderId)
  }

  // ---- The payment provider's capture / refund (one writer: all go through here) ---------------

  /**
   * Medusa's "Capture payment" (capturePayment carries no amount and no lines): capture what the
   * fulfillments have not captured yet, or nothing when they captured it all. Waits for Klarna's answer so
   * the merchant sees the result.
   */
  async captureRemainingForPayment(paymentData: Record<string, unknown>): Promise<void> {
    const klarnaOrderId = klarnaOrderIdAt(paymentData, this.options.orderIdPath)
    if (!klarnaOrderId) throw new Error("klarna-order-sync: this payment has no Klarna order id; nothing can be captured")
    const orderId = await this.medusaOrderIdFor(klarnaOrderId)
    if (!orderId) {
      throw new Error(
        `klarna-order-sync: Klarna order ${klarnaOrderId} is not the payment of a Medusa order; ` +
          "the plugin does not capture it: capture it in Klarna's merchant portal",
      )
    }
    const outcome = await this.engine.captureRemaining(orderId)
    if (!outcome.handled) throw new Error(`klarna-order-sync: ${outcome.reason}`)
    const [job] = outcome.jobs
    // No job: the fulfillments captured it all already.
    if (!job) return
    this.nudge()
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
   * Refuses a Medusa refund that Klarna would refuse, before Medusa records it: Klarna can refund what it
   * captured less what was refunded or is about to be (every Medusa refund of the order's Klarna payment).
   */
  async assertRefundable(paymentData: Record<string, unknown>, amountMinor: number): Promise<void> {
    const klarnaOrderId = klarnaOrderIdAt(paymentData, this.options.orderIdPath)
    const orderId = klarnaOrderId ? await this.medusaOrderIdFor(klarnaOrderId) : undefined
    if (!orderId) return
    const headroom = await this.tables_.refundHeadroom(orderId)
    const refusal = headroom && refundRefusal(headroom, amountMinor)
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
    return this.nudging(this.engine.retryJob(jobId))
  }

  getJob(jobId: string): Promise<JobRecord | null> {
    return this.store.getJob(jobId)
  }

  releaseRemaining(orderId: string): Promise<EventOutcome> {
    return this.nudging(this.engine.releaseNow(orderId))
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
    const status = await this.tables_.orderStatus(orderId)
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
    return this.nudging(this.engine.refundInKlarna(orderId, refund))
  }

  async hasCapture(orderId: string, captureId: string): Promise<boolean> {
    const captures = await this.store.listCaptures("medusa", orderId)
    return captures.some((capture) => capture.capture_id === captureId)
  }

  triggerSendOut(orderId: string, captureId: string): Promise<EventOutcome> {
    return this.nudging(this.engine.triggerSendOut(orderId, captureId))
  }

  async reconcile(orderId: string): Promise<ReconcileReport | null> {
    const mapping = await this.store.findMapping("medusa", orderId)
    if (!mapping) return null
    return reconcileOrder(this.store, this.klarnaClientForCurrency(mapping.currency), mapping)
  }

  // ---- Plumbing ----------------------------------------------------------------------------------

  /** Starts the worker on what was just queued instead of at its next poll. */
  private async nudging<T>(work: Promise<T>): Promise<T> {
    const result = await work
    this.nudge()
    return result
  }

  private async markMedusaPaymentCaptured(orderId: string): Promise<void> {
    const mark = this.attached?.markPaymentCaptured
    if (!mark) return
    const paymentId = await this.tables_.uncapturedKlarnaPaymentOf(orderId)
    if (!paymentId) return
    try {
      await mark(paymentId)
    } catch (error) {
      this.logger.warn(
        `klarna-order-sync: could not mark the payment of order ${orderId} as captured in Medusa: ${(error as Error).message}`,
      )
    }
  }

  /** The Medusa order of a payment, found by its Klarna order id (the provider only sees payment.data). */
  private async medusaOrderIdFor(klarnaOrderId: string): Promise<string | undefined> {
    const mapping = await this.store.findMappingByKlarnaId(klarnaOrderId)
    if (mapping) return mapping.platform_order_id
    return this.tables_.orderIdOfKlarnaOrder(this.options.orderIdPath, klarnaOrderId)
  }
}
