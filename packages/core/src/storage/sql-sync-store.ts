/**
 * SyncStore on PostgreSQL through the SQL port (sql-port.ts): Medusa v1's TypeORM manager, a pg Pool
 * (Shopify) or Knex (Medusa v2) behind it, the same statements for all of them. Plain SQL: the claim,
 * the lock-guarded updates and the ON CONFLICT inserts are the exactly-once machinery, and they read best
 * as the SQL they are.
 */
import { generateId } from "../utils/entity-id"
import { RUNNING_JOB_PER_QUEUE_INDEX } from "./schema"
import { JobNotHeldError } from "../sync/errors"
import type { SqlListenHandlers, SqlPort } from "./sql-port"
import type {
  AttemptRecord,
  CaptureRecord,
  JobFailure,
  JobIntent,
  ClaimedJob,
  JobRecord,
  JobState,
  KlarnaOrderRecord,
  OrderTotals,
  PlannedCapture,
  Platform,
  RefundRecord,
  SyncStore,
} from "../sync/ports"
import type { CheckoutAuthorizationRecord, CheckoutAuthorizationStore, OrphanListing } from "../sync/authorizations"

/** How often a claim is retried when another server's claim took the same order at the same moment. */
const CLAIM_RACE_RETRIES = 5

/**
 * Enqueueing a job NOTIFYs this channel (payload: the job's platform) in the same statement, so PostgreSQL
 * delivers it when the insert commits: a listener never wakes before the row is visible. Every worker on the
 * database listens (SyncWorker): a job queued on one server starts at once on an idle other.
 */
export const JOB_CHANNEL = "klarna_sync_job"

type ClaimedRow = JobRecord & {
  __previous_state: string
  __previous_worker: string | null
  /** The order's mapping row as jsonb (timestamps as text), null when there is none. */
  __klarna_order: (KlarnaOrderRecord & { created_at?: string; updated_at?: string }) | null
}

/**
 * Whether a statement failed because it would have made a second job of one order running (the partial
 * unique index RUNNING_JOB_PER_QUEUE_INDEX): pg's error, as is (pg, Knex) or spread onto TypeORM's
 * QueryFailedError (and kept as its driverError).
 */
function isRunningJobConflict(error: unknown): boolean {
  const candidates = [error, (error as { driverError?: unknown } | null)?.driverError]
  return candidates.some((candidate) => {
    const pgError = candidate as { code?: string; constraint?: string } | null | undefined
    return pgError?.code === "23505" && pgError.constraint === RUNNING_JOB_PER_QUEUE_INDEX
  })
}

/**
 * The rows of the `inserted` CTE, each NOTIFYing JOB_CHANNEL with its platform: pg_notify as a function in
 * FROM runs once per row (a volatile call the planner never drops), and the rows come back as RETURNING *
 * gives them.
 */
const SELECT_NOTIFYING = `SELECT inserted.* FROM inserted CROSS JOIN LATERAL pg_notify('${JOB_CHANNEL}', inserted.platform) AS notified`

/** A planned capture's row (status pending), $1…$10 as plannedCaptureParams gives them: INSERT_PLANNED_CAPTURE + VALUES or SELECT. */
const INSERT_PLANNED_CAPTURE = `INSERT INTO klarna_capture
         (id, platform, platform_order_id, klarna_order_id, source_type, source_id, captured_amount, order_lines, shipping_info, idempotency_key)`
const PLANNED_CAPTURE_VALUES = `$1, $2, $3, $4, $5, $6, $7::int, $8::jsonb, $9::jsonb, $10`

function plannedCaptureParams(capture: PlannedCapture): unknown[] {
  return [
    generateId("kcap"),
    capture.platform,
    capture.platform_order_id,
    capture.klarna_order_id,
    capture.source_type,
    capture.source_id,
    capture.captured_amount,
    JSON.stringify(capture.order_lines),
    JSON.stringify(capture.shipping_info),
    capture.idempotency_key,
  ]
}

type TotalsBasis = Pick<KlarnaOrderRecord, "id" | "platform" | "platform_order_id" | "authorized_amount" | "released_amount" | "status">

/**
 * The rules of actions/order-totals.ts as the tail of a WITH statement: the order's amounts and status from
 * `capturedSum` (an expression) and its refunds, on the basis of the amounts and status the caller loaded
 * ($1…$8 as totalsParams gives them). Returns the updated mapping row.
 */
