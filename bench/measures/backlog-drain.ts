/**
 * Measure `backlog_drain`: captures queued while Klarna is down (every call 503), then Klarna comes back at
 * its own pace (150 ms ± 50 ms, 50 requests/s per API username, Klarna's rate-limit headers). How fast does
 * the backlog drain, how often does the worker hit the limit, and is every capture made exactly once?
 *
 * The real SyncEngine, SyncWorker and SqlSyncStore on the plugin's migration (engine-harness), the worker at
 * the plugin's production settings (4 lanes growing to worker.maxConcurrency with the call gate, retries and
 * job backoff as the options' defaults), the simulator in its own process. Goals (issue #16): drain rate ≥
 * 0.9 × the limit, 429s < 1% of the calls, 3,000 captures at Klarna with none doubled, no job parked.
 * The servers' gates share 429 pauses and Klarna's limit through the database (SqlCallGateState), as the
 * plugin's do; KOS_BENCH_UNSHARED_GATES=1 measures them without (each server on its own view, as before).
 */
import { DEFAULT_HTTP_OPTIONS, DEFAULT_WORKER_OPTIONS } from "../../packages/core/src/config/plugin-options"
import { KlarnaCallGate, KlarnaClient, callGateKey, sharedStateKey } from "../../packages/core/src/klarna"
import { KLARNA_RATE_STATE } from "../../packages/core/src/storage/schema"
import { SqlCallGateState } from "../../packages/core/src/storage/sql-call-gate-state"
import { runStatements } from "../../packages/core/src/storage/sql-migrations"
import { typeormSql } from "../../packages/core/src/storage/typeorm-sql"
import { workerCapacity } from "../../packages/core/src/sync/capacity"
import type { SyncableOrder } from "../../packages/core/src/sync/ports"
import {
  authorizeAtSimulator,
  benchOrderId,
  buildSnapshot,
  CountingLogger,
  engineRig,
  openDataSource,
  type EngineRig,
} from "../lib/engine-harness"
import { createDatabase, simControl, sql, type SimLogEntry, type SimulatorProcess } from "../lib/infra"
import { progress, type Measure } from "../lib/report"
import { pool, round } from "../lib/stats"

export interface DrainOptions {
  serverUrl: string
  sim: SimulatorProcess
  captures: number
  /** How long Klarna stays down after the last capture was queued. */
  outageAfterQueueMs: number
  latencyMs: number
  jitterMs: number
  rateLimit: number
  /**
   * Servers sharing the credentials and the database: each its own connection pool, worker and gate (as two
   * Medusa processes would have). Default 1.
   */
  servers?: number
}

const SHAPE = { items: 3, fulfillments: 1, tracking: true }

interface SimOrder {
  order_id: string
  captures: { capture_id: string; reference?: string }[]
}

