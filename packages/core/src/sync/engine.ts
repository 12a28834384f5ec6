/**
 * The sync engine: turns platform events into outbox jobs, and runs claimed jobs against Klarna.
 * It knows no platform: orders come through OrderSource, storage through SyncStore.
 *
 * Flow: event -> enqueue (one row per job key, before Klarna is called) -> a worker claims the row ->
 * the action re-reads the platform order, freezes its request on the first attempt, calls Klarna with
 * the job's idempotency key -> result or failure recorded on the row and in the attempt log.
 */
import { randomUUID } from "node:crypto"
import type { KlarnaOmProvider } from "./klarna-port"
import type { ActionContext, ActionOutcome, Action } from "./actions/action"
import { appendShippingInfo } from "./actions/append-shipping-info"
import { cancel } from "./actions/cancel"
import { cancelOrphan, type OrphanContext, type OrphanPayload } from "./actions/cancel-orphan"
import type { CheckoutAuthorizationStore } from "./authorizations"
import { captureFulfillment } from "./actions/capture-fulfillment"
import { captureRemaining } from "./actions/capture-remaining"
import { refund } from "./actions/refund"
import { release } from "./actions/release"
import { triggerSendOut } from "./actions/trigger-send-out"
import { updateReferences } from "./actions/update-references"
import { retryDelayMs, type BackoffPolicy } from "./backoff"
import { describeError, SyncNotPossibleError } from "./errors"
import { idempotencyKeyFor } from "./idempotency"
import { jobKeys, queueKeyFor } from "./job-keys"
import { chargedUnitsOf, withPaidUnits } from "./paid-units"
import { isFullyCaptured, requiredJobs, type PlanReason, type ReasonReadingJobs } from "./required-jobs"
import type {
  ClaimedJob,
  JobIntent,
  JobListenHandlers,
  JobOperation,
  JobRecord,
  KlarnaOrderRecord,
  OrderSource,
  Platform,
  PlatformPayments,
  SyncLogger,
  SyncStore,
  SyncableOrder,
} from "./ports"

/** Actions on a platform order (cancel_orphan has none: it runs on a checkout, see run()). */
const ACTIONS: Record<Exclude<JobOperation, "cancel_orphan">, Action> = {
  capture: captureFulfillment,
  capture_remaining: captureRemaining,
  shipping_info: appendShippingInfo,
  refund,
  release,
  cancel,
  trigger_send_out: triggerSendOut,
  update_references: updateReferences,
}

export interface SyncEngineOptions {
  platform: Platform
  maxAttempts: number
  backoff: BackoffPolicy
  /** A running job older than this is taken to belong to a dead worker and may be claimed again. */
  leaseMs: number
  /** Release the remaining authorization once nothing more will ship. */
  autoRelease: boolean
  /** Capture when a fulfillment is created (default) or when it is shipped. */
  captureOn: "fulfillment" | "shipment"
  /**
   * Another integration makes the captures (Shopify: Klarna's own payments app). The engine then never
   * captures; tracking goes to the capture Klarna already has (actions/external-capture.ts).
   */
  capturesMadeElsewhere?: boolean
  /**
   * Set Klarna's merchant_reference1/2 to the platform's order number and id once the order is placed
   * (the Klarna order was created at authorization, before they existed). Off where another integration
   * owns the Klarna order (Shopify).
   */
  merchantReferences?: boolean
}

export interface SyncEngineDeps {
  store: SyncStore
  orders: OrderSource
  klarna: KlarnaOmProvider
  payments?: PlatformPayments
  /** Klarna orders created at checkout (needed for cancel_orphan jobs). */
  authorizations?: CheckoutAuthorizationStore
  logger: SyncLogger
  options: SyncEngineOptions
}

export type EventOutcome = { handled: false; reason: string } | { handled: true; jobs: JobRecord[] }
/** converge()'s outcome: also the job keys it queued that did not exist yet. */
export type ConvergeOutcome =
  { handled: false; reason: string; queued: []; jobs: [] } | { handled: true; queued: string[]; jobs: JobRecord[] }

export class SyncEngine {
  /** Called after a job is enqueued, so an in-process worker can start at once instead of at its next poll. */
  private readonly enqueueListeners = new Set<() => void>()

  constructor(private readonly deps: SyncEngineDeps) {}

  get store(): SyncStore {
    return this.deps.store
  }

  onEnqueue(listener: () => void): () => void {
    this.enqueueListeners.add(listener)
    return () => this.enqueueListeners.delete(listener)
  }

