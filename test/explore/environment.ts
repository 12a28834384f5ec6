/**
 * What the exploration runs against, once per run: one PostgreSQL database with the plugin's tables, the
 * Klarna simulator over HTTP, and the real SyncEngine / SyncWorker / SqlSyncStore on top, reading the
 * in-memory platform (platform-model.ts). Sequences share it and use fresh order ids.
 *
 * Time: the outbox's own clock is PostgreSQL's now(); "time passes" for it by moving the run_at of an
 * order's waiting jobs to now (a retry after a long Retry-After, a deferral) and by ageing the lease of a
 * dead worker's job, so no sequence sleeps for real. The simulator's clock moves through /__sim/clock.
 */
import { Pool } from "pg"
import { startSimulator, type RunningSimulator } from "../../packages/simulator/server"
import { KlarnaClient } from "../../packages/core/src/klarna"
import type { SqlSyncStore } from "../../packages/core/src/storage/sql-sync-store"
import { SyncEngine } from "../../packages/core/src/sync/engine"
import type { KlarnaOm } from "../../packages/core/src/sync/klarna-port"
import type { SyncLogger } from "../../packages/core/src/sync/ports"
import { SyncWorker } from "../../packages/core/src/sync/worker"
import { outboxDatabase, sleep, type OutboxDatabase } from "../outbox/support"
import { snapshotOf, type ModelOrder } from "./platform-model"
import { v2SnapshotOf } from "./v2-order-graph"

/** Which platform adapter's order source the engine reads through. */
export type ExploreSource = "v1" | "v2"
export const EXPLORE_SOURCES: readonly ExploreSource[] = ["v1", "v2"]

export function parseExploreSource(value: string): ExploreSource {
  if (value === "v1" || value === "v2") return value
  throw new Error(`unknown source ${JSON.stringify(value)} (use v1 or v2)`)
}

/** Klarna answers slower than this count as a timeout (the simulator's timeout fault holds longer). */
export const CLIENT_TIMEOUT_MS = 400
const LEASE_MS = 3000
const IDLE_TIMEOUT_MS = 30_000

const quiet: SyncLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined }

export interface ExploreEnvironment {
  source: ExploreSource
  sim: RunningSimulator
  db: OutboxDatabase
  /** A query on the run's database over a pooled connection (the checks run thousands of them). */
  sql<T extends Record<string, unknown> = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>
  /** Orders of the platform, by id. */
  orders: Map<string, ModelOrder>
  /** Engine of server A (events arrive here) and of server B (a second worker on its own connection pool). */
  engines: [SyncEngine, SyncEngine]
  stores: [SqlSyncStore, SqlSyncStore]
  /** A server that dies in the middle of a job: before or after Klarna got the call. */
  dyingEngine(when: "before_call" | "after_call"): { engine: SyncEngine; called: Promise<void>; workerId: string }
  /** Runs `workers` workers until the order's outbox is idle (nothing pending or running). Throws on a stuck outbox. */
  runUntilIdle(orderId: string, workers: 1 | 2): Promise<void>
  /**
   * A server that freezes in the middle of a job (a long GC pause, a suspended VM) and later carries on:
   * `reached` once it froze (after planning its request, or with the request frozen, before Klarna's call);
   * it sends no heartbeat meanwhile. `resume()` lets it go on.
   */
  stallingEngine(when: "before_freeze" | "before_call"): {
    engine: SyncEngine
    reached: Promise<void>
    resume: () => void
    workerId: string
  }
  /** A dead worker's lease runs out. */
  expireLeases(workerId: string): Promise<void>
  close(): Promise<void>
}

