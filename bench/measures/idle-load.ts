/**
 * Measure 6: what an idle plugin server costs its database, and how fast it still wakes.
 *
 * `idle_load`: SQL statements each server's database receives per minute with nothing to do, `plugin` vs
 * `bare` (the same store without the plugin), counted by PostgreSQL itself: pg_stat_statements (preloaded
 * by the bench's PostgreSQL; utility statements such as BEGIN, COMMIT and LISTEN count too), summed per
 * database before and after a quiet window. The bench reads the counts from the `postgres` database, so its
 * own reads are not in them.
 *
 * `wake_latency`: a job queued through another connection (this process: "another server") on the idle
 * plugin server's database, one at a time with a pause between: from the job's insert to the start of its
 * run on the plugin server (the attempt's end minus its duration; the database's clock for both ends).
 */
import { Pool } from "pg"
import { SqlSyncStore } from "../../packages/core/src/storage/sql-sync-store"
import { pgSql } from "../../packages/core/src/storage/pg-sql"
import { idempotencyKeyFor } from "../../packages/core/src/sync/idempotency"
import { queueKeyFor } from "../../packages/core/src/sync/job-keys"
import { databaseUrl, sql } from "../lib/infra"
import type { BenchServer } from "../lib/medusa-rig"
import { progress, type Measure } from "../lib/report"
import { percentile, round, sleep, waitUntil } from "../lib/stats"

/** Goal of issue #16: at most this many statements a minute more than the store without the plugin. */
const EXTRA_PER_MINUTE_GOAL = 2
const WAKE_GOAL_MS = 1000

interface StatementCount {
  query: string
  calls: number
}

async function statementsOf(serverUrl: string, database: string): Promise<StatementCount[]> {
  return (
    await sql<{ query: string; calls: string }>(
      databaseUrl(serverUrl, "postgres"),
      `SELECT s.query, sum(s.calls)::text AS calls FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
        WHERE d.datname = $1 GROUP BY s.query`,
      [database],
    )
  ).map((row) => ({ query: row.query, calls: Number(row.calls) }))
}

/** Calls per statement text between two readings, most frequent first. */
function delta(before: StatementCount[], after: StatementCount[]): StatementCount[] {
  const earlier = new Map(before.map((row) => [row.query, row.calls]))
  return after
    .map((row) => ({ query: row.query, calls: row.calls - (earlier.get(row.query) ?? 0) }))
    .filter((row) => row.calls > 0)
    .sort((a, b) => b.calls - a.calls)
}

const databaseOf = (server: BenchServer) => new URL(server.databaseUrl).pathname.slice(1)
const total = (rows: StatementCount[]) => rows.reduce((sum, row) => sum + row.calls, 0)
const short = (query: string) => query.replace(/\s+/g, " ").slice(0, 90)

export async function idleLoad(options: { serverUrl: string; bare: BenchServer; plugin: BenchServer; windowMs: number }): Promise<Measure> {
  const { serverUrl, bare, plugin, windowMs } = options
  const postgres = databaseUrl(serverUrl, "postgres")
  await sql(postgres, `CREATE EXTENSION IF NOT EXISTS pg_stat_statements`)
  const read = () => Promise.all([statementsOf(serverUrl, databaseOf(bare)), statementsOf(serverUrl, databaseOf(plugin))])
  const [bareBefore, pluginBefore] = await read()
  progress(`measure 7: counting statements on bare and plugin over ${Math.round(windowMs / 1000)} s of quiet`)
  const started = Date.now()
  await sleep(windowMs)
  const [bareAfter, pluginAfter] = await read()
  const minutes = (Date.now() - started) / 60_000
  const bareDelta = delta(bareBefore, bareAfter)
  const pluginDelta = delta(pluginBefore, pluginAfter)
  const barePerMinute = total(bareDelta) / minutes
  const pluginPerMinute = total(pluginDelta) / minutes
  const extra = pluginPerMinute - barePerMinute
  // The plugin's own statements (its tables, its LISTEN), whatever Medusa does around them.
  const pluginOwn = pluginDelta.filter((row) => /klarna_|LISTEN/i.test(row.query))
  const met = extra <= EXTRA_PER_MINUTE_GOAL
  return {
    measure: "idle_load",
    goal: `plugin server idle: <= ${EXTRA_PER_MINUTE_GOAL} SQL statements per minute more than bare`,
    met,
    window_s: round(minutes * 60, 0),
    plugin_per_min: round(pluginPerMinute, 2),
    bare_per_min: round(barePerMinute, 2),
    extra_per_min: round(extra, 2),
    plugin_own_per_min: round(total(pluginOwn) / minutes, 2),
    plugin_own: pluginOwn.map((row) => ({ calls: row.calls, query: short(row.query) })),
    bare_top: bareDelta.slice(0, 5).map((row) => ({ calls: row.calls, query: short(row.query) })),
    plugin_top: pluginDelta.slice(0, 5).map((row) => ({ calls: row.calls, query: short(row.query) })),
    ...(met
      ? {}
      : {
          note: `the plugin server sent ${round(extra, 2)} statements/min more than bare; its own: ${pluginOwn
            .map((row) => `${row.calls}× ${short(row.query)}`)
            .join("; ")}`,
        }),
  }
}

export async function wakeLatency(options: { plugin: BenchServer; tries: number }): Promise<Measure> {
  const { plugin, tries } = options
  const pool = new Pool({ connectionString: plugin.databaseUrl, max: 2 })
  const store = new SqlSyncStore(pgSql(pool))
  const latencies: number[] = []
  try {
    progress(`measure 7: ${tries} jobs queued from another connection on the idle plugin server`)
    for (let i = 0; i < tries; i++) {
      // Idle again: the lanes ran out of work and sleep (1.5-2.5 s, not in step with anything).
      await sleep(1500 + Math.random() * 1000)
      // An order the store does not have: the plugin claims the job, finds no order and skips it.
      const orderId = `order_bench_wake_${process.pid}_${i}`
      const jobKey = `medusa:update_references:${orderId}`
      const { job } = await store.enqueue({
        platform: "medusa",
        platformOrderId: orderId,
        operation: "update_references",
        jobKey,
        payload: {},
        idempotencyKey: idempotencyKeyFor(jobKey),
        queueKey: queueKeyFor("medusa", orderId),
        maxAttempts: 1,
      })
      const { ms } = await waitUntil(
        async () => {
          const [row] = await plugin.query<{ wait_ms: string | null }>(
            `SELECT EXTRACT(EPOCH FROM (a.created_at - make_interval(secs => a.duration_ms / 1000.0) - j.created_at)) * 1000 AS wait_ms
               FROM klarna_sync_job j JOIN klarna_sync_attempt a ON a.job_id = j.id WHERE j.id = $1`,
            [job.id],
          )
          return row ? { ms: Number(row.wait_ms) } : undefined
        },
        30_000,
        `the wake-up job ${i}`,
        50,
      )
      latencies.push(ms)
    }
  } finally {
    await pool.end()
  }
  const p50 = percentile(latencies, 50)
  const max = Math.max(...latencies)
  const met = max <= WAKE_GOAL_MS
  return {
    measure: "wake_latency",
    goal: `a job queued on another server starts on the idle plugin server within ${WAKE_GOAL_MS} ms`,
    met,
    tries,
    p50_ms: round(p50, 1),
    max_ms: round(max, 1),
    all_ms: latencies.map((ms) => round(ms, 0)),
    ...(met ? {} : { note: `slowest start ${round(max, 0)} ms after the insert (the machine's load delays the notification's handling)` }),
  }
}
