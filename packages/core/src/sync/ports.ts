/**
 * The engine's ports: everything it needs from the outside world, as small interfaces. The Medusa
 * and Shopify adapters implement OrderSource and PlatformPayments; storage is implemented once on a small
 * SQL port (src/storage/sql-sync-store.ts), with adapters for TypeORM, pg and Knex.
 */
import type { KlarnaOrderLine, KlarnaShippingInfo } from "../klarna/types"
import type { OrderSnapshot } from "./order-model"
import type { OrphanVerdict } from "./authorizations"

export type Platform = "medusa" | "shopify"

/** A platform order as the engine needs it, plus the Klarna order it is paid with (if any). */
export interface SyncableOrder extends OrderSnapshot {
  /** Undefined when the order was not paid with Klarna: the engine then leaves it alone. */
  klarnaOrderId?: string
  /** Amount Klarna authorized for this order (the platform's Klarna payment amount). */
  authorizedAmount?: number
}

export interface OrderSource {
  loadOrder(platformOrderId: string): Promise<SyncableOrder | null>
}

/** Lets the engine tell the platform what Klarna now holds (e.g. mark Medusa's payment captured). */
export interface PlatformPayments {
  onFullyCaptured?(platformOrderId: string): Promise<void>
  /**
   * Whether a checkout's Klarna order is an orphan (its checkout has no platform order paid with it) and,
   * if so, marks it so that no order can be placed on it any more: the check and the mark happen under
   * the lock the platform's order creation takes, so a completion still under way either finishes first
   * (not an orphan) or fails.
   */
  claimOrphan?(checkoutId: string, klarnaOrderId: string, reason: string): Promise<OrphanVerdict>
}

export type JobOperation =
  | "capture"
  | "capture_remaining"
  | "shipping_info"
  | "refund"
  | "release"
  | "cancel"
  | "trigger_send_out"
  | "update_references"
  /** A checkout's Klarna order that never became a platform order (actions/cancel-orphan.ts). */
  | "cancel_orphan"

export type JobState = "pending" | "running" | "succeeded" | "failed" | "skipped"

export interface JobIntent {
  platform: Platform
  platformOrderId: string
  operation: JobOperation
  /** Unique per platform object and operation, e.g. `medusa:capture:ful_123`. */
  jobKey: string
  payload: Record<string, unknown>
  /** When to run first; default now. */
  runAt?: Date
}

export interface JobRecord {
  id: string
  platform: Platform
  platform_order_id: string
  queue_key: string
  job_key: string
  operation: JobOperation
  idempotency_key: string
  payload: Record<string, unknown>
  request: Record<string, unknown> | null
  result: Record<string, unknown> | null
  state: JobState
  attempts: number
  max_attempts: number
  run_at: Date
  locked_by: string | null
  last_http_status: number | null
  last_error_code: string | null
  last_error_messages: string[] | null
  last_correlation_id: string | null
  last_error: string | null
  created_at: Date
  finished_at: Date | null
}

/** The amounts and status of a Klarna order mapping as recomputed from its captures and refunds. */
export interface OrderTotals {
  captured: number
  refunded: number
  released: number
  status: string
}

/** A capture as planned, before Klarna has it. */
export type PlannedCapture = Omit<CaptureRecord, "id" | "capture_id" | "klarna_reference" | "status" | "captured_at" | "created_at">

/** A job as a claim returns it: with its order's mapping row, read in the same statement (null: none yet). */
export type ClaimedJob = JobRecord & { klarnaOrder?: KlarnaOrderRecord | null }

export interface KlarnaOrderRecord {
  id: string
  platform: Platform
  platform_order_id: string
  klarna_order_id: string
  klarna_reference: string | null
  currency: string
  authorized_amount: number
  captured_amount: number
  refunded_amount: number
  released_amount: number
  status: string
  /** The merchant references the engine last set on the Klarna order (null: not set yet). */
  merchant_reference1?: string | null
  merchant_reference2?: string | null
}

export interface CaptureRecord {
  id: string
  platform: Platform
  platform_order_id: string
  klarna_order_id: string
  source_type: "fulfillment" | "remaining"
  source_id: string
  capture_id: string | null
  klarna_reference: string | null
  captured_amount: number
  order_lines: KlarnaOrderLine[]
  shipping_info: KlarnaShippingInfo[]
  status: "pending" | "captured"
  idempotency_key: string
  captured_at: Date | null
  created_at: Date
}

