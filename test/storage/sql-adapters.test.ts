/**
 * The store's contract through each SQL port adapter against the suite's PostgreSQL: pg (the Shopify
 * server), Knex (what Medusa v2 hands a module) and TypeORM (Medusa v1; test/outbox runs the rest of the
 * store on it). Each adapter gets a fresh database with the core tables (runSqlMigrations), then:
 * enqueue/claim/complete, the ON CONFLICT paths, UPDATE … RETURNING rows, a rollback, a savepoint, and
 * claims racing on one queue (the claim's lock and update share one connection only if the adapter's
 * transaction holds it).
 */
import knexFactory, { type Knex } from "knex"
import { Pool } from "pg"
import { DataSource } from "typeorm"
import type { KlarnaOrderLine } from "../../packages/core/src/klarna/types"
import { ACTIVE_SERVER_MS, sharedStateKey } from "../../packages/core/src/klarna/call-gate-sharing"
import { knexSql } from "../../packages/core/src/storage/knex-sql"
import { SqlCallGateState } from "../../packages/core/src/storage/sql-call-gate-state"
import { toQuestionMarks } from "../../packages/core/src/storage/positional-placeholders"
import { pgSql } from "../../packages/core/src/storage/pg-sql"
import { CORE_MIGRATIONS } from "../../packages/core/src/storage/schema"
import { runSqlMigrations } from "../../packages/core/src/storage/sql-migrations"
import type { SqlPort } from "../../packages/core/src/storage/sql-port"
import { SqlSyncStore } from "../../packages/core/src/storage/sql-sync-store"
import { typeormSql } from "../../packages/core/src/storage/typeorm-sql"
import { idempotencyKeyFor } from "../../packages/core/src/sync/idempotency"
import { queueKeyFor } from "../../packages/core/src/sync/job-keys"
import type { JobIntent } from "../../packages/core/src/sync/ports"
import { createTestDatabase, dropTestDatabase, query, uniqueDatabaseName } from "../support/db"

jest.setTimeout(60_000)

interface Connection {
  sql: SqlPort
  close(): Promise<void>
}

const adapters: Record<string, (url: string) => Promise<Connection>> = {
  pg: async (url) => {
    const pool = new Pool({ connectionString: url, max: 6 })
    return { sql: pgSql(pool), close: () => pool.end() }
  },
  knex: async (url) => {
    const knex: Knex = knexFactory({ client: "pg", connection: url, pool: { min: 0, max: 6 } })
    return { sql: knexSql(knex), close: () => knex.destroy() }
  },
  typeorm: async (url) => {
    const dataSource = new DataSource({ type: "postgres", url, poolSize: 6, logging: false })
    await dataSource.initialize()
    return { sql: typeormSql(dataSource.manager), close: () => dataSource.destroy() }
  },
}

const HOUR = 3_600_000

function intent(
  orderId: string,
  jobKey: string,
  payload: Record<string, unknown> = {},
): JobIntent & { idempotencyKey: string; queueKey: string; maxAttempts: number } {
  return {
    platform: "medusa",
    platformOrderId: orderId,
    operation: "capture",
    jobKey,
    payload,
    idempotencyKey: idempotencyKeyFor(jobKey),
    queueKey: queueKeyFor("medusa", orderId),
    maxAttempts: 8,
  }
}