export async function backlogDrain(options: DrainOptions): Promise<Measure> {
  const { sim, captures } = options
  const url = await createDatabase(options.serverUrl, "kos_bench_drain")
  const counter = new CountingLogger()
  const dataSource = await openDataSource(url, counter)
  await dataSource.runMigrations({ transaction: "each" })
  await runStatements(dataSource, KLARNA_RATE_STATE.up)
  const shareGates = process.env.KOS_BENCH_UNSHARED_GATES !== "1"
  const worker = DEFAULT_WORKER_OPTIONS
  const servers = await Promise.all(
    Array.from({ length: options.servers ?? 1 }, async (_, index) => {
      const source = index === 0 ? dataSource : await openDataSource(url, counter)
      // The plugin's own client settings: http.maxRetries and timeout, and a gate as clientForCredentials makes it.
      const gate = new KlarnaCallGate({ initialInFlight: worker.concurrency, maxInFlight: worker.maxConcurrency })
      if (shareGates) {
        gate.shareWith(new SqlCallGateState(typeormSql(source.manager)), sharedStateKey(callGateKey(sim.username, sim.url)), (error) =>
          progress(`backlog_drain: the gate's shared state failed: ${error.message}`),
        )
      }
      const client = new KlarnaClient({
        username: sim.username,
        password: sim.password,
        baseUrl: sim.url,
        timeoutMs: DEFAULT_HTTP_OPTIONS.timeoutMs,
        maxRetries: DEFAULT_HTTP_OPTIONS.maxRetries,
        userAgentSuffix: "bench",
        gate,
      })
      const rig = engineRig(source, sim, worker.concurrency, {
        client,
        engine: {
          maxAttempts: worker.maxAttempts,
          backoff: { baseMs: worker.baseBackoffMs, maxMs: worker.maxBackoffMs },
          leaseMs: worker.leaseMs,
        },
        capacity: () => workerCapacity(worker, gate.inFlightLimit),
      })
      return { source, gate, rig }
    }),
  )
  const rig = servers[0].rig
  const gates = servers.map((server) => server.gate)
  const gate = {
    /** The gates of all servers together: calls and 429s summed, windows and paces per server. */
    state: () => {
      const states = gates.map((one) => one.state())
      const sum = (pick: (state: (typeof states)[number]) => number) => states.reduce((total, state) => total + pick(state), 0)
      return {
        inFlight: sum((state) => state.inFlight),
        waiting: sum((state) => state.waiting),
        window: sum((state) => state.window),
        calls: sum((state) => state.calls),
        rateLimited: sum((state) => state.rateLimited),
        outage: states.every((state) => state.outage),
        ratePerS: states.every((state) => state.ratePerS !== null) ? sum((state) => state.ratePerS ?? 0) : null,
        announcedLimit: states[0].announcedLimit,
      }
    },
  }
  const eachWorker = (act: (worker: EngineRig["worker"]) => unknown) => Promise.all(servers.map((server) => act(server.rig.worker)))
  let faultId: string | undefined
  try {
    await simControl(sim.url, "POST", "/__sim/config", { latencyMs: 0, jitterMs: 0, rateLimit: null })
    progress(`backlog_drain: ${captures} orders at the simulator`)
    const orders: SyncableOrder[] = Array.from({ length: captures }, () => buildSnapshot(benchOrderId("drain"), SHAPE))
    await pool(orders, 8, (order) => authorizeAtSimulator(sim, order))
    for (const server of servers) for (const order of orders) server.rig.orders.orders.set(order.orderId, order)

    // Klarna is down: every OM call 503.
    const fault = await simControl<{ id: string }>(sim.url, "POST", "/__sim/faults", {
      match: { path: "/ordermanagement/", times: null },
      fault: { type: "http", status: 503 },
    })
    faultId = fault.id
    await eachWorker((one) => one.start())
    progress(`backlog_drain: queueing ${captures} captures while Klarna answers 503`)
    const queueStarted = performance.now()
    await pool(orders, 8, (order) => rig.engine.fulfillmentCreated(order.orderId, order.fulfillments[0].id))
    const queueMs = performance.now() - queueStarted
    await new Promise((resolve) => setTimeout(resolve, options.outageAfterQueueMs))
    const duringOutage = await sql<{ tried: string; attempts: string; max_attempts: string; calls: string }>(
      url,
      `SELECT count(*) FILTER (WHERE attempts > 0)::text AS tried, coalesce(sum(attempts), 0)::text AS attempts,
              coalesce(max(attempts), 0)::text AS max_attempts, (SELECT count(*) FROM klarna_sync_attempt)::text AS calls
         FROM klarna_sync_job`,
    )
    const gateAtOutage = gate.state()

    // Klarna is back, at its pace.
    progress(`backlog_drain: Klarna back (${options.latencyMs} ± ${options.jitterMs} ms, ${options.rateLimit} requests/s)`)
    await simControl(sim.url, "POST", "/__sim/config", {
      latencyMs: options.latencyMs,
      jitterMs: options.jitterMs,
      rateLimit: options.rateLimit,
    })
    await simControl(sim.url, "DELETE", "/__sim/requests")
    const sqlBefore = counter.queries
    const claimsBefore = servers.map((server) => ({ ...server.rig.store.claims }))
    const recovered = performance.now()
    await simControl(sim.url, "DELETE", `/__sim/faults/${faultId}`)
    faultId = undefined
    await eachWorker((one) => one.nudge())
    // What the gate looks like during the drain: calls in flight, calls waiting for a slot or the pace.
    const samples: { inFlight: number; waiting: number; window: number }[] = []
    const sampler = setInterval(() => samples.push(gate.state()), 200)
    let lastSeen = ""
    let stalledSince = performance.now()
    for (;;) {
      const states = await rig.store.countJobs({ platform: "medusa" })
      if (states.succeeded + states.failed + states.skipped >= captures) break
      const seen = JSON.stringify(states)
      if (seen !== lastSeen) {
        lastSeen = seen
        stalledSince = performance.now()
      } else if (performance.now() - stalledSince > 120_000) throw new Error(`backlog_drain: no progress for 2 min: ${seen}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const drainedMs = performance.now() - recovered
    clearInterval(sampler)
    const sqlStatements = counter.queries - sqlBefore
    const claims = servers.reduce(
      (total, server, i) => ({
        statements: total.statements + server.rig.store.claims.statements - claimsBefore[i].statements,
        jobs: total.jobs + server.rig.store.claims.jobs - claimsBefore[i].jobs,
      }),
      { statements: 0, jobs: 0 },
    )
    await eachWorker((one) => one.stop())

    const calls = await simControl<(SimLogEntry & { at: string; rate_limited?: boolean })[]>(
      sim.url,
      "GET",
      "/__sim/requests?path_contains=/ordermanagement/",
    )
    const rateLimited = calls.filter((call) => call.status === 429).length
    const states = await rig.store.countJobs({ platform: "medusa" })
    const simOrders = await simControl<SimOrder[]>(sim.url, "GET", "/__sim/orders")
    const ours = new Set(orders.map((order) => order.klarnaOrderId))
    let capturesAtKlarna = 0
    let doubled = 0
    let missing = 0
    for (const order of simOrders) {
      if (!ours.has(order.order_id)) continue
      capturesAtKlarna += order.captures.length
      if (order.captures.length > 1) doubled++
      if (order.captures.length === 0) missing++
    }
    const attempts = await sql<{ max: string; retried: string }>(
      url,
      `SELECT max(attempts)::text AS max, count(*) FILTER (WHERE attempts > 1)::text AS retried FROM klarna_sync_job`,
    )
    const drainPerS = capturesAtKlarna / (drainedMs / 1000)
    const share = drainPerS / options.rateLimit
    const rateLimitedShare = calls.length > 0 ? rateLimited / calls.length : 0
    const exact = capturesAtKlarna === captures && doubled === 0 && missing === 0
    const met = share >= 0.9 && rateLimitedShare < 0.01 && exact && states.failed === 0
    const gateAtEnd = gate.state()
    const misses: string[] = []
    if (share < 0.9) misses.push(`drain at ${round(share, 3)} of the limit (goal 0.9)`)
    if (rateLimitedShare >= 0.01) misses.push(`${rateLimited} of ${calls.length} calls got 429`)
    if (!exact) misses.push(`${capturesAtKlarna} captures at Klarna for ${captures} (doubled ${doubled}, missing ${missing})`)
    if (states.failed > 0) misses.push(`${states.failed} jobs parked`)
    return {
      measure: servers.length > 1 ? "backlog_drain_two_servers" : "backlog_drain",
      captures,
      servers: servers.length,
      gates_shared: shareGates,
      klarna_latency_ms: options.latencyMs,
      klarna_jitter_ms: options.jitterMs,
      rate_limit_per_s: options.rateLimit,
      drain_s: round(drainedMs / 1000, 1),
      drain_per_s: round(drainPerS, 1),
      ratio_to_limit: round(share, 3),
      goal: ">=0.9 of the limit, <1% 429s, every capture once, 0 parked",
      met,
      klarna_calls: calls.length,
      rate_limited_429: rateLimited,
      rate_limited_share: round(rateLimitedShare, 4),
      captures_at_klarna: capturesAtKlarna,
      doubled,
      missing,
      jobs: states,
      jobs_retried: Number(attempts[0]?.retried ?? 0),
      max_attempts_of_a_job: Number(attempts[0]?.max ?? 0),
      sql_per_sync: round(sqlStatements / captures, 1),
      // Claim transactions (4 statements each) since recovery, and the jobs they returned (empty claims count).
      claim_transactions: claims.statements,
      jobs_per_claim: round(claims.jobs / Math.max(claims.statements, 1), 2),
      queue_s: round(queueMs / 1000, 1),
      outage: {
        // During the outage: jobs that were tried (and burnt an attempt), and what the gate let through.
        jobs_tried: Number(duringOutage[0]?.tried ?? 0),
        attempts: Number(duringOutage[0]?.attempts ?? 0),
        max_attempts_of_a_job: Number(duringOutage[0]?.max_attempts ?? 0),
        gate_window: gateAtOutage.window,
        gate_in_outage: gateAtOutage.outage,
      },
      gate_during_drain: {
        calls_in_flight_avg: round(samples.reduce((sum, sample) => sum + sample.inFlight, 0) / Math.max(samples.length, 1), 1),
        calls_waiting_avg: round(samples.reduce((sum, sample) => sum + sample.waiting, 0) / Math.max(samples.length, 1), 1),
        window_avg: round(samples.reduce((sum, sample) => sum + sample.window, 0) / Math.max(samples.length, 1), 1),
      },
      gate_at_end: {
        window: gateAtEnd.window,
        // Summed over the servers.
        pace_per_s: gateAtEnd.ratePerS === null ? null : round(gateAtEnd.ratePerS, 1),
        announced_limit: gateAtEnd.announcedLimit,
        // Each server's share of the limit at the end (shared state: 1 / busy servers).
        shares: gates.map((one) => round(one.state().share, 3)),
        calls: gateAtEnd.calls,
        rate_limited: gateAtEnd.rateLimited,
      },
      worker: { concurrency: worker.concurrency, maxConcurrency: worker.maxConcurrency, maxAttempts: worker.maxAttempts },
      ...(misses.length > 0 ? { note: misses.join("; ") } : {}),
    }
  } finally {
    await eachWorker((one) => one.stop())
    if (faultId) await simControl(sim.url, "DELETE", `/__sim/faults/${faultId}`).catch(() => undefined)
    await simControl(sim.url, "POST", "/__sim/config", { latencyMs: 0, jitterMs: 0, rateLimit: null }).catch(() => undefined)
    for (const server of servers) await server.source.destroy()
  }
}
