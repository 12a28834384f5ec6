/**
 * The worker at Klarna's pace: SyncEngine + SyncWorker on a real PostgreSQL outbox, the real KlarnaClient with
 * a KlarnaCallGate against the simulator over HTTP, with a rate limit (and Klarna's rate-limit headers).
 * - the calls in flight never exceed the gate's window, nor the window its ceiling; the pace Klarna announces
 *   is learnt and kept (no 429); every capture is made exactly once;
 * - a 429 with Retry-After holds back every lane of those credentials, not just the call that got it;
 * - two servers (two connection pools, two workers, two gates) on the same credentials share through the database
 *   (SqlCallGateState): a 429 one gets holds the other's calls too, and they split Klarna's limit between them.
 */
import { Pool } from "pg"
import { startSimulator, type RunningSimulator } from "../../packages/simulator/server"
import { callGateKey, KlarnaCallGate, KlarnaClient, sharedStateKey, type CallResult, type CallTicket } from "../../packages/core/src/klarna"
import { pgSql } from "../../packages/core/src/storage/pg-sql"
import { KLARNA_RATE_STATE } from "../../packages/core/src/storage/schema"
import { SqlCallGateState } from "../../packages/core/src/storage/sql-call-gate-state"
import { runStatements } from "../../packages/core/src/storage/sql-migrations"
import { SyncEngine } from "../../packages/core/src/sync/engine"
import { workerCapacity } from "../../packages/core/src/sync/capacity"
import { SyncWorker } from "../../packages/core/src/sync/worker"
import type { SyncableOrder } from "../../packages/core/src/sync/ports"
import { fulfillment, item, order, shipping } from "../../packages/core/src/sync/__tests__/__fixtures__/order-builder"
import { simCreateOrder, simFault, simOrder, simRequests, type SimRequest } from "../support/simulator-client"
import { outboxDatabase, sleep, type OutboxDatabase } from "./support"

jest.setTimeout(120_000)

/** A gate that records when each call got its slot and what was in flight then. */
class ObservedGate extends KlarnaCallGate {
  grants: { at: number; inFlight: number; window: number }[] = []
  results: { at: number; status: number | undefined }[] = []
  override async acquire(): Promise<CallTicket> {
    const ticket = await super.acquire()
    const state = this.state()
    this.grants.push({ at: Date.now(), inFlight: state.inFlight, window: state.window })
    return ticket
  }
  override release(ticket: CallTicket, result: CallResult): void {
    this.results.push({ at: Date.now(), status: result.status })
    super.release(ticket, result)
  }
}

const silent = { debug() {}, info() {}, warn() {}, error() {} }
const run = Date.now().toString(36)
let db: OutboxDatabase
let sim: RunningSimulator
let orders: Map<string, SyncableOrder>
let pools: Pool[] = []
/** What the gates' shared state failed with (nothing, in these tests). */
let sharedStateErrors: string[] = []

afterEach(async () => {
  await sim?.close()
  await Promise.all(pools.map((pool) => pool.end()))
  pools = []
  sharedStateErrors = []
  await db?.close()
})

async function setUp(simulator: { latencyMs: number; jitterMs: number; rateLimit: number | null }) {
  db = await outboxDatabase("kos_rate")
  // The shared state's table (the plugin's migration KlarnaRateState1764400000000).
  await runStatements({ query: (text) => db.sql(text) }, KLARNA_RATE_STATE.up)
  sim = await startSimulator({ ...simulator, port: 0 })
  orders = new Map()
}

/** The gate's shared state on a pool of its own server's: the same table, the same hashed credentials key. */
function shareThroughDatabase(gate: KlarnaCallGate): void {
  const pool = new Pool({ connectionString: db.url, max: 2 })
  pools.push(pool)
  gate.shareWith(new SqlCallGateState(pgSql(pool)), sharedStateKey(callGateKey(sim.username, sim.url)), (error) =>
    sharedStateErrors.push(error.message),
  )
}

/** count Klarna orders at the simulator, each with one fulfillment to capture. */
async function placeOrders(count: number): Promise<SyncableOrder[]> {
  const placed: SyncableOrder[] = []
  for (let i = 0; i < count; i++) {
    const base = order({
      items: [item("item_a", 2, 2000), item("item_b", 1, 3000)],
      shippingLines: [shipping("ship_1", 500)],
      fulfillments: [fulfillment(`ful_${run}_${i}`, { item_a: 2, item_b: 1 })],
    })
    const klarnaOrderId = await simCreateOrder(sim.url, base.totalAmount)
    const platformOrder: SyncableOrder = {
      ...base,
      orderId: `order_${run}_${i}`,
      klarnaOrderId,
      authorizedAmount: base.totalAmount,
    }
    orders.set(platformOrder.orderId, platformOrder)
    placed.push(platformOrder)
  }
  return placed
}