describe.each(Object.keys(adapters))("SqlSyncStore through the %s adapter", (adapter) => {
  let name: string
  let url: string
  let connection: Connection
  let store: SqlSyncStore
  const rowsOf = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) => query<T>(url, text, params)

  beforeAll(async () => {
    name = uniqueDatabaseName(`kos_sql_${adapter}`)
    url = await createTestDatabase(name)
    connection = await adapters[adapter](url)
    expect(await runSqlMigrations(connection.sql, CORE_MIGRATIONS)).toEqual([
      "KlarnaSyncTables1764000000000",
      "KlarnaCheckoutAuthorizations1764200000000",
      "KlarnaOrderMerchantReferences1764300000000",
      "KlarnaRateState1764400000000",
      "KlarnaSyncJobRunningIndex1764500000000",
    ])
    store = new SqlSyncStore(connection.sql)
  })

  afterAll(async () => {
    await connection?.close()
    if (name) await dropTestDatabase(name)
  })

  test("listens on a connection of its own: a new job (or a retry) NOTIFYs at commit, an existing one does not", async () => {
    const heard: string[] = []
    const states: string[] = []
    const stop = await store.listenForJobs({
      notification: (payload) => heard.push(payload),
      listening: () => states.push("listening"),
      lost: (error) => states.push(`lost ${error.message}`),
    })
    expect(stop).not.toBeNull()
    expect(states).toEqual(["listening"])
    const listening = await rowsOf<{ n: string }>(
      `SELECT count(*)::text AS n FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'`,
    )
    expect(listening).toEqual([{ n: "1" }])
    // Inside a transaction: delivered when it commits, never before.
    await connection.sql.transaction(async (tx) => {
      await new SqlSyncStore(tx).enqueue(intent("order_listen", "medusa:capture:ful_listen"))
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(heard).toEqual([])
    })
    const deadline = Date.now() + 5000
    while (heard.length < 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
    expect(heard).toEqual(["medusa"])
    // The same job again inserts nothing and wakes nobody.
    const again = await store.enqueue(intent("order_listen", "medusa:capture:ful_listen"))
    expect(again.created).toBe(false)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(heard).toEqual(["medusa"])
    // Retry of a parked job: due at once, on whichever server is idle.
    await rowsOf(`UPDATE klarna_sync_job SET state = 'failed' WHERE id = $1`, [again.job.id])
    expect(await store.resetJob(again.job.id)).toMatchObject({ id: again.job.id, state: "pending" })
    while (heard.length < 2 && Date.now() < deadline + 5000) await new Promise((resolve) => setTimeout(resolve, 20))
    expect(heard).toEqual(["medusa", "medusa"])
    await stop?.()
    const after = await rowsOf<{ n: string }>(
      `SELECT count(*)::text AS n FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'`,
    )
    expect(after).toEqual([{ n: "0" }])
    await rowsOf(`DELETE FROM klarna_sync_job WHERE job_key = 'medusa:capture:ful_listen'`)
  })

  test("enqueue, claim, complete with its attempt; a second completion is refused", async () => {
    const first = await store.enqueue(intent("order_a", "medusa:capture:ful_a", { lines: [{ sku: "KITE", quantity: 2 }] }))
    expect(first.created).toBe(true)
    expect(first.job).toMatchObject({
      job_key: "medusa:capture:ful_a",
      state: "pending",
      attempts: 0,
      payload: { lines: [{ sku: "KITE", quantity: 2 }] },
    })
    // ON CONFLICT (job_key) DO NOTHING: the same intent again is the stored job.
    const again = await store.enqueue(intent("order_a", "medusa:capture:ful_a", { lines: [] }))
    expect(again).toEqual({ job: first.job, created: false })

    const claimed = await store.claimNextJob("worker-1", HOUR)
    expect(claimed).toMatchObject({ id: first.job.id, state: "running", attempts: 1, locked_by: "worker-1" })
    expect(claimed).not.toHaveProperty("__previous_state")
    expect(await store.claimNextJob("worker-2", HOUR)).toBeNull()
    expect(await store.extendLease(first.job.id, "worker-2")).toBe(false)
    expect(await store.extendLease(first.job.id, "worker-1")).toBe(true)

    const attempt = {
      job_id: first.job.id,
      attempt: 1,
      operation: "capture",
      idempotency_key: first.job.idempotency_key,
      worker_id: "worker-1",
      request_summary: { captured_amount: 5000 },
      outcome: "succeeded" as const,
      http_status: 201,
      error_code: null,
      error_messages: null,
      correlation_id: "corr-1",
      error: null,
      duration_ms: 12.4,
    }
    expect(await store.completeJob(first.job.id, "worker-2", "succeeded", { capture_id: "cap_1" })).toBe(false)
    expect(await store.completeJob(first.job.id, "worker-1", "succeeded", { capture_id: "cap_1" }, attempt)).toBe(true)
    expect(await store.completeJob(first.job.id, "worker-1", "succeeded", { capture_id: "cap_1" })).toBe(false)
    expect(await store.getJob(first.job.id)).toMatchObject({ state: "succeeded", result: { capture_id: "cap_1" } })
    expect(await store.listAttempts([first.job.id])).toEqual([
      expect.objectContaining({
        attempt: 1,
        outcome: "succeeded",
        http_status: 201,
        request_summary: { captured_amount: 5000 },
        duration_ms: 12,
      }),
    ])
    expect(await store.countJobs({ platform: "medusa" })).toEqual({ pending: 0, running: 0, succeeded: 1, failed: 0, skipped: 0 })
  })

  test("a failed job is parked, reset (UPDATE … RETURNING *) and claimable again", async () => {
    const { job } = await store.enqueue(intent("order_b", "medusa:capture:ful_b"))
    expect((await store.claimNextJob("worker-1", HOUR))?.id).toBe(job.id)
    expect(
      await store.failJob(
        job.id,
        "worker-1",
        { httpStatus: 403, errorCode: "NOT_ALLOWED", errorMessages: ["no"], correlationId: "c", message: "refused" },
        null,
      ),
    ).toBe(true)
    expect(await store.getJob(job.id)).toMatchObject({
      state: "failed",
      last_http_status: 403,
      last_error_code: "NOT_ALLOWED",
      last_error_messages: ["no"],
    })
    const reset = await store.resetJob(job.id, { idempotencyKey: "new-key" })
    expect(reset).toMatchObject({ id: job.id, state: "pending", attempts: 0, idempotency_key: "new-key" })
    expect(await store.resetJob(job.id)).toBeNull() // not failed any more
    expect((await store.claimNextJob("worker-1", HOUR))?.id).toBe(job.id)
    expect(await store.deferJob(job.id, "worker-1", new Date(Date.now() - 1000), "waits")).toBe(true)
    expect(await store.getJob(job.id)).toMatchObject({ state: "pending", attempts: 0, last_error: "waits" })
  })

  test("claims racing on one order's queue: exactly one wins", async () => {
    for (let i = 0; i < 3; i++) await store.enqueue(intent("order_race", `medusa:capture:ful_race_${i}`))
    const claims = await Promise.all(Array.from({ length: 6 }, (_, i) => store.claimNextJob(`racer-${i}`, HOUR)))
    const won = claims.filter((claim) => claim?.platform_order_id === "order_race")
    expect(won).toHaveLength(1)
    expect(won[0]?.job_key).toBe("medusa:capture:ful_race_0")
  })

  test("mapping, capture and refund rows: the ON CONFLICT paths return the stored row; totals come back from UPDATE … RETURNING", async () => {
    const mapping = await store.ensureMapping({
      platform: "medusa",
      platform_order_id: "order_c",
      klarna_order_id: "kl_c",
      currency: "EUR",
      authorized_amount: 10000,
    })
    expect(mapping).toMatchObject({ platform_order_id: "order_c", klarna_order_id: "kl_c", authorized_amount: 10000, status: "AUTHORIZED" })
    const again = await store.ensureMapping({
      platform: "medusa",
      platform_order_id: "order_c",
      klarna_order_id: "kl_other",
      currency: "EUR",
      authorized_amount: 1,
    })
    expect(again.id).toBe(mapping.id)
    expect(again.klarna_order_id).toBe("kl_c")
    await store.updateMapping(mapping.id, { merchant_reference1: "1001", merchant_reference2: undefined })
    expect(await store.findMapping("medusa", "order_c")).toMatchObject({ merchant_reference1: "1001", merchant_reference2: null })
    expect((await store.findMappingByKlarnaId("kl_c"))?.id).toBe(mapping.id)
    expect(await store.findMapping("medusa", "order_none")).toBeNull()

    const lines: KlarnaOrderLine[] = [
      {
        type: "physical",
        reference: "KITE",
        name: "Kite",
        quantity: 1,
        unit_price: 6000,
        tax_rate: 2500,
        total_amount: 6000,
        total_tax_amount: 1200,
      },
    ]
    const planned = {
      platform: "medusa" as const,
      platform_order_id: "order_c",
      klarna_order_id: "kl_c",
      source_type: "fulfillment" as const,
      source_id: "ful_c",
      captured_amount: 6000,
      order_lines: lines,
      shipping_info: [],
      idempotency_key: "idem-c",
    }
    const capture = await store.ensureCapture(planned)
    expect(await store.ensureCapture({ ...planned, captured_amount: 1 })).toEqual(capture)
    await store.markCaptured(capture.id, "cap_c", [{ shipping_company: "DHL", tracking_number: "00340434" }])
    expect(await store.listCaptures("medusa", "order_c")).toEqual([
      expect.objectContaining({
        status: "captured",
        capture_id: "cap_c",
        order_lines: lines,
        shipping_info: [{ shipping_company: "DHL", tracking_number: "00340434" }],
      }),
    ])

    const refund = await store.ensureRefund({
      platform: "medusa",
      platform_order_id: "order_c",
      klarna_order_id: "kl_c",
      platform_refund_id: "ref_c",
      refunded_amount: 2000,
      order_lines: [],
      idempotency_key: "idem-r",
    })
    expect((await store.ensureRefund({ ...refund, refunded_amount: 1 })).id).toBe(refund.id)
    await store.markRefunded(refund.id, "klref_c")
    expect(await store.findRefund("medusa", "ref_c")).toMatchObject({ status: "refunded", refund_id: "klref_c", refunded_amount: 2000 })

    expect(await store.recomputeOrderTotals(mapping)).toEqual({ captured: 6000, refunded: 2000, released: 0, status: "PART_CAPTURED" })
    expect(await store.recomputeOrderTotals(mapping, { released: true })).toEqual({
      captured: 6000,
      refunded: 2000,
      released: 4000,
      status: "CAPTURED",
    })
    expect(await store.recomputeOrderTotals({ ...mapping, id: "kord_gone" })).toBeNull()

    expect(await store.recordWebhookReceipt("shopify", "hook-1", "ORDERS_CREATE")).toBe(true)
    expect(await store.recordWebhookReceipt("shopify", "hook-1", "ORDERS_CREATE")).toBe(false)
  })

  test("checkout authorizations: ON CONFLICT on the Klarna order; the orphan list joins its cancel job by key", async () => {
    const authorization = { platform: "medusa" as const, checkout_id: "cart_d", klarna_order_id: "kl_d", currency: "EUR", amount: 3000 }
    await store.recordAuthorization(authorization)
    await store.recordAuthorization({ ...authorization, amount: 1 })
    expect(await store.findAuthorization("kl_d")).toMatchObject({ amount: 3000, status: "authorized" })
    const { job } = await store.enqueue({ ...intent("cart_d", "medusa:cancel_orphan:cart_d:kl_d"), operation: "cancel_orphan" })
    expect(await store.listOrphanAuthorizations("medusa", 10)).toEqual([
      expect.objectContaining({ klarna_order_id: "kl_d", job_id: job.id, job_state: "pending" }),
    ])
    await store.markAuthorizationCancelled("kl_d")
    expect(await store.findAuthorization("kl_d")).toMatchObject({ status: "cancelled", cancelled_at: expect.any(Date) })
  })

  test("a transaction that throws leaves nothing behind; its error comes out unchanged", async () => {
    const boom = new Error("boom")
    await expect(
      connection.sql.transaction(async (tx) => {
        const inTx = new SqlSyncStore(tx)
        await inTx.enqueue(intent("order_e", "medusa:capture:ful_e"))
        await inTx.ensureMapping({
          platform: "medusa",
          platform_order_id: "order_e",
          klarna_order_id: "kl_e",
          currency: "EUR",
          authorized_amount: 1,
        })
        // Read back inside the transaction: the rows are there…
        expect(await inTx.listJobs("medusa", "order_e")).toHaveLength(1)
        throw boom
      }),
    ).rejects.toBe(boom)
    // …and gone after the rollback.
    expect(await rowsOf(`SELECT 1 FROM klarna_sync_job WHERE platform_order_id = 'order_e'`)).toEqual([])
    expect(await store.findMapping("medusa", "order_e")).toBeNull()
  })

  test("a transaction inside a transaction is a savepoint of it: its failure undoes only its own work", async () => {
    const result = await connection.sql.transaction(async (tx) => {
      const outer = new SqlSyncStore(tx)
      await outer.enqueue(intent("order_f", "medusa:capture:ful_f_outer"))
      await expect(
        tx.transaction(async (inner) => {
          await new SqlSyncStore(inner).enqueue(intent("order_f", "medusa:capture:ful_f_inner"))
          // A statement that fails in PostgreSQL: without the savepoint the outer transaction would be aborted.
          await inner.query(`SELECT 1 / 0`)
        }),
      ).rejects.toThrow(/division by zero/)
      // The outer transaction goes on, on the same connection: it sees its own uncommitted row.
      const jobs = await outer.listJobs("medusa", "order_f")
      await tx.transaction(async (inner) => new SqlSyncStore(inner).enqueue(intent("order_f", "medusa:capture:ful_f_second")))
      return jobs.map((job) => job.job_key)
    })
    expect(result).toEqual(["medusa:capture:ful_f_outer"])
    expect(
      (await rowsOf<{ job_key: string }>(`SELECT job_key FROM klarna_sync_job WHERE platform_order_id = 'order_f' ORDER BY job_key`)).map(
        (row) => row.job_key,
      ),
    ).toEqual(["medusa:capture:ful_f_outer", "medusa:capture:ful_f_second"])
  })

  test("placeholders: repeated, next to jsonb's ? operators, and $n / ? inside literals left alone", async () => {
    const rows = await connection.sql.query<{ twice: number; has: boolean; any: boolean; literal: string; same: boolean }>(
      `SELECT $2::int + $2::int AS twice, $1::jsonb ? 'a' AS has, $1::jsonb ?| array['x', $3] AS any,
              'costs $1? ' || $3 AS literal, $3 = $3 AS same`,
      [JSON.stringify({ a: 1, b: 2 }), 21, "b"],
    )
    expect(rows).toEqual([{ twice: 42, has: true, any: true, literal: "costs $1? b", same: true }])
  })
  test("the call gates' shared state: a pause by the database's clock, the limit kept, silent servers dropped, a hashed key", async () => {
    const state = new SqlCallGateState(connection.sql)
    const key = sharedStateKey("PK_secret_user@api.klarna.com")
    const first = await state.exchange(key, { serverId: "server-a", sentPerS: 12, backlogged: true }, 50)
    expect(first).toEqual({ pausedForMs: 0, limitPerS: 50, servers: [{ serverId: "server-a", sentPerS: 12, backlogged: true }] })
    // Server b has not learnt the limit (null): the row keeps a's.
    const second = await state.exchange(key, { serverId: "server-b", sentPerS: 3, backlogged: false }, null)
    expect(second.limitPerS).toBe(50)
    expect(second.servers).toEqual(
      expect.arrayContaining([
        { serverId: "server-a", sentPerS: 12, backlogged: true },
        { serverId: "server-b", sentPerS: 3, backlogged: false },
      ]),
    )
    expect(second.servers).toHaveLength(2)

    await state.pause(key, 2000)
    // A shorter pause never shortens a longer one.
    await state.pause(key, 500)
    const paused = await state.exchange(key, { serverId: "server-b", sentPerS: 0, backlogged: true }, null)
    expect(paused.pausedForMs).toBeGreaterThan(1500)
    expect(paused.pausedForMs).toBeLessThanOrEqual(2000)

    // A server silent for ACTIVE_SERVER_MS is dropped at the next report.
    await rowsOf(
      `UPDATE klarna_rate_state SET servers = jsonb_set(servers, '{server-a,at}', to_jsonb(extract(epoch FROM now()) - $1::float8 / 1000 - 1))`,
      [ACTIVE_SERVER_MS],
    )
    const later = await state.exchange(key, { serverId: "server-b", sentPerS: 1, backlogged: false }, null)
    expect(later.servers).toEqual([{ serverId: "server-b", sentPerS: 1, backlogged: false }])

    const rows = await rowsOf<{ credentials_key: string; text: string }>(
      `SELECT credentials_key, row_to_json(s)::text AS text FROM klarna_rate_state s`,
    )
    expect(rows).toHaveLength(1)
    expect(rows[0].credentials_key).toBe(key)
    expect(rows[0].text).not.toContain("PK_secret_user")
  })
})

describe("Knex's own compilation of a converted statement (no database)", () => {
  test("knex sends pg the statement with $1…$n again, each repeated value bound again, and the escaped ? as ?", () => {
    const knex = knexFactory({ client: "pg" })
    // What knexSql passes to raw(): the conversion of positional-placeholders.ts.
    const converted = toQuestionMarks(`SELECT $1::jsonb ?| $2, $2, 'a?$1' FROM t WHERE x = $1`, ['{"a":1}', ["a"]])
    const native = knex.raw(converted.text, converted.bindings).toSQL().toNative()
    expect(native).toEqual({
      sql: `SELECT $1::jsonb ?| $2, $3, 'a?$1' FROM t WHERE x = $4`,
      bindings: ['{"a":1}', ["a"], ["a"], '{"a":1}'],
    })
  })
})
