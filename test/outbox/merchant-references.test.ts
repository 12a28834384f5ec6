/**
 * The update_references job without Medusa: SyncEngine on a real PostgreSQL outbox, the real KlarnaClient
 * against the simulator over HTTP, a platform order held in memory. Klarna learns the store's order
 * number and id once, whether order.placed arrived or was lost (converge), and never twice.
 */
import { startSimulator, type RunningSimulator } from "../../packages/simulator/server"
import { KlarnaClient } from "../../packages/core/src/klarna"
import type { SqlSyncStore } from "../../packages/core/src/storage/sql-sync-store"
import { SyncEngine } from "../../packages/core/src/sync/engine"
import type { SyncableOrder } from "../../packages/core/src/sync/ports"
import { item, order } from "../../packages/core/src/sync/__tests__/__fixtures__/order-builder"
import { simOrder, simRequests } from "../support/simulator-client"
import { outboxDatabase, type OutboxDatabase } from "./support"

jest.setTimeout(60_000)

let db: OutboxDatabase
let sim: RunningSimulator
let store: SqlSyncStore
const orders = new Map<string, SyncableOrder>()
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined }
const run = Date.now().toString(36)
let sequence = 0

function engine(merchantReferences: boolean): SyncEngine {
  const klarna = new KlarnaClient({ username: sim.username, password: sim.password, baseUrl: sim.url, maxRetries: 0, timeoutMs: 3000 })
  return new SyncEngine({
    store,
    orders: { loadOrder: async (id) => orders.get(id) ?? null },
    klarna: { forCurrency: () => klarna },
    logger: quiet,
    options: {
      platform: "medusa",
      maxAttempts: 3,
      backoff: { baseMs: 40, maxMs: 400 },
      leaseMs: 500,
      autoRelease: false,
      captureOn: "fulfillment",
      merchantReferences,
    },
  })
}

async function placeOrder(): Promise<SyncableOrder> {
  sequence++
  const base = order({ items: [item("item_a", 1, 2000)] })
  const response = await fetch(`${sim.url}/__sim/orders`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      order_amount: base.totalAmount,
      purchase_currency: "EUR",
      purchase_country: "DE",
      merchant_reference2: "cart_123",
    }),
  })
  const created = (await response.json()) as { order_id: string }
  const placed: SyncableOrder = {
    ...base,
    orderId: `order_${run}_${sequence}`,
    displayId: String(1000 + sequence),
    klarnaOrderId: created.order_id,
    authorizedAmount: base.totalAmount,
  }
  orders.set(placed.orderId, placed)
  return placed
}

async function drain(e: SyncEngine): Promise<void> {
  while (await e.processNext("worker-1"));
}

const patches = async (klarnaOrderId: string) =>
  (await simRequests(sim.url, `/orders/${klarnaOrderId}/merchant-references`)).filter((r) => r.method === "PATCH")

beforeAll(async () => {
  sim = await startSimulator({ port: 0 })
  db = await outboxDatabase("kos_references")
  store = await db.server()
})

afterAll(async () => {
  await db?.close()
  await sim?.close()
})

test("order.placed sets reference1 = display id and reference2 = order id with one call; later events send nothing more", async () => {
  const e = engine(true)
  const placed = await placeOrder()
  const outcome = await e.orderPlaced(placed.orderId)
  expect(outcome.handled && outcome.jobs.map((j) => [j.operation, j.job_key])).toEqual([
    ["update_references", `medusa:update_references:${placed.orderId}`],
  ])
  await drain(e)
  const klarna = await simOrder(sim.url, placed.klarnaOrderId as string)
  expect([klarna.merchant_reference1, klarna.merchant_reference2]).toEqual([placed.displayId, placed.orderId])
  expect(await store.findMapping("medusa", placed.orderId)).toMatchObject({
    merchant_reference1: placed.displayId,
    merchant_reference2: placed.orderId,
  })

  // The same event again, and a converge: nothing queued, nothing sent.
  await e.orderPlaced(placed.orderId)
  expect((await e.converge(placed.orderId)).queued).toEqual([])
  await drain(e)
  const sent = await patches(placed.klarnaOrderId as string)
  expect(sent.map((r) => [r.status, r.body])).toEqual([
    [204, { merchant_reference1: placed.displayId, merchant_reference2: placed.orderId }],
  ])
})

test("order.placed lost: converge queues the references, and they reach Klarna", async () => {
  const e = engine(true)
  const placed = await placeOrder()
  expect((await e.converge(placed.orderId)).queued).toEqual([`medusa:update_references:${placed.orderId}`])
  await drain(e)
  expect((await simOrder(sim.url, placed.klarnaOrderId as string)).merchant_reference1).toBe(placed.displayId)
})

test("off (another integration owns the Klarna order): no job, Klarna's references untouched", async () => {
  const e = engine(false)
  const placed = await placeOrder()
  const outcome = await e.orderPlaced(placed.orderId)
  expect(outcome.handled && outcome.jobs).toEqual([])
  expect((await e.converge(placed.orderId)).queued).toEqual([])
  expect(await patches(placed.klarnaOrderId as string)).toEqual([])
  expect((await simOrder(sim.url, placed.klarnaOrderId as string)).merchant_reference2).toBe("cart_123")
})

test("a canceled order gets no references job", async () => {
  const e = engine(true)
  const placed = await placeOrder()
  orders.set(placed.orderId, { ...placed, canceled: true })
  const outcome = await e.orderPlaced(placed.orderId)
  expect(outcome.handled && outcome.jobs).toEqual([])
})