function orderTotalsUpdate(capturedSum: string): string {
  return `sums AS (
         SELECT
           (${capturedSum})::int AS captured,
           COALESCE((SELECT sum(refunded_amount) FROM klarna_refund
                      WHERE platform = $2 AND platform_order_id = $3 AND status = 'refunded'), 0)::int AS refunded),
       computed AS (
         SELECT captured, refunded, CASE WHEN $4::boolean THEN $5::int - captured ELSE $6::int END AS released FROM sums)
       UPDATE klarna_order o
          SET captured_amount = c.captured, refunded_amount = c.refunded, released_amount = c.released,
              status = CASE
                WHEN $7::boolean OR $8::text = 'CANCELLED' THEN 'CANCELLED'
                WHEN c.captured = 0 THEN 'AUTHORIZED'
                WHEN c.captured + c.released >= $5::int THEN 'CAPTURED'
                ELSE 'PART_CAPTURED' END,
              updated_at = now()
         FROM computed c
        WHERE o.id = $1
        RETURNING o.*`
}

function totalsParams(order: TotalsBasis, changes: { released?: boolean; cancelled?: boolean }): unknown[] {
  return [
    order.id,
    order.platform,
    order.platform_order_id,
    changes.released === true,
    order.authorized_amount,
    order.released_amount,
    changes.cancelled === true,
    order.status,
  ]
}

export class SqlSyncStore implements SyncStore, CheckoutAuthorizationStore {
  constructor(private readonly sql: SqlPort) {}

  private async one<T>(text: string, params: unknown[]): Promise<T | null> {
    const rows = await this.sql.query<T>(text, params)
    return rows[0] ?? null
  }

  private rows<T>(text: string, params: unknown[]): Promise<T[]> {
    return this.sql.query<T>(text, params)
  }

  /** Whether a guarded UPDATE … RETURNING found its row. */
  private async updated(text: string, params: unknown[]): Promise<boolean> {
    return (await this.rows(text, params)).length > 0
  }

  async enqueue(intent: JobIntent & { idempotencyKey: string; queueKey: string; maxAttempts: number }) {
    // A job that already existed (the conflict) inserts nothing and notifies nobody.
    const inserted = await this.one<JobRecord>(
      `WITH inserted AS (
         INSERT INTO klarna_sync_job
           (id, platform, platform_order_id, queue_key, job_key, operation, idempotency_key, payload, max_attempts, run_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, COALESCE($10, now()))
         ON CONFLICT (job_key) DO NOTHING
         RETURNING *)
       ${SELECT_NOTIFYING}`,
      [
        generateId("kjob"),
        intent.platform,
        intent.platformOrderId,
        intent.queueKey,
        intent.jobKey,
        intent.operation,
        intent.idempotencyKey,
        JSON.stringify(intent.payload),
        intent.maxAttempts,
        intent.runAt ?? null,
      ],
    )
    if (inserted) return { job: inserted, created: true }
    const existing = await this.one<JobRecord>(`SELECT * FROM klarna_sync_job WHERE job_key = $1`, [intent.jobKey])
    if (!existing) throw new Error(`Job ${intent.jobKey} neither inserted nor found`)
    return { job: existing, created: false }
  }

  async claimNextJob(workerId: string, leaseMs: number, platform?: Platform): Promise<JobRecord | null> {
    return (await this.claimJobs(workerId, leaseMs, 1, platform))[0] ?? null
  }