  // ---- Events -----------------------------------------------------------------------------------

  /** Records the Klarna order behind a platform order (e.g. when it is placed). */
  async orderPlaced(platformOrderId: string): Promise<EventOutcome> {
    return this.enqueueRequired(platformOrderId, { kind: "order_placed" })
  }

  async fulfillmentCreated(platformOrderId: string, fulfillmentId: string): Promise<EventOutcome> {
    return this.enqueueRequired(platformOrderId, { kind: "fulfillment_created", fulfillmentId })
  }

  async shipmentCreated(platformOrderId: string, fulfillmentId: string): Promise<EventOutcome> {
    return this.enqueueRequired(platformOrderId, { kind: "shipment_created", fulfillmentId })
  }

  async refundCreated(platformOrderId: string, refundId: string): Promise<EventOutcome> {
    return this.enqueueRequired(platformOrderId, { kind: "refund_created", refundId })
  }

  /**
   * Queues the cancel of a checkout's Klarna order that did not become a platform order. Queued per
   * checkout (platform_order_id is the checkout id); the platform confirms the orphan before Klarna is called.
   */
  async cancelOrphan(payload: OrphanPayload): Promise<JobRecord> {
    const { job } = await this.enqueueIntent({
      platform: this.platform,
      platformOrderId: payload.checkoutId,
      operation: "cancel_orphan",
      jobKey: jobKeys.cancelOrphan(this.platform, payload.checkoutId, payload.klarnaOrderId),
      payload: { ...payload },
    })
    return job
  }

  async orderCanceled(platformOrderId: string): Promise<EventOutcome> {
    return this.enqueueRequired(platformOrderId, { kind: "order_canceled" })
  }

  /**
   * Brings one order's Klarna side up to date from the order's current state alone, whichever events were
   * lost (Medusa's local bus deletes a staged event once dispatched, so a server killed between the
   * dispatch and our subscriber loses it), and for the events that only say the order changed (items
   * returned, a fulfillment canceled: a refund made while receiving a return emits only
   * order.items_returned). Queues every job requiredJobs() plans for the order (job keys make whatever is
   * already queued a no-op), and tells the platform when Klarna holds the whole amount captured.
   * `queued`: the job keys it queued that did not exist.
   */
  async converge(platformOrderId: string): Promise<ConvergeOutcome> {
    const loaded = await this.loadOrderEnsuringMapping(platformOrderId)
    if ("reason" in loaded) return { handled: false, queued: [], jobs: [], reason: loaded.reason }
    const { order } = loaded
    const queued: string[] = []
    const stored: JobRecord[] = []
    for (const required of await this.planReadingJobs(order, loaded.klarnaOrder, { kind: "converge" })) {
      const result = await this.enqueueIntent(required)
      stored.push(result.job)
      if (result.created) queued.push(required.jobKey)
    }
    if (!order.canceled) {
      const mapping = await this.deps.store.findMapping(this.platform, platformOrderId)
      if (mapping && isFullyCaptured(mapping)) await this.deps.payments?.onFullyCaptured?.(platformOrderId)
    }
    return { handled: true, queued, jobs: stored }
  }

  /** converge() for each order (the platform adapter picks the candidate orders). */
  async sweep(platformOrderIds: string[]): Promise<{ orders: number; queued: string[]; failed: number; failedOrderIds: string[] }> {
    const queued: string[] = []
    const failedOrderIds: string[] = []
    for (const orderId of platformOrderIds) {
      try {
        queued.push(...(await this.converge(orderId)).queued)
      } catch (error) {
        failedOrderIds.push(orderId)
        this.deps.logger.warn(`klarna-order-sync: sweep could not converge order ${orderId}: ${(error as Error).message}`)
      }
    }
    return { orders: platformOrderIds.length, queued, failed: failedOrderIds.length, failedOrderIds }
  }

  // ---- Merchant actions -------------------------------------------------------------------------

  /** Capture payment: what no fulfillment captured yet; no job when the authorization is all captured or released. */
  async captureRemaining(platformOrderId: string): Promise<EventOutcome> {
    return this.enqueueRequired(platformOrderId, { kind: "capture_payment" })
  }

  async releaseNow(platformOrderId: string): Promise<EventOutcome> {
    return this.enqueueFor(platformOrderId, [
      {
        platformOrderId,
        operation: "release",
        // A merchant may press Release again later (e.g. after a failure was fixed): each press is its own job.
        jobKey: `${jobKeys.release(this.platform, platformOrderId)}:manual:${randomUUID()}`,
        payload: { manual: true },
      },
    ])
  }