export interface RefundRecord {
  id: string
  platform: Platform
  platform_order_id: string
  klarna_order_id: string
  platform_refund_id: string
  refund_id: string | null
  refunded_amount: number
  order_lines: KlarnaOrderLine[]
  status: "pending" | "refunded"
  idempotency_key: string
  refunded_at: Date | null
  created_at: Date
}

export interface AttemptRecord {
  id: string
  job_id: string
  attempt: number
  operation: string
  idempotency_key: string
  worker_id: string
  request_summary: Record<string, unknown> | null
  outcome: "succeeded" | "retry" | "failed" | "skipped"
  http_status: number | null
  error_code: string | null
  error_messages: string[] | null
  correlation_id: string | null
  error: string | null
  duration_ms: number
  created_at: Date
}

export interface JobFailure {
  httpStatus?: number
  errorCode?: string
  errorMessages?: string[]
  correlationId?: string
  message: string
}

/** Storage of mappings, outbox and audit log. Every method is atomic on its own. */
/** What a store's listener tells (storage's SqlListenHandlers, as the engine sees them). */
export interface JobListenHandlers {
  /** A job was enqueued or reset; the payload is its platform. */
  notification(payload: string): void
  /** Listening, at first or again after a loss (notifications meanwhile were missed). */
  listening(): void
  /** Not listening any more; reconnecting. */
  lost(error: Error): void
}

export interface SyncStore {
  /** Inserts the job unless one with the same job key exists; returns the stored job either way. */
  enqueue(
    intent: JobIntent & { idempotencyKey: string; queueKey: string; maxAttempts: number },
  ): Promise<{ job: JobRecord; created: boolean }>
  /**
   * Claims the oldest due job whose queue has no other job running, marks it running for `workerId`
   * and counts the attempt. Jobs running longer than `leaseMs` (a crashed worker) are claimable again.
   * With `platform`, only that platform's jobs (a Medusa and a Shopify worker may share one database).
   */
  claimNextJob(workerId: string, leaseMs: number, platform?: Platform): Promise<JobRecord | null>
  /** Up to `limit` jobs of different orders at once, each claimed as claimNextJob claims one (optional). */
  claimJobs?(workerId: string, leaseMs: number, limit: number, platform?: Platform): Promise<ClaimedJob[]>
  /**
   * Optional: how long until claimNextJob could find a job (ms; 0: now; null: no job pending or running), in
   * one statement: an idle worker sleeps that long instead of polling.
   */
  nextClaimInMs?(leaseMs: number, platform?: Platform): Promise<number | null>
  /**
   * Optional: hear of jobs enqueued (or reset for a retry) by any server on the database (LISTEN/NOTIFY;
   * the notification carries the job's platform). Resolves to a function that stops listening, or null when
   * the database connection cannot listen (the worker then polls).
   */
  listenForJobs?(handlers: JobListenHandlers): Promise<(() => Promise<void>) | null>
  /**
   * Renews the lease of a job `workerId` is running (its heartbeat), so that a call slower than `leaseMs`
   * (a long Retry-After, slow timeouts) is never mistaken for a dead worker. False when the job is no
   * longer this worker's.
   */
  extendLease(jobId: string, workerId: string): Promise<boolean>
  /**
   * Saves the request first sent for a job, so that retries resend exactly it. Guarded by the lock owner:
   * throws JobNotHeldError, having saved nothing, when the job is no longer `workerId`'s.
   */
  saveJobRequest(jobId: string, workerId: string, request: Record<string, unknown>): Promise<void>
  /** Guarded by the lock owner. With `attempt`, also records it (as recordAttempt), in the same round trip where possible. */
  completeJob(
    jobId: string,
    workerId: string,
    state: "succeeded" | "skipped",
    result: Record<string, unknown>,
    attempt?: Omit<AttemptRecord, "id" | "created_at">,
  ): Promise<boolean>
  /** Reschedules (retryAt set) or parks the job as failed (retryAt null). */
  failJob(jobId: string, workerId: string, failure: JobFailure, retryAt: Date | null): Promise<boolean>
  /** Puts a job back in line now (e.g. it waits for another job of its order). Does not count as an attempt. */
  deferJob(jobId: string, workerId: string, runAt: Date, reason: string): Promise<boolean>
  recordAttempt(attempt: Omit<AttemptRecord, "id" | "created_at">): Promise<void>
  /**
   * Manual retry of a parked job: pending again, attempt count restarted. `restart` also forgets the frozen
   * request (it is planned again) and, with `idempotencyKey`, sends it under that new key. Null if the job
   * is not failed.
   */
  resetJob(jobId: string, restart?: { idempotencyKey: string } | { replan: true }): Promise<JobRecord | null>
  getJob(jobId: string): Promise<JobRecord | null>
  listJobs(platform: Platform, platformOrderId: string): Promise<JobRecord[]>
  listAttempts(jobIds: string[]): Promise<AttemptRecord[]>
  countJobs(filter?: { platform?: Platform; state?: JobState }): Promise<Record<JobState, number>>