async function workerWith(gate: KlarnaCallGate, concurrency: number, maxConcurrency: number, userAgentSuffix?: string) {
  const store = await db.server(8)
  const client = new KlarnaClient({
    ...(userAgentSuffix ? { userAgentSuffix } : {}),
    username: sim.username,
    password: sim.password,
    baseUrl: sim.url,
    maxRetries: 2,
    timeoutMs: 5000,
    gate,
  })
  const engine = new SyncEngine({
    store,
    orders: { loadOrder: async (id) => orders.get(id) ?? null },
    klarna: { forCurrency: () => client },
    logger: silent,
    options: {
      platform: "medusa",
      maxAttempts: 8,
      backoff: { baseMs: 100, maxMs: 1000 },
      leaseMs: 30_000,
      autoRelease: false,
      captureOn: "fulfillment",
    },
  })
  const worker = new SyncWorker(
    engine,
    { pollIntervalMs: 200, concurrency, capacity: () => workerCapacity({ concurrency, maxConcurrency }, gate.inFlightLimit) },
    silent,
  )
  return { engine, worker }
}

async function waitUntilDone(count: number, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const [row] = await db.sql<{ done: string }>(
      `SELECT count(*)::text AS done FROM klarna_sync_job WHERE state IN ('succeeded', 'failed', 'skipped')`,
    )
    if (Number(row.done) >= count) return
    if (Date.now() > deadline) throw new Error(`only ${row.done}/${count} jobs finished`)
    await sleep(100)
  }
}

async function expectEachCapturedOnce(placed: SyncableOrder[]): Promise<void> {
  const jobs = await db.sql<{ state: string; n: string }>(`SELECT state, count(*)::text AS n FROM klarna_sync_job GROUP BY state`)
  expect(jobs).toEqual([{ state: "succeeded", n: String(placed.length) }])
  for (const placedOrder of placed) {
    const atKlarna = await simOrder(sim.url, placedOrder.klarnaOrderId as string)
    expect(atKlarna.captures).toHaveLength(1)
    expect(atKlarna.captures[0].captured_amount).toBe(placedOrder.totalAmount)
  }
}

test("under a 20 requests/s limit: in flight never above the window, Klarna's announced pace kept (no 429), every capture once", async () => {
  await setUp({ latencyMs: 40, jitterMs: 10, rateLimit: 20 })
  const placed = await placeOrders(60)
  const gate = new ObservedGate({ initialInFlight: 2, maxInFlight: 6 })
  const { engine, worker } = await workerWith(gate, 2, 8)
  worker.start()
  for (const placedOrder of placed) await engine.fulfillmentCreated(placedOrder.orderId, placedOrder.fulfillments[0].id)
  await waitUntilDone(placed.length)
  await worker.stop()

  await expectEachCapturedOnce(placed)
  expect(gate.grants.length).toBeGreaterThanOrEqual(placed.length)
  for (const grant of gate.grants) {
    expect(grant.inFlight).toBeLessThanOrEqual(grant.window)
    expect(grant.window).toBeLessThanOrEqual(6)
  }
  expect(gate.state()).toMatchObject({ announcedLimit: 20, ratePerS: 19, rateLimited: 0 })
  const calls = await simRequests(sim.url, "/ordermanagement/")
  expect(calls.filter((call) => call.status === 429)).toHaveLength(0)
})

test("a 429 with Retry-After holds back every lane of those credentials until the wait is over", async () => {
  await setUp({ latencyMs: 20, jitterMs: 0, rateLimit: null })
  const placed = await placeOrders(16)
  const gate = new ObservedGate({ initialInFlight: 4, maxInFlight: 8 })
  const { engine, worker } = await workerWith(gate, 4, 8)
  // The first capture gets a 429 that asks for 2 s, while the other lanes' first calls are out.
  await simFault(sim.url, {
    match: { method: "POST", path: "/captures", times: 1 },
    fault: { type: "rate_limit", retry_after_seconds: 2 },
  })
  for (const placedOrder of placed) await engine.fulfillmentCreated(placedOrder.orderId, placedOrder.fulfillments[0].id)
  worker.start()
  await waitUntilDone(placed.length)
  await worker.stop()

  await expectEachCapturedOnce(placed)
  const limited = gate.results.find((result) => result.status === 429)
  expect(limited).toBeDefined()
  const at = (limited as { at: number }).at
  // Jobs were still queued when the 429 came back, and no lane sent anything for the 2 s it asked for.
  const after = gate.grants.filter((grant) => grant.at >= at)
  expect(after.length).toBeGreaterThanOrEqual(placed.length / 2)
  expect(Math.min(...after.map((grant) => grant.at - at))).toBeGreaterThanOrEqual(1990)
  expect(gate.state().rateLimited).toBe(1)
})