  /**
   * A refund of an amount, asked for in the Klarna panel for an order the platform no longer refunds
   * (actions/merchant-refund.ts). Its key makes a double click one refund.
   */
  async refundInKlarna(platformOrderId: string, refund: { amount: number; description?: string }): Promise<EventOutcome> {
    const loaded = await this.loadOrderEnsuringMapping(platformOrderId)
    if ("reason" in loaded) return { handled: false, reason: loaded.reason }
    const description = refund.description?.trim() || undefined
    const jobKey = jobKeys.merchantRefund(
      this.platform,
      platformOrderId,
      loaded.klarnaOrder.refunded_amount,
      refund.amount,
      idempotencyKeyFor(description ?? ""),
    )
    const merchantRefund = {
      amount: refund.amount,
      reference: `panel-refund-${idempotencyKeyFor(jobKey)}`,
      ...(description ? { description } : {}),
    }
    return this.enqueueFor(platformOrderId, [{ platformOrderId, operation: "refund", jobKey, payload: { merchantRefund } }], loaded)
  }

  async triggerSendOut(platformOrderId: string, captureId: string): Promise<EventOutcome> {
    return this.enqueueFor(platformOrderId, [
      {
        platformOrderId,
        operation: "trigger_send_out",
        jobKey: jobKeys.triggerSendOut(this.platform, captureId, randomUUID()),
        payload: { captureId },
      },
    ])
  }

  /**
   * Manual retry of a parked job, after the merchant fixed the cause. How it is resent depends on how
   * it failed:
   * - Klarna refused it outright (a 4xx other than 408/409/429): nothing was applied, and Klarna would
   *   replay its stored refusal for the same key for 24 h. The request is planned again from the order as
   *   it is now and sent under a new key, derived from the old one.
   * - It failed before anything was sent (the plan itself was refused): planned again, same key.
   * - Anything else (5xx, timeouts, dropped connections): Klarna may have applied it, so exactly the same
   *   request goes again under the same key, and Klarna's replay tells us what happened.
   */
  async retryJob(jobId: string): Promise<JobRecord | null> {
    const current = await this.deps.store.getJob(jobId)
    if (!current || current.state !== "failed") return null
    const status = current.last_http_status
    const refusedByKlarna = status !== null && status >= 400 && status < 500 && ![408, 409, 429].includes(status)
    const neverSent = status === null && current.request === null
    const restart = refusedByKlarna
      ? { idempotencyKey: idempotencyKeyFor(`${current.job_key}:after:${current.idempotency_key}`) }
      : neverSent
        ? ({ replan: true } as const)
        : undefined
    const job = await this.deps.store.resetJob(jobId, restart)
    if (job) this.notify()
    return job
  }

  // ---- Execution --------------------------------------------------------------------------------

  /** Claims and runs one due job. Returns false when none was due. */
  async processNext(workerId: string): Promise<boolean> {
    const job = await this.deps.store.claimNextJob(workerId, this.deps.options.leaseMs, this.platform)
    if (!job) return false
    await this.run(job, workerId)
    return true
  }

  /**
   * How long until processNext could find a job (ms; 0: now; null: none pending or running); undefined when
   * the store cannot tell (the worker then polls).
   */
  nextClaimInMs(): Promise<number | null> | undefined {
    return this.deps.store.nextClaimInMs?.(this.deps.options.leaseMs, this.platform)
  }

  /**
   * Hears of this platform's jobs enqueued by any server (SyncStore.listenForJobs); `onJob` also runs after
   * the listener reconnected (notifications may have been missed). Null when the store cannot listen.
   */
  listenForJobs(handlers: JobListenHandlers): Promise<(() => Promise<void>) | null> {
    const { store } = this.deps
    if (!store.listenForJobs) return Promise.resolve(null)
    return store.listenForJobs({
      ...handlers,
      // Another platform's worker on the same database claims its own jobs.
      notification: (platform) => {
        if (platform === this.platform || platform === "") handlers.notification(platform)
      },
    })
  }

  /**
   * Claims up to `limit` due jobs of different orders for `workerId` in one go (one job when the store
   * cannot batch). Each must then be run with runClaimed.
   */
  async claimJobs(workerId: string, limit: number): Promise<ClaimedJob[]> {
    const { store, options } = this.deps
    if (limit > 1 && store.claimJobs) return store.claimJobs(workerId, options.leaseMs, limit, this.platform)
    const job = await store.claimNextJob(workerId, options.leaseMs, this.platform)
    return job ? [job] : []
  }

