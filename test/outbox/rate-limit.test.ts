/**
 * The worker at Klarna's pace: SyncEngine + SyncWorker on a real PostgreSQL outbox, the real KlarnaClient with
 * a KlarnaCallGate against the simulator over HTTP, with a rate limit (and Klarna's rate-limit headers).
 * - the calls in flight never exceed the gate's window, nor the window its ceiling; the pace Klarna announces
 *   is learnt and kept (no 429); every capture is made exactly once;
 * - a 429 with Retry-After holds back every lane of those credentials, not just the call that got it.
 */
import { startSimulator, type RunningSimulator } from "../../packages/simulator/server"
import { KlarnaCallGate, KlarnaClient, type CallResult, type CallTicket } from "../../packages/core/src/klarna"
import { SyncEngine } from "../../packages/core/src/sync/engine"
import { workerCapacity } from "../../packages/core/src/sync/capacity"
import { SyncWorker } from "../../packages/core/src/sync/worker"
import type { SyncableOrder } from "../../packages/core/src/sync/ports"
import { fulfillment, item, order, shipping } from "../../packages/core/src/sync/__tests__/__fixtures__/order-builder"
import { simCreateOrder, simFault, simOrder, simRequests } from "../support/simulator-client"
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

afterEach(async () => {
  await sim?.close()
  await db?.close()
})

async function setUp(simulator: { latencyMs: number; jitterMs: number; rateLimit: number | null }) {
  db = await outboxDatabase("kos_rate")
  sim = await startSimulator({ ...simulator, port: 0 })
  orders = new Map()
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

async function workerWith(gate: KlarnaCallGate, concurrency: number, maxConcurrency: number) {
  const store = await db.server(8)
  const client = new KlarnaClient({
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
