/**
 * Tracking reaches Klarna once even when two shipping_info jobs of one fulfillment meet a lost response.
 *
 * Found by the 1,000-order soak (the capture of a fulfillment carried `TRK-399-A` twice): a fulfillment's
 * capture failed once, tracking was added meanwhile (job S1, waiting for the capture), the capture then went
 * without it and queued a follow-up for the tracking it did not carry (job S2, another key). One of the two
 * appended the tracking, Klarna applied it and the response was lost; while that job waited for its retry, the
 * other one, seeing no tracking on the capture row, sent it again under its own key.
 */
import { startSimulator, type RunningSimulator } from "../../packages/simulator/server"
import { KlarnaClient } from "../../packages/core/src/klarna"
import type { SqlSyncStore } from "../../packages/core/src/storage/sql-sync-store"
import { SyncEngine } from "../../packages/core/src/sync/engine"
import type { SyncableOrder } from "../../packages/core/src/sync/ports"
import { fulfillment, item, order, shipping } from "../../packages/core/src/sync/__tests__/__fixtures__/order-builder"
import { simClearFaults, simCreateOrder, simFault, simOrder, simRequests } from "../support/simulator-client"
import { outboxDatabase, sleep, type OutboxDatabase } from "./support"

jest.setTimeout(60_000)

let db: OutboxDatabase
let sim: RunningSimulator
let store: SqlSyncStore
const orders = new Map<string, SyncableOrder>()
const run = Date.now().toString(36)

/** A retry waits longer than a job deferred for the capture (2 s): the other job runs in between, as in the soak. */
function engine(): SyncEngine {
  const klarna = new KlarnaClient({ username: sim.username, password: sim.password, baseUrl: sim.url, maxRetries: 0, timeoutMs: 3000 })
  return new SyncEngine({
    store,
    orders: { loadOrder: async (id) => orders.get(id) ?? null },
    klarna: { forCurrency: () => klarna },
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    options: {
      platform: "medusa",
      maxAttempts: 5,
      backoff: { baseMs: 3000, maxMs: 3000 },
      leaseMs: 10_000,
      autoRelease: false,
      captureOn: "fulfillment",
    },
  })
}

async function drain(sync: SyncEngine, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await sync.processNext("worker-1")) continue
    const open = await db.sql(`SELECT id FROM klarna_sync_job WHERE state IN ('pending', 'running')`)
    if (open.length === 0) return
    if (Date.now() > deadline) throw new Error("jobs still open")
    await sleep(50)
  }
}

beforeAll(async () => {
  sim = await startSimulator({ port: 0 })
})
afterAll(async () => {
  await sim?.close()
})
beforeEach(async () => {
  db = await outboxDatabase("kos_tracking_doubt")
  store = await db.server()
  await simClearFaults(sim.url)
})
afterEach(async () => {
  await db?.close()
})

test("a tracking append applied by Klarna whose response was lost is not sent again by another job of the fulfillment", async () => {
  const fulfillmentId = `ful_${run}_1`
  const base = order({
    items: [item("item_a", 2, 2000), item("item_b", 1, 3000)],
    shippingLines: [shipping("ship_1", 500)],
    fulfillments: [fulfillment(fulfillmentId, { item_a: 2, item_b: 1 })],
  })
  const klarnaOrderId = await simCreateOrder(sim.url, base.totalAmount)
  const platformOrder: SyncableOrder = { ...base, orderId: `order_${run}_1`, klarnaOrderId, authorizedAmount: base.totalAmount }
  orders.set(platformOrder.orderId, platformOrder)
  const sync = engine()

  // The capture fails once (its request frozen without tracking)…
  await simFault(sim.url, { match: { method: "POST", path: "/captures$", times: 1 }, fault: { type: "http", status: 500 } })
  await sync.fulfillmentCreated(platformOrder.orderId, fulfillmentId)
  expect(await sync.processNext("worker-1")).toBe(true)
  // …the merchant adds tracking meanwhile…
  platformOrder.fulfillments[0].trackings = [{ trackingNumber: "TRK-399-A", trackingUrl: "https://track.example/TRK-399-A" }]
  await sync.shipmentCreated(platformOrder.orderId, fulfillmentId)
  // …and the first append's response is lost after Klarna applied it.
  await simFault(sim.url, { match: { method: "POST", path: "/shipping-info", times: 1 }, fault: { type: "apply_then_drop" } })
  await drain(sync)

  const [capture] = (await simOrder(sim.url, klarnaOrderId)).captures
  expect(capture.reference).toBe(fulfillmentId)
  expect(capture.shipping_info?.map((entry) => entry.tracking_number)).toEqual(["TRK-399-A"])
  const jobs = await db.sql<{ job_key: string; state: string }>(
    `SELECT job_key, state FROM klarna_sync_job WHERE operation = 'shipping_info'`,
  )
  expect(jobs.every((job) => job.state === "succeeded" || job.state === "skipped")).toBe(true)
  // Both jobs existed (the scenario), and every append after the lost one replayed its key.
  expect(jobs.map((job) => job.job_key).sort()).toEqual([
    `medusa:shipping_info:${fulfillmentId}:TRK-399-A`,
    expect.stringMatching(new RegExp(`^medusa:shipping_info:${fulfillmentId}:TRK-399-A:after:`)),
  ])
  const appends = (await simRequests(sim.url, `/orders/${klarnaOrderId}/captures/`)).filter((r) => r.path.endsWith("/shipping-info"))
  expect(new Set(appends.map((r) => r.headers["klarna-idempotency-key"])).size).toBe(1)
})