  /** The mapping row (klarna_order) of a platform order: which Klarna order pays it, and its amounts. */
  findMapping(platform: Platform, platformOrderId: string): Promise<KlarnaOrderRecord | null>
  findMappingByKlarnaId(klarnaOrderId: string): Promise<KlarnaOrderRecord | null>
  /** Creates the mapping row for a platform order, or returns the existing one. */
  ensureMapping(
    order: Omit<KlarnaOrderRecord, "id" | "captured_amount" | "refunded_amount" | "released_amount" | "status" | "klarna_reference">,
  ): Promise<KlarnaOrderRecord>
  updateMapping(
    id: string,
    changes: Partial<
      Pick<
        KlarnaOrderRecord,
        | "captured_amount"
        | "refunded_amount"
        | "released_amount"
        | "status"
        | "klarna_reference"
        | "authorized_amount"
        | "merchant_reference1"
        | "merchant_reference2"
      >
    >,
  ): Promise<void>

  /**
   * Optional: recomputes the mapping's captured/refunded/released amounts and status from its recorded
   * captures and refunds in one go (the rules of actions/order-totals.ts, from the given basis). Null if
   * the row is gone.
   */
  recomputeOrderTotals?(
    order: Pick<KlarnaOrderRecord, "id" | "platform" | "platform_order_id" | "authorized_amount" | "released_amount" | "status">,
    changes?: { released?: boolean; cancelled?: boolean },
  ): Promise<OrderTotals | null>

  listCaptures(platform: Platform, platformOrderId: string): Promise<CaptureRecord[]>
  findCaptureBySource(platform: Platform, sourceId: string): Promise<CaptureRecord | null>
  /** Records the capture as planned (status pending) unless it exists; returns the stored one. */
  ensureCapture(capture: PlannedCapture): Promise<CaptureRecord>
  /**
   * Freezes a job's request (as saveJobRequest) and records its capture as planned (as ensureCapture), in
   * one statement: both or neither. Throws JobNotHeldError, having done nothing, when the job is no longer
   * `workerId`'s (its lease moved on): the request must not reach Klarna from here.
   */
  freezeCapture(jobId: string, workerId: string, request: Record<string, unknown>, capture: PlannedCapture): Promise<CaptureRecord>
  markCaptured(id: string, captureId: string, shippingInfo: CaptureRecord["shipping_info"], klarnaReference?: string | null): Promise<void>
  /**
   * markCaptured, then recomputeOrderTotals' work for the capture's order (no release, no cancel), in one
   * statement. Returns the mapping row as updated (null if it is gone).
   */
  markCapturedWithTotals(
    capture: { id: string; captureId: string; shippingInfo: CaptureRecord["shipping_info"] },
    order: Pick<KlarnaOrderRecord, "id" | "platform" | "platform_order_id" | "authorized_amount" | "released_amount" | "status">,
  ): Promise<KlarnaOrderRecord | null>
  /**
   * Removes the pending row of a capture Klarna is known not to have (its request was refused, and the job
   * plans afresh): otherwise it would stay "pending, no capture id" when the job then captures nothing, or
   * keep the old plan's amount when it captures a new one.
   */
  discardUnsentCapture(platform: Platform, sourceId: string): Promise<void>
  /** Inserts a capture Klarna has that we did not know about (reconcile). */
  insertCapturedCapture(capture: Omit<CaptureRecord, "id" | "created_at">): Promise<CaptureRecord>
  setShippingInfo(id: string, shippingInfo: CaptureRecord["shipping_info"]): Promise<void>

  listRefunds(platform: Platform, platformOrderId: string): Promise<RefundRecord[]>
  findRefund(platform: Platform, platformRefundId: string): Promise<RefundRecord | null>
  ensureRefund(refund: Omit<RefundRecord, "id" | "refund_id" | "status" | "refunded_at" | "created_at">): Promise<RefundRecord>
  markRefunded(id: string, refundId: string): Promise<void>
  insertRefundedRefund(refund: Omit<RefundRecord, "id" | "created_at">): Promise<RefundRecord>

  /** Records a webhook delivery id; false when it was seen before. */
  recordWebhookReceipt(platform: Platform, id: string, topic: string): Promise<boolean>
}

export interface SyncLogger {
  debug(message: string): void
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}