/** `backoffMaxMs`: the longest retry wait (a Retry-After above it is cut to it); short by default, so sequences stay fast. */
export async function startExploreEnvironment(
  options: { backoffMaxMs?: number; source?: ExploreSource } = {},
): Promise<ExploreEnvironment> {
  const source = options.source ?? "v1"
  const snapshot = source === "v2" ? v2SnapshotOf : snapshotOf
  const sim = await startSimulator({ port: 0 })
  const db = await outboxDatabase("kos_explore")
  const orders = new Map<string, ModelOrder>()
  const pool = new Pool({ connectionString: db.url, max: 3 })
  const sql = async <T extends Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> =>
    (await pool.query(text, params)).rows as T[]
  const stores: [SqlSyncStore, SqlSyncStore] = [await db.server(4), await db.server(4)]
  const client = new KlarnaClient({
    username: sim.username,
    password: sim.password,
    baseUrl: sim.url,
    maxRetries: 0,
    timeoutMs: CLIENT_TIMEOUT_MS,
  })

  const engineOn = (store: SqlSyncStore, klarna: KlarnaOm): SyncEngine =>
    new SyncEngine({
      store,
      orders: {
        loadOrder: async (id) => {
          const order = orders.get(id)
          return order ? snapshot(order) : null
        },
      },
      klarna: { forCurrency: () => klarna },
      logger: quiet,
      options: {
        platform: "medusa",
        // Faults are injected one at a time: a job never legitimately runs out of attempts here.
        maxAttempts: 25,
        backoff: { baseMs: 20, maxMs: options.backoffMaxMs ?? 200 },
        leaseMs: LEASE_MS,
        autoRelease: true,
        captureOn: "fulfillment",
      },
    })
  const engines: [SyncEngine, SyncEngine] = [engineOn(stores[0], client), engineOn(stores[1], client)]

  const mutations = new Set([
    "createCapture",
    "appendCaptureShippingInfo",
    "createRefund",
    "releaseRemainingAuthorization",
    "cancelOrder",
    "triggerSendOut",
  ])
  /** The client with each Klarna mutation replaced by `wrap(the real call, its arguments)`. */
  const withMutations = (wrap: (call: (...a: unknown[]) => Promise<unknown>, args: unknown[]) => Promise<unknown>): KlarnaOm =>
    new Proxy(client, {
      get: (target, property) => {
        const value = Reflect.get(target, property) as unknown
        if (typeof value !== "function") return value
        const bound = (value as (...a: unknown[]) => Promise<unknown>).bind(target)
        if (!mutations.has(String(property))) return bound
        return (...args: unknown[]) => wrap(bound, args)
      },
    })
  /** A store whose worker renews no lease (a dead or frozen process sends no heartbeat). */
  const silentStore = () => {
    const store = Object.create(stores[0]) as SqlSyncStore
    store.extendLease = async () => true
    return store
  }

  let dyingCount = 0
  const dyingEngine = (when: "before_call" | "after_call") => {
    let signal: () => void = () => undefined
    const called = new Promise<void>((resolve) => (signal = resolve))
    const dying = withMutations(async (call, args) => {
      if (when === "after_call") await call(...args).catch(() => undefined)
      signal()
      return new Promise<never>(() => undefined) // the process is gone: nothing more is written
    })
    return { engine: engineOn(silentStore(), dying), called, workerId: `dead-${++dyingCount}` }
  }

  let stallCount = 0
  const stallingEngine = (when: "before_freeze" | "before_call") => {
    let reach: () => void = () => undefined
    const reached = new Promise<void>((resolve) => (reach = resolve))
    let resume: () => void = () => undefined
    const resumed = new Promise<void>((resolve) => (resume = resolve))
    // Only the first stop stalls: once resumed, the worker runs on at full speed.
    const stall = async () => {
      reach()
      await resumed
    }
    const store = silentStore()
    let klarna: KlarnaOm = client
    if (when === "before_freeze") {
      // After planning the request, before writing it down: the request the worker goes on with is its own.
      store.saveJobRequest = async (...args) => {
        await stall()
        return stores[0].saveJobRequest(...args)
      }
      store.freezeCapture = async (...args) => {
        await stall()
        return stores[0].freezeCapture(...args)
      }
    } else {
      klarna = withMutations(async (call, args) => {
        await stall()
        return call(...args)
      })
    }
    return { engine: engineOn(store, klarna), reached, resume, workerId: `stalled-${++stallCount}` }
  }

  const expireLeases = async (workerId: string) => {
    await sql(`UPDATE klarna_sync_job SET locked_at = now() - interval '1 hour' WHERE locked_by = $1 AND state = 'running'`, [workerId])
  }

  const runUntilIdle = async (orderId: string, count: 1 | 2) => {
    const workers = engines.slice(0, count).map((engine) => new SyncWorker(engine, { pollIntervalMs: 5, concurrency: 1 }, quiet))
    for (const worker of workers) worker.start()
    const deadline = Date.now() + IDLE_TIMEOUT_MS
    let idleChecks = 0
    try {
      for (;;) {
        const open = await sql<{ job_key: string; state: string; later: boolean; last_error: string | null }>(
          `SELECT job_key, state, run_at > now() AS later, last_error FROM klarna_sync_job
            WHERE platform = 'medusa' AND platform_order_id = $1 AND state IN ('pending', 'running')`,
          [orderId],
        )
        if (open.length === 0) {
          if (++idleChecks >= 2) return
        } else {
          idleChecks = 0
          if (open.some((job) => job.later)) {
            // Time passes: what waits for a retry or for another job is due now.
            await sql(`UPDATE klarna_sync_job SET run_at = now() WHERE platform_order_id = $1 AND state = 'pending' AND run_at > now()`, [
              orderId,
            ])
            for (const worker of workers) worker.nudge()
          }
        }
        if (Date.now() > deadline) {
          throw new Error(`outbox of ${orderId} not idle after ${IDLE_TIMEOUT_MS} ms: ${JSON.stringify(open)}`)
        }
        await sleep(5)
      }
    } finally {
      await Promise.all(workers.map((worker) => worker.stop()))
    }
  }

  return {
    source,
    sim,
    db,
    sql,
    orders,
    engines,
    stores,
    dyingEngine,
    stallingEngine,
    runUntilIdle,
    expireLeases,
    async close() {
      await sim.close()
      await pool.end()
      await db.close()
    },
  }
}