  /**
   * Claims up to `limit` due jobs of different orders in one statement, without a transaction or a lock
   * of its own (oldest due first): each order's oldest due job, an order with a running job skipped, a
   * running job whose lease ran out taken over (its lost attempt logged in the same statement).
   *
   * Exclusive by construction: the candidate rows are locked FOR UPDATE SKIP LOCKED (two claimers never
   * take one job), and the partial unique index RUNNING_JOB_PER_QUEUE_INDEX (schema.ts) makes a second
   * running job of an order impossible. Two claimers that both saw an order free and picked two different
   * jobs of it: the second one's UPDATE waits for the first to commit, then fails on the index as a whole
   * (nothing of it is applied, the batch's other jobs included), and it claims again: the order is busy now.
   *
   * Each job comes with its order's mapping row (null when there is none yet), read in the same statement:
   * the job's run need not read it again (one order's jobs never overlap, so nothing else changes it meanwhile).
   */
  async claimJobs(workerId: string, leaseMs: number, limit: number, platform?: Platform): Promise<ClaimedJob[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.claimOnce(workerId, leaseMs, limit, platform)
      } catch (error) {
        if (!isRunningJobConflict(error) || attempt >= CLAIM_RACE_RETRIES) throw error
      }
    }
  }

  private async claimOnce(workerId: string, leaseMs: number, limit: number, platform?: Platform): Promise<ClaimedJob[]> {
    // `due`: the head of each free order's queue (its oldest due job; an order with a running job is not
    // free), so that a job locked by another claimer is skipped without a younger job of its order taking
    // its place. A running job blocks its order's pending ones whether its lease is live or not: an expired
    // one is due itself, and is taken over (it stays 'running', so the index never sees two).
    const claimed = await this.rows<ClaimedRow>(
      `WITH due AS (
         SELECT j.id, j.platform, j.platform_order_id, j.state AS previous_state, j.locked_by AS previous_worker
         FROM klarna_sync_job j
         WHERE ((j.state = 'pending' AND j.run_at <= now()
                 AND NOT EXISTS (
                   SELECT 1 FROM klarna_sync_job o
                   WHERE o.queue_key = j.queue_key AND o.state = 'pending' AND o.run_at <= now()
                     AND (o.run_at, o.created_at, o.id) < (j.run_at, j.created_at, j.id)))
             OR (j.state = 'running' AND j.locked_at < now() - make_interval(secs => $2::float8 / 1000)))
           AND ($3::text IS NULL OR j.platform = $3)
           AND NOT EXISTS (
             SELECT 1 FROM klarna_sync_job r WHERE r.queue_key = j.queue_key AND r.state = 'running' AND r.id <> j.id)
         ORDER BY j.run_at, j.created_at, j.id
         LIMIT $4::int
         FOR UPDATE OF j SKIP LOCKED),
       claimed AS (
         UPDATE klarna_sync_job j
            SET state = 'running', locked_at = now(), locked_by = $1, attempts = j.attempts + 1, updated_at = now()
           FROM due
           LEFT JOIN klarna_order o ON o.platform = due.platform AND o.platform_order_id = due.platform_order_id
          WHERE j.id = due.id
         RETURNING j.*, due.previous_state AS "__previous_state", due.previous_worker AS "__previous_worker",
                   to_jsonb(o) AS "__klarna_order"),
       -- The lease ran out: the worker of the previous attempt died (or lost the database) mid-job. Its
       -- attempt is logged, so the audit log accounts for every attempt; whether its Klarna call got
       -- through is unknown, which the frozen request and its idempotency key make harmless.
       lost AS (
         INSERT INTO klarna_sync_attempt
           (id, job_id, attempt, operation, idempotency_key, worker_id, request_summary, outcome, error, duration_ms)
         SELECT $5 || '_' || c.id, c.id, c.attempts - 1, c.operation, c.idempotency_key, COALESCE(c."__previous_worker", 'unknown'),
                NULL, 'retry',
                'Interrupted: worker ' || COALESCE(c."__previous_worker", 'unknown') ||
                  ' stopped before finishing (lease expired); taken over by ' || $1, 0
           FROM claimed c WHERE c."__previous_state" = 'running')
       SELECT * FROM claimed`,
      [workerId, leaseMs, platform ?? null, Math.max(1, Math.floor(limit)), generateId("katt")],
    )
    const jobs = claimed.map(({ __klarna_order: mapping, __previous_state, __previous_worker, ...job }): ClaimedJob => {
      // As the row reads elsewhere: its timestamps as Dates.
      const klarnaOrder = mapping && {
        ...mapping,
        created_at: new Date(String(mapping.created_at)),
        updated_at: new Date(String(mapping.updated_at)),
      }
      return Object.assign(job as JobRecord, { klarnaOrder })
    })
    // The UPDATE's RETURNING has no order: hand the jobs out oldest first.
    return jobs.sort((a, b) => +new Date(a.run_at) - +new Date(b.run_at) || +new Date(a.created_at) - +new Date(b.created_at))
  }

  /**
   * How long until claimNextJob could find a job, in one statement, read when a worker runs out of work: 0
   * when one is due now, null when no job is pending or running. The same conditions as the claim: a pending
   * job is due at its run_at unless another job of its order runs (then that job's lease expiry, when it is
   * taken over, or its completion, which its own worker follows by claiming again), a running one when its
   * lease runs out. Times are the database's (no clock skew between servers).
   */
  async nextClaimInMs(leaseMs: number, platform?: Platform): Promise<number | null> {
    const row = await this.one<{ wait_ms: number | null }>(
      `SELECT ceil(EXTRACT(EPOCH FROM (least(
                (SELECT j.run_at FROM klarna_sync_job j
                  WHERE j.state = 'pending' AND ($2::text IS NULL OR j.platform = $2)
                    AND NOT EXISTS (
                      SELECT 1 FROM klarna_sync_job r
                      WHERE r.queue_key = j.queue_key AND r.state = 'running' AND r.id <> j.id)
                  ORDER BY j.run_at LIMIT 1),
                (SELECT min(j.locked_at) + make_interval(secs => $1::float8 / 1000) FROM klarna_sync_job j
                  WHERE j.state = 'running' AND ($2::text IS NULL OR j.platform = $2))
              ) - now())) * 1000)::float8 AS wait_ms`,
      [leaseMs, platform ?? null],
    )
    // No job at all: least() of two NULLs is NULL.
    return row?.wait_ms === null || row?.wait_ms === undefined ? null : Math.max(0, Number(row.wait_ms))
  }

  /** LISTEN for jobs enqueued by any server (JOB_CHANNEL); null when the SQL port cannot listen. */
  async listenForJobs(handlers: SqlListenHandlers): Promise<(() => Promise<void>) | null> {
    if (!this.sql.listen) return null
    return this.sql.listen(JOB_CHANNEL, handlers)
  }

  async extendLease(jobId: string, workerId: string): Promise<boolean> {
    return this.updated(
      `UPDATE klarna_sync_job SET locked_at = now() WHERE id = $1 AND locked_by = $2 AND state = 'running' RETURNING id`,
      [jobId, workerId],
    )
  }

  async saveJobRequest(jobId: string, workerId: string, request: Record<string, unknown>): Promise<void> {
    // A worker whose lease ran out must not go on to call Klarna with a request it could not freeze: the
    // worker that took the job over plans (and records) its own.
    const frozen = await this.updated(
      `UPDATE klarna_sync_job SET request = $3, updated_at = now() WHERE id = $1 AND locked_by = $2 AND state = 'running' RETURNING id`,
      [jobId, workerId, JSON.stringify(request)],
    )
    if (!frozen) throw new JobNotHeldError(jobId, workerId)
  }

  async completeJob(
    jobId: string,
    workerId: string,
    state: "succeeded" | "skipped",
    result: Record<string, unknown>,
    attempt?: Omit<AttemptRecord, "id" | "created_at">,
  ) {
    const complete = `UPDATE klarna_sync_job
          SET state = $3, result = $4, finished_at = now(), locked_at = NULL, updated_at = now(),
              last_http_status = NULL, last_error_code = NULL, last_error_messages = NULL, last_correlation_id = NULL, last_error = NULL
        WHERE id = $1 AND locked_by = $2 AND state = 'running'
        RETURNING id`
    if (!attempt) return this.updated(complete, [jobId, workerId, state, JSON.stringify(result)])
    // One round trip: the guarded completion and the attempt log row (recorded whether or not the job was
    // still this worker's, as a separate recordAttempt would be).
    const row = await this.one<{ completed: number }>(
      `WITH done AS (${complete}),
            logged AS (
              INSERT INTO klarna_sync_attempt
                (id, job_id, attempt, operation, idempotency_key, worker_id, request_summary, outcome, http_status,
                 error_code, error_messages, correlation_id, error, duration_ms)
              VALUES ($5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18))
       SELECT count(*)::int AS completed FROM done`,
      [jobId, workerId, state, JSON.stringify(result), ...this.attemptParams(attempt)],
    )
    return Number(row?.completed ?? 0) > 0
  }

  async failJob(jobId: string, workerId: string, failure: JobFailure, retryAt: Date | null) {
    return this.updated(
      `UPDATE klarna_sync_job
          SET state = CASE WHEN $3::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,
              run_at = COALESCE($3::timestamptz, run_at),
              finished_at = CASE WHEN $3::timestamptz IS NULL THEN now() ELSE NULL END,
              locked_at = NULL, updated_at = now(),
              last_http_status = $4, last_error_code = $5, last_error_messages = $6, last_correlation_id = $7, last_error = $8
        WHERE id = $1 AND locked_by = $2 AND state = 'running'
        RETURNING id`,
      [
        jobId,
        workerId,
        retryAt,
        failure.httpStatus ?? null,
        failure.errorCode ?? null,
        failure.errorMessages ? JSON.stringify(failure.errorMessages) : null,
        failure.correlationId ?? null,
        failure.message,
      ],
    )
  }

  async deferJob(jobId: string, workerId: string, runAt: Date, reason: string) {
    return this.updated(
      `UPDATE klarna_sync_job
          SET state = 'pending', run_at = $3, locked_at = NULL, attempts = GREATEST(attempts - 1, 0),
              last_error = $4, updated_at = now()
        WHERE id = $1 AND locked_by = $2 AND state = 'running'
        RETURNING id`,
      [jobId, workerId, runAt, reason],
    )
  }

  async recordAttempt(attempt: Omit<AttemptRecord, "id" | "created_at">): Promise<void> {
    await this.sql.query(
      `INSERT INTO klarna_sync_attempt
         (id, job_id, attempt, operation, idempotency_key, worker_id, request_summary, outcome, http_status,
          error_code, error_messages, correlation_id, error, duration_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      this.attemptParams(attempt),
    )
  }

  private attemptParams(attempt: Omit<AttemptRecord, "id" | "created_at">): unknown[] {
    return [
      generateId("katt"),
      attempt.job_id,
      attempt.attempt,
      attempt.operation,
      attempt.idempotency_key,
      attempt.worker_id,
      attempt.request_summary ? JSON.stringify(attempt.request_summary) : null,
      attempt.outcome,
      attempt.http_status,
      attempt.error_code,
      attempt.error_messages ? JSON.stringify(attempt.error_messages) : null,
      attempt.correlation_id,
      attempt.error,
      Math.round(attempt.duration_ms),
    ]
  }

  async resetJob(jobId: string, restart?: { idempotencyKey: string } | { replan: true }): Promise<JobRecord | null> {
    // Due at once, on whichever server is idle: notified like a new job.
    const list = await this.rows<JobRecord>(
      `WITH inserted AS (
         UPDATE klarna_sync_job
            SET state = 'pending', attempts = 0, run_at = now(), finished_at = NULL, locked_at = NULL, locked_by = NULL,
                request = CASE WHEN $2 THEN NULL ELSE request END,
                idempotency_key = COALESCE($3, idempotency_key),
                updated_at = now()
          WHERE id = $1 AND state = 'failed'
          RETURNING *)
       ${SELECT_NOTIFYING}`,
      [jobId, restart !== undefined, restart && "idempotencyKey" in restart ? restart.idempotencyKey : null],
    )
    return list[0] ?? null
  }

  getJob(jobId: string) {
    return this.one<JobRecord>(`SELECT * FROM klarna_sync_job WHERE id = $1`, [jobId])
  }

  listJobs(platform: Platform, platformOrderId: string) {
    return this.rows<JobRecord>(`SELECT * FROM klarna_sync_job WHERE platform = $1 AND platform_order_id = $2 ORDER BY created_at, id`, [
      platform,
      platformOrderId,
    ])
  }

  listAttempts(jobIds: string[]) {
    if (jobIds.length === 0) return Promise.resolve([])
    return this.rows<AttemptRecord>(`SELECT * FROM klarna_sync_attempt WHERE job_id = ANY($1) ORDER BY created_at, attempt`, [jobIds])
  }

  async countJobs(filter: { platform?: Platform; state?: JobState } = {}) {
    const rows = await this.rows<{ state: JobState; count: string }>(
      `SELECT state, count(*)::text AS count FROM klarna_sync_job
        WHERE ($1::text IS NULL OR platform = $1) AND ($2::text IS NULL OR state = $2)
        GROUP BY state`,
      [filter.platform ?? null, filter.state ?? null],
    )
    const counts: Record<JobState, number> = { pending: 0, running: 0, succeeded: 0, failed: 0, skipped: 0 }
    for (const row of rows) counts[row.state] = Number(row.count)
    return counts
  }

  findMapping(platform: Platform, platformOrderId: string) {
    return this.one<KlarnaOrderRecord>(`SELECT * FROM klarna_order WHERE platform = $1 AND platform_order_id = $2`, [
      platform,
      platformOrderId,
    ])
  }

  findMappingByKlarnaId(klarnaOrderId: string) {
    return this.one<KlarnaOrderRecord>(`SELECT * FROM klarna_order WHERE klarna_order_id = $1 ORDER BY created_at LIMIT 1`, [klarnaOrderId])
  }

  async ensureMapping(order: Parameters<SyncStore["ensureMapping"]>[0]): Promise<KlarnaOrderRecord> {
    // One statement: the new row, or the existing one. The SELECT shares the statement's snapshot, so a
    // row inserted concurrently but not yet committed when it started is read afterwards (below).
    const row = await this.one<KlarnaOrderRecord>(
      `WITH inserted AS (
         INSERT INTO klarna_order (id, platform, platform_order_id, klarna_order_id, currency, authorized_amount)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (platform, platform_order_id) DO NOTHING
         RETURNING *)
       SELECT * FROM inserted
       UNION ALL
       SELECT * FROM klarna_order
        WHERE platform = $2 AND platform_order_id = $3 AND NOT EXISTS (SELECT 1 FROM inserted)`,
      [generateId("kord"), order.platform, order.platform_order_id, order.klarna_order_id, order.currency, order.authorized_amount],
    )
    if (row) return row
    const stored = await this.findMapping(order.platform, order.platform_order_id)
    if (!stored) throw new Error(`Klarna order mapping for ${order.platform_order_id} could not be stored`)
    return stored
  }

  async updateMapping(id: string, changes: Parameters<SyncStore["updateMapping"]>[1]): Promise<void> {
    const entries = Object.entries(changes).filter(([, value]) => value !== undefined)
    if (entries.length === 0) return
    const sets = entries.map(([column], i) => `"${column}" = $${i + 2}`).join(", ")
    await this.sql.query(`UPDATE klarna_order SET ${sets}, updated_at = now() WHERE id = $1`, [id, ...entries.map(([, value]) => value)])
  }

  async recomputeOrderTotals(order: TotalsBasis, changes: { released?: boolean; cancelled?: boolean } = {}): Promise<OrderTotals | null> {
    const row = await this.one<KlarnaOrderRecord>(
      `WITH ${orderTotalsUpdate(`COALESCE((SELECT sum(captured_amount) FROM klarna_capture
                      WHERE platform = $2 AND platform_order_id = $3 AND status = 'captured'), 0)`)}`,
      totalsParams(order, changes),
    )
    if (!row) return null
    return {
      captured: Number(row.captured_amount),
      refunded: Number(row.refunded_amount),
      released: Number(row.released_amount),
      status: row.status,
    }
  }

  async markCapturedWithTotals(
    capture: { id: string; captureId: string; shippingInfo: CaptureRecord["shipping_info"] },
    order: TotalsBasis,
  ): Promise<KlarnaOrderRecord | null> {
    // One statement: its parts share one snapshot, so the sum reads the other captures as they were and
    // adds this one's amount (`marked`) rather than reading its new status. Crash safety: the capture's
    // status and the order's totals commit together; a worker killed before this statement is retried,
    // and Klarna replays the capture for the same idempotency key, so the retry records it then.
    return this.one<KlarnaOrderRecord>(
      `WITH marked AS (
         UPDATE klarna_capture
            SET status = 'captured', capture_id = $10, shipping_info = $11, captured_at = COALESCE(captured_at, now()), updated_at = now()
          WHERE id = $9
          RETURNING captured_amount),
       ${orderTotalsUpdate(`COALESCE((SELECT sum(captured_amount) FROM klarna_capture
                      WHERE platform = $2 AND platform_order_id = $3 AND status = 'captured' AND id <> $9), 0)
                  + COALESCE((SELECT captured_amount FROM marked), 0)`)}`,
      [...totalsParams(order, {}), capture.id, capture.captureId, JSON.stringify(capture.shippingInfo)],
    )
  }

  listCaptures(platform: Platform, platformOrderId: string) {
    return this.rows<CaptureRecord>(`SELECT * FROM klarna_capture WHERE platform = $1 AND platform_order_id = $2 ORDER BY created_at, id`, [
      platform,
      platformOrderId,
    ])
  }

  findCaptureBySource(platform: Platform, sourceId: string) {
    return this.one<CaptureRecord>(`SELECT * FROM klarna_capture WHERE platform = $1 AND source_id = $2`, [platform, sourceId])
  }

  async ensureCapture(capture: PlannedCapture): Promise<CaptureRecord> {
    const inserted = await this.one<CaptureRecord>(
      `${INSERT_PLANNED_CAPTURE} VALUES (${PLANNED_CAPTURE_VALUES}) ON CONFLICT (platform, source_id) DO NOTHING RETURNING *`,
      plannedCaptureParams(capture),
    )
    return inserted ?? this.storedCapture(capture)
  }

  async freezeCapture(jobId: string, workerId: string, request: Record<string, unknown>, capture: PlannedCapture): Promise<CaptureRecord> {
    // Crash safety: the frozen request and the planned capture row commit together, before Klarna is
    // called. A worker killed before this statement froze nothing and sent nothing: the next attempt plans
    // afresh under the same key. Killed after it: the next attempt sends exactly this request under the
    // same idempotency key, so Klarna makes at most one capture of it.
    const rows = await this.rows<{ frozen: boolean; capture: CaptureRecord | null }>(
      `WITH frozen AS (
         UPDATE klarna_sync_job SET request = $11, updated_at = now()
          WHERE id = $12 AND locked_by = $13 AND state = 'running'
          RETURNING id),
       inserted AS (
         ${INSERT_PLANNED_CAPTURE} SELECT ${PLANNED_CAPTURE_VALUES} WHERE EXISTS (SELECT 1 FROM frozen)
         ON CONFLICT (platform, source_id) DO NOTHING RETURNING *)
       SELECT EXISTS (SELECT 1 FROM frozen) AS frozen, (SELECT to_jsonb(inserted) FROM inserted) AS capture`,
      [...plannedCaptureParams(capture), JSON.stringify(request), jobId, workerId],
    )
    if (!rows[0]?.frozen) throw new JobNotHeldError(jobId, workerId)
    const inserted = rows[0].capture
    // The row as a plain SELECT reads it (timestamps as Dates), or the one an earlier attempt stored.
    if (inserted) return { ...inserted, created_at: new Date(String(inserted.created_at)), captured_at: null }
    return this.storedCapture(capture)
  }

  private async storedCapture(capture: PlannedCapture): Promise<CaptureRecord> {
    const stored = await this.findCaptureBySource(capture.platform, capture.source_id)
    if (!stored) throw new Error(`Capture for ${capture.source_id} could not be stored`)
    return stored
  }

  async markCaptured(id: string, captureId: string, shippingInfo: CaptureRecord["shipping_info"], klarnaReference?: string | null) {
    await this.sql.query(
      `UPDATE klarna_capture
          SET status = 'captured', capture_id = $2, shipping_info = $3, klarna_reference = COALESCE($4, klarna_reference),
              captured_at = COALESCE(captured_at, now()), updated_at = now()
        WHERE id = $1`,
      [id, captureId, JSON.stringify(shippingInfo), klarnaReference ?? null],
    )
  }

  async discardUnsentCapture(platform: Platform, sourceId: string): Promise<void> {
    await this.sql.query(
      `DELETE FROM klarna_capture WHERE platform = $1 AND source_id = $2 AND status = 'pending' AND capture_id IS NULL`,
      [platform, sourceId],
    )
  }

  async insertCapturedCapture(capture: Omit<CaptureRecord, "id" | "created_at">): Promise<CaptureRecord> {
    const id = generateId("kcap")
    await this.sql.query(
      `INSERT INTO klarna_capture
         (id, platform, platform_order_id, klarna_order_id, source_type, source_id, capture_id, klarna_reference,
          captured_amount, order_lines, shipping_info, status, idempotency_key, captured_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [
        id,
        capture.platform,
        capture.platform_order_id,
        capture.klarna_order_id,
        capture.source_type,
        capture.source_id,
        capture.capture_id,
        capture.klarna_reference,
        capture.captured_amount,
        JSON.stringify(capture.order_lines),
        JSON.stringify(capture.shipping_info),
        capture.status,
        capture.idempotency_key,
        capture.captured_at,
      ],
    )
    return (await this.one<CaptureRecord>(`SELECT * FROM klarna_capture WHERE id = $1`, [id])) as CaptureRecord
  }

  async setShippingInfo(id: string, shippingInfo: CaptureRecord["shipping_info"]) {
    await this.sql.query(`UPDATE klarna_capture SET shipping_info = $2, updated_at = now() WHERE id = $1`, [
      id,
      JSON.stringify(shippingInfo),
    ])
  }

  listRefunds(platform: Platform, platformOrderId: string) {
    return this.rows<RefundRecord>(`SELECT * FROM klarna_refund WHERE platform = $1 AND platform_order_id = $2 ORDER BY created_at, id`, [
      platform,
      platformOrderId,
    ])
  }

  findRefund(platform: Platform, platformRefundId: string) {
    return this.one<RefundRecord>(`SELECT * FROM klarna_refund WHERE platform = $1 AND platform_refund_id = $2`, [
      platform,
      platformRefundId,
    ])
  }

  async ensureRefund(refund: Parameters<SyncStore["ensureRefund"]>[0]): Promise<RefundRecord> {
    const inserted = await this.one<RefundRecord>(
      `INSERT INTO klarna_refund
         (id, platform, platform_order_id, klarna_order_id, platform_refund_id, refunded_amount, order_lines, idempotency_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (platform, platform_refund_id) DO NOTHING
       RETURNING *`,
      [
        generateId("kref"),
        refund.platform,
        refund.platform_order_id,
        refund.klarna_order_id,
        refund.platform_refund_id,
        refund.refunded_amount,
        JSON.stringify(refund.order_lines),
        refund.idempotency_key,
      ],
    )
    if (inserted) return inserted
    const stored = await this.findRefund(refund.platform, refund.platform_refund_id)
    if (!stored) throw new Error(`Refund ${refund.platform_refund_id} could not be stored`)
    return stored
  }

  async markRefunded(id: string, refundId: string) {
    await this.sql.query(
      `UPDATE klarna_refund SET status = 'refunded', refund_id = $2, refunded_at = COALESCE(refunded_at, now()), updated_at = now()
        WHERE id = $1`,
      [id, refundId],
    )
  }

  async insertRefundedRefund(refund: Omit<RefundRecord, "id" | "created_at">): Promise<RefundRecord> {
    const id = generateId("kref")
    await this.sql.query(
      `INSERT INTO klarna_refund
         (id, platform, platform_order_id, klarna_order_id, platform_refund_id, refund_id, refunded_amount, order_lines,
          status, idempotency_key, refunded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        id,
        refund.platform,
        refund.platform_order_id,
        refund.klarna_order_id,
        refund.platform_refund_id,
        refund.refund_id,
        refund.refunded_amount,
        JSON.stringify(refund.order_lines),
        refund.status,
        refund.idempotency_key,
        refund.refunded_at,
      ],
    )
    return (await this.one<RefundRecord>(`SELECT * FROM klarna_refund WHERE id = $1`, [id])) as RefundRecord
  }

  async recordWebhookReceipt(platform: Platform, id: string, topic: string): Promise<boolean> {
    const rows = await this.rows<{ id: string }>(
      `INSERT INTO klarna_webhook_receipt (id, platform, topic) VALUES ($1, $2, $3)
       ON CONFLICT (platform, id) DO NOTHING RETURNING id`,
      [id, platform, topic],
    )
    return rows.length > 0
  }

  // ---- Klarna orders created at checkout (src/sync/authorizations.ts) ----------------------------

  async recordAuthorization(authorization: Parameters<CheckoutAuthorizationStore["recordAuthorization"]>[0]): Promise<void> {
    await this.sql.query(
      `INSERT INTO klarna_authorization (id, platform, checkout_id, klarna_order_id, currency, amount)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (klarna_order_id) DO NOTHING`,
      [
        generateId("kauth"),
        authorization.platform,
        authorization.checkout_id,
        authorization.klarna_order_id,
        authorization.currency,
        authorization.amount,
      ],
    )
  }

  findAuthorization(klarnaOrderId: string) {
    return this.one<CheckoutAuthorizationRecord>(`SELECT * FROM klarna_authorization WHERE klarna_order_id = $1`, [klarnaOrderId])
  }

  async markAuthorizationCancelled(klarnaOrderId: string): Promise<void> {
    await this.sql.query(
      `UPDATE klarna_authorization SET status = 'cancelled', cancelled_at = COALESCE(cancelled_at, now()), updated_at = now()
        WHERE klarna_order_id = $1`,
      [klarnaOrderId],
    )
  }

  listOrphanAuthorizations(platform: Platform, limit: number) {
    // The cancel job's key as in src/sync/job-keys.ts (cancelOrphan).
    return this.rows<OrphanListing>(
      `SELECT a.*, j.id AS job_id, j.state AS job_state, j.last_error AS job_last_error
         FROM klarna_authorization a
         LEFT JOIN klarna_sync_job j ON j.job_key = a.platform || ':cancel_orphan:' || a.checkout_id || ':' || a.klarna_order_id
        WHERE a.platform = $1 AND a.status <> 'ordered'
        ORDER BY a.created_at DESC
        LIMIT $2`,
      [platform, limit],
    )
  }
}