  /** Runs a job claimJobs returned, as the worker that claimed it. */
  async runClaimed(job: ClaimedJob): Promise<void> {
    await this.run(job, job.locked_by as string)
  }

  /** Waits until a job has finished (succeeded, skipped or failed), e.g. for a synchronous button. */
  async waitForJob(jobId: string, timeoutMs: number, pollMs = 100): Promise<JobRecord> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const job = await this.deps.store.getJob(jobId)
      if (!job) throw new Error(`Job ${jobId} does not exist`)
      if (job.state === "succeeded" || job.state === "skipped" || job.state === "failed") return job
      if (Date.now() > deadline) return job
      await new Promise((resolve) => setTimeout(resolve, pollMs))
    }
  }

  private async run(claimed: ClaimedJob, workerId: string): Promise<void> {
    const { store, logger } = this.deps
    const started = Date.now()
    // The mapping row the claim read with the job (when it did, and there is one): not read again.
    const { klarnaOrder: claimedMapping, ...job } = claimed
    let outcome: ActionOutcome
    // Heartbeat: the lease only runs out when this worker is gone, never because Klarna was slow.
    const heartbeat = this.keepLease(job, workerId)
    try {
      const loaded =
        job.operation === "cancel_orphan" ? null : await this.loadOrderEnsuringMapping(job.platform_order_id, claimedMapping ?? undefined)
      if (loaded === null) {
        outcome = await cancelOrphan(this.orphanContextFor(job, workerId))
      } else if ("reason" in loaded) {
        outcome = { kind: "skipped", reason: loaded.reason }
      } else {
        outcome = await ACTIONS[job.operation as keyof typeof ACTIONS](this.contextFor(job, workerId, loaded))
        // Also when an earlier attempt reached the goal but its worker died before the follow-ups ran.
        if (outcome.kind === "succeeded" || (outcome.kind === "skipped" && outcome.settled)) {
          await this.afterSuccess(loaded.order, outcome.kind === "succeeded" ? outcome.klarnaOrder : undefined)
        }
      }
    } catch (error) {
      clearInterval(heartbeat)
      await this.fail(job, workerId, error, Date.now() - started)
      return
    }
    clearInterval(heartbeat)
    const durationMs = Date.now() - started
    if (outcome.kind === "defer") {
      await store.deferJob(job.id, workerId, new Date(Date.now() + outcome.delayMs), outcome.reason)
      return
    }
    const result = outcome.kind === "succeeded" ? outcome.result : { reason: outcome.reason }
    const finished = await store.completeJob(job.id, workerId, outcome.kind, result, {
      job_id: job.id,
      attempt: job.attempts,
      operation: job.operation,
      idempotency_key: job.idempotency_key,
      worker_id: workerId,
      request_summary: result,
      outcome: outcome.kind,
      http_status: null,
      error_code: null,
      error_messages: null,
      correlation_id: null,
      error: null,
      duration_ms: durationMs,
    })
    if (!finished) logger.warn(`klarna-order-sync: job ${job.id} finished after its lease moved to another worker`)
    else logger.debug(`klarna-order-sync: ${job.operation} ${job.job_key} ${outcome.kind}`)
  }

  /** Renews the job's lease every third of leaseMs while it runs. */
  private keepLease(job: JobRecord, workerId: string): ReturnType<typeof setInterval> {
    const { store, logger, options } = this.deps
    const timer = setInterval(
      () => {
        store.extendLease(job.id, workerId).then(
          (kept) => {
            if (!kept) logger.warn(`klarna-order-sync: job ${job.id} is no longer held by ${workerId}`)
          },
          (error: unknown) => logger.warn(`klarna-order-sync: could not renew the lease of job ${job.id}: ${(error as Error).message}`),
        )
      },
      Math.max(Math.floor(options.leaseMs / 3), 100),
    )
    timer.unref?.()
    return timer
  }

  private async fail(job: JobRecord, workerId: string, error: unknown, durationMs: number): Promise<void> {
    const described = describeError(error)
    const exhausted = job.attempts >= job.max_attempts
    const retryAt =
      described.retryable && !exhausted
        ? new Date(Date.now() + retryDelayMs(job.attempts, this.deps.options.backoff, described.retryAfterMs))
        : null
    const held = await this.deps.store.failJob(job.id, workerId, described, retryAt)
    if (!held) {
      // The lease ran out and another worker took the job over (its claim recorded this attempt as
      // interrupted): the job's state and attempt log are that worker's to write.
      this.deps.logger.warn(`klarna-order-sync: ${job.operation} ${job.job_key} attempt ${job.attempts} stopped: ${described.message}`)
      return
    }
    await this.deps.store.recordAttempt({
      job_id: job.id,
      attempt: job.attempts,
      operation: job.operation,
      idempotency_key: job.idempotency_key,
      worker_id: workerId,
      request_summary: job.request ? summarize(job.request) : null,
      outcome: retryAt ? "retry" : "failed",
      http_status: described.httpStatus ?? null,
      error_code: described.errorCode ?? null,
      error_messages: described.errorMessages ?? null,
      correlation_id: described.correlationId ?? null,
      error: described.message,
      duration_ms: durationMs,
    })
    const level = retryAt ? "warn" : "error"
    this.deps.logger[level](
      `klarna-order-sync: ${job.operation} ${job.job_key} attempt ${job.attempts} failed` +
        `${retryAt ? `, retrying at ${retryAt.toISOString()}` : ", parked for a manual retry"}: ${described.message}`,
    )
  }

  private contextFor(job: JobRecord, workerId: string, loaded: { order: SyncableOrder; klarnaOrder: KlarnaOrderRecord }): ActionContext {
    const { store } = this.deps
    return {
      job,
      order: loaded.order,
      klarnaOrder: loaded.klarnaOrder,
      klarna: this.deps.klarna.forCurrency(loaded.order.currency),
      store,
      logger: this.deps.logger,
      enqueueRequired: async (reason) => {
        const planned = requiredJobs({ order: loaded.order, mapping: loaded.klarnaOrder, jobs: [] }, this.deps.options, reason)
        for (const intent of planned) await this.enqueueIntent(intent)
      },
      freezeRequest: this.requestFreezer(job, workerId),
      draftRequest: <T extends object>(build: () => T) =>
        job.request ? { request: job.request as T, frozen: true } : { request: build(), frozen: false },
      freezeCapture: async (request, capture) => {
        const row = await store.freezeCapture(job.id, workerId, request as Record<string, unknown>, capture)
        job.request = request as Record<string, unknown>
        return row
      },
      enqueue: async (intent) => {
        await this.enqueueIntent({ ...intent, platform: this.platform })
      },
    }
  }

  /** Freezes a job's request on its first attempt; later attempts get the frozen one back. */
  private requestFreezer(job: JobRecord, workerId: string) {
    return async <T extends object>(build: () => T): Promise<T> => {
      if (job.request) return job.request as T
      const request = build()
      await this.deps.store.saveJobRequest(job.id, workerId, request as Record<string, unknown>)
      job.request = request as Record<string, unknown>
      return request
    }
  }

  private orphanContextFor(job: JobRecord, workerId: string): OrphanContext {
    const { payments, authorizations } = this.deps
    const payload = job.payload as unknown as OrphanPayload
    return {
      job,
      klarna: this.deps.klarna.forCurrency(payload.currency),
      logger: this.deps.logger,
      claimOrphan: async ({ checkoutId, klarnaOrderId, reason }) => {
        if (!payments?.claimOrphan)
          throw new SyncNotPossibleError("NO_ORPHAN_CHECK", "the platform cannot tell whether this checkout became an order")
        return payments.claimOrphan(checkoutId, klarnaOrderId, reason)
      },
      markCancelled: async (klarnaOrderId) => authorizations?.markAuthorizationCancelled(klarnaOrderId),
      freezeRequest: this.requestFreezer(job, workerId),
    }
  }

  /**
   * Follow-ups that depend on the order as a whole: the platform's payment status, auto-release. Uses the
   * platform order the job loaded (actions change only our tables and Klarna), and the mapping row as the
   * action left it (re-read unless the action returned it).
   */
  private async afterSuccess(order: SyncableOrder, updatedMapping?: KlarnaOrderRecord): Promise<void> {
    const mapping = updatedMapping ?? (await this.deps.store.findMapping(this.platform, order.orderId))
    if (!mapping) return
    if (isFullyCaptured(mapping)) await this.deps.payments?.onFullyCaptured?.(order.orderId)
    for (const required of await this.planReadingJobs(order, mapping, { kind: "job_succeeded" })) await this.enqueueIntent(required)
  }

  /**
   * requiredJobs() for a reason that reads the order's jobs. They only hold the automatic release back (a
   * parked capture) or move its key on, so they are read only when a release is planned without them.
   */
  private async planReadingJobs(order: SyncableOrder, mapping: KlarnaOrderRecord, reason: ReasonReadingJobs) {
    const planned = requiredJobs({ order, mapping, jobs: [] }, this.deps.options, reason)
    if (!planned.some((job) => job.operation === "release")) return planned
    const jobs = await this.deps.store.listJobs(this.platform, order.orderId)
    return requiredJobs({ order, mapping, jobs }, this.deps.options, reason)
  }

  // ---- Plumbing ---------------------------------------------------------------------------------

  private get platform(): Platform {
    return this.deps.options.platform
  }

  /**
   * Loads the order (and its mapping row, created if missing) and queues the jobs requiredJobs() plans for
   * `reason` (one that does not read the order's jobs: an event, Capture payment).
   */
  private async enqueueRequired(platformOrderId: string, reason: Exclude<PlanReason, ReasonReadingJobs>): Promise<EventOutcome> {
    const loaded = await this.loadOrderEnsuringMapping(platformOrderId)
    if ("reason" in loaded) return { handled: false, reason: loaded.reason }
    const required = requiredJobs({ order: loaded.order, mapping: loaded.klarnaOrder, jobs: [] }, this.deps.options, reason)
    const jobs: JobRecord[] = []
    for (const intent of required) jobs.push((await this.enqueueIntent(intent)).job)
    return { handled: true, jobs }
  }

  private async enqueueFor(
    platformOrderId: string,
    intents: Omit<JobIntent, "platform">[],
    preloaded?: { order: SyncableOrder; klarnaOrder: KlarnaOrderRecord },
  ): Promise<EventOutcome> {
    const loaded = preloaded ?? (await this.loadOrderEnsuringMapping(platformOrderId))
    if ("reason" in loaded) return { handled: false, reason: loaded.reason }
    const jobs: JobRecord[] = []
    for (const intent of intents) jobs.push((await this.enqueueIntent({ ...intent, platform: this.platform })).job)
    return { handled: true, jobs }
  }

  private async enqueueIntent(intent: JobIntent & { idempotencyKey?: string }) {
    const stored = await this.deps.store.enqueue({
      ...intent,
      idempotencyKey: intent.idempotencyKey ?? idempotencyKeyFor(intent.jobKey),
      queueKey: queueKeyFor(intent.platform, intent.platformOrderId),
      maxAttempts: this.deps.options.maxAttempts,
    })
    if (stored.created) this.notify()
    return stored
  }

  private notify(): void {
    for (const listener of this.enqueueListeners) listener()
  }

  /**
   * The platform order and its Klarna mapping row (inserted here the first time the engine sees a
   * Klarna-paid order), or why the engine leaves the order alone.
   */
  private async loadOrderEnsuringMapping(
    platformOrderId: string,
    storedMapping?: KlarnaOrderRecord,
  ): Promise<{ order: SyncableOrder; klarnaOrder: KlarnaOrderRecord } | { reason: string }> {
    const order = await this.deps.orders.loadOrder(platformOrderId)
    if (!order) return { reason: `order ${platformOrderId} does not exist` }
    if (!order.klarnaOrderId) return { reason: `order ${platformOrderId} was not paid with Klarna` }
    // A stored row is what ensureMapping would return (it never changes an existing one).
    const klarnaOrder =
      storedMapping ??
      (await this.deps.store.ensureMapping({
        platform: this.platform,
        platform_order_id: order.orderId,
        klarna_order_id: order.klarnaOrderId,
        currency: order.currency,
        authorized_amount: order.authorizedAmount ?? order.totalAmount,
      }))
    if (!order.fulfillments.some((fulfillment) => fulfillment.canceled)) return { order, klarnaOrder }
    const captures = await this.deps.store.listCaptures(this.platform, order.orderId)
    const captured = new Set(captures.filter((c) => c.status === "captured").map((c) => c.source_id))
    return { order: withPaidUnits(order, captured, chargedUnitsOf(order, captures)), klarnaOrder }
  }
}

function summarize(request: Record<string, unknown>): Record<string, unknown> {
  const summary: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(request)) {
    summary[key] = Array.isArray(value) ? `${value.length} entries` : value
  }
  return summary
}

export { SyncNotPossibleError }