/** The server that sent a logged call, by its User-Agent suffix. */
const serverOf = (call: SimRequest) => (call.headers["user-agent"] ?? "").split(" ").pop()
const atMs = (call: SimRequest) => Date.parse((call as SimRequest & { at: string }).at)

/** Two servers sharing the credentials through the database, each its own pool, worker and gate. */
async function twoServers(concurrency: number, maxConcurrency: number) {
  return Promise.all(
    ["server-a", "server-b"].map(async (name) => {
      const gate = new ObservedGate({ initialInFlight: concurrency, maxInFlight: maxConcurrency })
      shareThroughDatabase(gate)
      return { name, gate, ...(await workerWith(gate, concurrency, maxConcurrency, name)) }
    }),
  )
}

test("two servers: a 429 with Retry-After one of them gets holds the other's calls too, until the wait is over", async () => {
  await setUp({ latencyMs: 100, jitterMs: 0, rateLimit: null })
  const placed = await placeOrders(150)
  const servers = await twoServers(2, 2)
  await simFault(sim.url, {
    match: { method: "POST", path: "/captures", times: 1 },
    fault: { type: "rate_limit", retry_after_seconds: 3 },
  })
  for (const placedOrder of placed) await servers[0].engine.fulfillmentCreated(placedOrder.orderId, placedOrder.fulfillments[0].id)
  for (const one of servers) one.worker.start()
  await waitUntilDone(placed.length)
  await Promise.all(servers.map((one) => one.worker.stop()))

  await expectEachCapturedOnce(placed)
  expect(sharedStateErrors).toEqual([])
  const calls = await simRequests(sim.url, "/ordermanagement/")
  const limited = calls.filter((call) => call.status === 429)
  expect(limited).toHaveLength(1)
  const at = atMs(limited[0])
  const got = serverOf(limited[0])
  const other = got === "server-a" ? "server-b" : "server-a"
  const othersCalls = calls.filter((call) => serverOf(call) === other).map(atMs)
  // The other server was busy through it all: calls before the 429, and after the pause.
  expect(othersCalls.filter((t) => t <= at + 500).length).toBeGreaterThan(0)
  expect(othersCalls.filter((t) => t >= at + 3000).length).toBeGreaterThan(10)
  // It read the pause from the database within a second (plus the read's own time), and held every call until
  // the 3 s were over: no server sent anything meanwhile.
  const held = calls.filter((call) => atMs(call) >= at + 1200 && atMs(call) < at + 2950)
  expect(held).toEqual([])
  expect(servers.map((one) => one.gate.state().rateLimited).sort()).toEqual([0, 1])
})

test("two servers under a 20 requests/s limit split it between them: together under the limit, every capture once", async () => {
  await setUp({ latencyMs: 40, jitterMs: 10, rateLimit: 20 })
  const placed = await placeOrders(160)
  const servers = await twoServers(2, 8)
  for (const placedOrder of placed) await servers[0].engine.fulfillmentCreated(placedOrder.orderId, placedOrder.fulfillments[0].id)
  const started = Date.now()
  for (const one of servers) one.worker.start()
  await waitUntilDone(placed.length)
  const drainedS = (Date.now() - started) / 1000
  await Promise.all(servers.map((one) => one.worker.stop()))

  await expectEachCapturedOnce(placed)
  expect(sharedStateErrors).toEqual([])
  const calls = await simRequests(sim.url, "/ordermanagement/")
  // Both servers worked, each learnt Klarna's limit and that the other shares it: each paces at half of 95% of it.
  for (const one of servers) {
    expect(calls.filter((call) => serverOf(call) === one.name).length).toBeGreaterThan(placed.length / 4)
    expect(one.gate.state()).toMatchObject({ announcedLimit: 20, servers: 2, share: 0.5 })
    expect(one.gate.state().ratePerS).toBeLessThanOrEqual(9.5)
  }
  // Unshared, each would pace at 19/s: 38/s against 20, a 429 about every other call once the first full bucket
  // is spent. Shared, only the first second can overshoot: both started at once, and each read the other's
  // report only at its second read.
  expect(calls.filter((call) => call.status === 429).length).toBeLessThanOrEqual(2)
  expect(placed.length / drainedS).toBeGreaterThan(20 * 0.7)
  // From then on, in every second, the two together sent no more than the limit.
  const first = Math.min(...calls.map(atMs))
  const last = Math.max(...calls.map(atMs))
  for (let from = first + 2000; from + 1000 <= last; from += 250) {
    expect(calls.filter((call) => atMs(call) >= from && atMs(call) < from + 1000).length).toBeLessThanOrEqual(20)
  }
})
