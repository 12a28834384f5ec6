/**
 * Issue 15, the v2 plugin on Medusa v2's Redis event bus (@medusajs/medusa/event-bus-redis, what multi-server
 * stores run; the test project loads it when KOS_REDIS_URL is set), tested like v1's (test/redis/redis-bus.test.ts):
 * a real redis-server on a free port, two Medusa 2.21 servers on the same database and the same Redis, the
 * Klarna simulator over HTTP.
 * - Exactly once under duress: Klarna-paid orders fulfilled in parts, shipped with labels, refunded and
 *   canceled through both servers' admin APIs while ~30 % of Klarna's mutations fail (500, 503, 429,
 *   apply_then_drop), one server SIGKILLed mid-sync and started again, and every event put on the Redis bus
 *   twice more: every unit captured once, each refund once, the lines and the tracking exactly as in Medusa.
 * - The merchant's tools on the Redis bus: a capture Klarna refused is parked, and the admin route retries it.
 */
import { isHealthy } from "../../scripts/http-health"
import { startRedis, type RunningRedis } from "../../scripts/redis"
import type { KlarnaOrderLine } from "../../packages/core/src/klarna/types"
import { refuseNextCapture } from "../admin/support"
import { klarnaCheckoutV2 } from "../support/medusa-v2-klarna-checkout"
import { cancelV2Order, fulfillV2, getV2Order, refundV2Payment, shipV2, type V2Label } from "../support/medusa-v2-orders"
import { openV2RedisBus, type V2RedisBus } from "../support/medusa-v2-redis-bus"
import { loginV2Admin, startMedusaV2, type MedusaV2Server, type V2AdminApi } from "../support/medusa-v2-stack"
import { startV2SyncStack, type V2SyncStack } from "../support/medusa-v2-sync-stack"
import { simClearFaults, simFault, simOrder, simOrderWhen, simRequests, type SimOrder, type SimRequest } from "../support/simulator-client"
import { eventually } from "../support/store-api"
import { settled, viewWhenV2 } from "./admin-support"

jest.setTimeout(600_000)

let redis: RunningRedis
let stack: V2SyncStack
let bus: V2RedisBus
/** The environment of every server of this file: the plugin's options and Medusa's Redis event bus. */
let serverEnv: Record<string, string>

const started = Date.now()
/** Progress with the seconds since the file started (the file's time budget is ~3 min). */
const phase = (what: string) => process.stdout.write(`[v2 redis] ${((Date.now() - started) / 1000).toFixed(1)} s ${what}\n`)

/** A Medusa server and its admin API. */
interface Node {
  name: string
  server: MedusaV2Server
  admin: V2AdminApi
}
let a: Node
let b: Node

async function startNode(name: string): Promise<Node> {
  const server = await startMedusaV2(stack.project, { databaseUrl: stack.databaseUrl, env: serverEnv })
  return { name, server, admin: await loginV2Admin(server.url) }
}

beforeAll(async () => {
  redis = await startRedis()
  // A sweep every 3 s (grace 5 s): what the SIGKILL interrupts is converged in seconds, not minutes.
  stack = await startV2SyncStack({
    name: "v2_redis",
    env: { KOS_REDIS_URL: redis.url },
    pluginOptions: { worker: { sweepIntervalMs: 3000 } },
  })
  serverEnv = { KOS_REDIS_URL: redis.url, KOS_KLARNA_OPTIONS: stack.pluginOptionsJson }
  a = { name: "A", server: stack.server, admin: stack.admin }
  b = await startNode("B")
  bus = openV2RedisBus(stack.project.dir, redis.url)
  phase("servers A and B up")
})

afterAll(async () => {
  if (process.env.KOS_MEDUSA_LOGS_ON_FAIL === "1") console.log(a?.server.logs().slice(-30000), b?.server.logs().slice(-30000)) // eslint-disable-line no-console
  await bus?.close()
  await b?.server.stop()
  await a?.server.stop()
  await stack?.close()
  await redis?.stop()
})

test("Medusa runs the Redis event bus: its module connected, no local bus, its queue in Redis delivering events", async () => {
  for (const node of [a, b]) {
    expect(node.server.logs()).toContain("Connection to Redis in module 'event-bus-redis' established")
    expect(node.server.logs()).not.toContain("Local Event Bus installed")
  }
  // An event put on the queue is taken by a server's bus worker and handed to the plugin's subscriber.
  const [job] = await bus.emit("order.placed", { id: "order_NOT_KLARNA" })
  await eventually(async () => (await bus.states([job]))[0] === "completed", { timeoutMs: 15_000, what: "the bus delivered the event" })
  expect(await bus.keys()).toEqual(
    expect.arrayContaining(["RedisEventBusService:events-queue:id", "RedisEventBusService:events-queue:meta"]),
  )
})

// --- exactly once under duress ------------------------------------------------------------------------

interface Placed {
  orderId: string
  klarnaOrderId: string
  paymentId: string
  /** Line item ids by SKU. */
  items: Record<string, string>
  /** What Medusa fulfilled: fulfillment id → quantity by SKU, and the labels it was shipped with. */
  fulfillments: Map<string, { quantities: Record<string, number>; labels: string[] }>
  /** Refunds made in Medusa, in minor units. */
  refunds: number[]
  canceled: boolean
}

async function place(node: Node, items: { sku: string; quantity: number }[]): Promise<Placed> {
  const placed = await klarnaCheckoutV2(node, stack.store, stack.simulator.url, { items })
  const order = await getV2Order(node.admin, placed.orderId)
  return {
    orderId: placed.orderId,
    klarnaOrderId: placed.klarnaOrderId,
    paymentId: placed.paymentId,
    items: Object.fromEntries(order.items.map((item) => [item.variant_sku as string, item.id])),
    fulfillments: new Map(),
    refunds: [],
    canceled: false,
  }
}

async function fulfillOn(node: Node, order: Placed, quantities: Record<string, number>): Promise<string> {
  const lines = Object.entries(quantities).map(([sku, quantity]) => ({ id: order.items[sku], quantity }))
  const id = await fulfillV2(node.admin, order.orderId, stack.store.stockLocationId, lines)
  order.fulfillments.set(id, { quantities, labels: [] })
  return id
}

async function shipOn(node: Node, order: Placed, fulfillmentId: string, trackingNumbers: string[]): Promise<void> {
  const fulfillment = order.fulfillments.get(fulfillmentId)!
  const lines = Object.entries(fulfillment.quantities).map(([sku, quantity]) => ({ id: order.items[sku], quantity }))
  const labels: V2Label[] = trackingNumbers.map((n) => ({
    tracking_number: n,
    tracking_url: `https://track.example/${encodeURIComponent(n)}`,
    label_url: "https://labels.example/label.pdf",
  }))
  await shipV2(node.admin, order.orderId, fulfillmentId, lines, labels)
  fulfillment.labels.push(...trackingNumbers)
}

/** Medusa marks the payment captured once Klarna holds the whole amount (the engine runs its capture workflow). */
async function paymentCaptured(node: Node, order: Placed): Promise<void> {
  await eventually(
    async () => {
      const { order: medusa } = await node.admin.get<{
        order: { payment_collections: { payments: { id: string; captured_at: string | null }[] }[] }
      }>(`/admin/orders/${order.orderId}?fields=id,*payment_collections.payments`)
      return Boolean(medusa.payment_collections.flatMap((c) => c.payments).find((p) => p.id === order.paymentId)?.captured_at)
    },
    { timeoutMs: 60_000, what: `Medusa's payment of ${order.orderId} captured` },
  )
}

async function refundOn(node: Node, order: Placed, majorUnits: number): Promise<void> {
  await refundV2Payment(node.admin, order.paymentId, majorUnits)
  order.refunds.push(Math.round(majorUnits * 100))
}

/**
 * Klarna's mutations fail: for sure the first two captures and the first refund are made and their answers lost
 * (apply_then_drop: only the idempotency key makes the retry safe), the first tracking gets a 503 and the first
 * merchant references a 429; then ~30 % of all mutations at random (seeded): 500, 503, 429 or apply_then_drop.
 */
async function injectFaults(): Promise<void> {
  const once = [
    { match: { method: "POST", path: "/captures$", times: 2 }, fault: { type: "apply_then_drop" } },
    { match: { method: "POST", path: "/refunds$", times: 1 }, fault: { type: "apply_then_drop" } },
    { match: { method: "POST", path: "/shipping-info$", times: 1 }, fault: { type: "http", status: 503 } },
    { match: { method: "PATCH", path: "/merchant-references$", times: 1 }, fault: { type: "rate_limit", retry_after_seconds: 1 } },
  ]
  for (const fault of once) await simFault(stack.simulator.url, fault)
  for (const method of ["POST", "PATCH"]) {
    await simFault(stack.simulator.url, {
      match: { method, path: "/ordermanagement/" },
      fault: { type: "random", rate: 0.3, types: ["500", "503", "429", "apply_then_drop"] },
      seed: `v2-redis-${method}`,
    })
  }
}

const TAX_RATE = 2500
/** A Klarna line as the plugin must send it: prices include the 25 % VAT, tax = total − total / 1.25. */
const klarnaLine = (type: string, reference: string, quantity: number, unitPrice: number) => ({
  type,
  reference,
  quantity,
  unit_price: unitPrice,
  tax_rate: TAX_RATE,
  total_amount: quantity * unitPrice,
  total_discount_amount: 0,
  total_tax_amount: Math.round(quantity * unitPrice - (quantity * unitPrice * 10000) / (10000 + TAX_RATE)),
})
const lineFields = (line: KlarnaOrderLine) => ({
  type: line.type,
  reference: line.reference,
  quantity: line.quantity,
  unit_price: line.unit_price,
  tax_rate: line.tax_rate,
  total_amount: line.total_amount,
  total_discount_amount: line.total_discount_amount,
  total_tax_amount: line.total_tax_amount,
})
const byReference = <T extends { reference?: string | null }>(lines: T[]) =>
  [...lines].sort((x, y) => String(x.reference).localeCompare(String(y.reference)))

/** What Klarna holds for an order against what Medusa did to it: the exactly-once check, per order. */
function expectMirrored(order: Placed, klarna: SimOrder): void {
  const fulfillments = [...order.fulfillments.entries()]
  // One capture per fulfillment, none more.
  expect(klarna.captures.map((c) => c.reference).sort()).toEqual(fulfillments.map(([id]) => id).sort())
  for (const [id, fulfillment] of fulfillments) {
    const capture = klarna.captures.find((c) => c.reference === id)!
    const units = Object.fromEntries(
      (capture.order_lines ?? []).filter((l) => l.type !== "shipping_fee").map((l) => [l.reference as string, l.quantity]),
    )
    expect({ fulfillment: id, units }).toEqual({ fulfillment: id, units: fulfillment.quantities })
    expect(capture.captured_amount).toBe((capture.order_lines ?? []).reduce((sum, l) => sum + l.total_amount, 0))
    expect({ fulfillment: id, tracking: (capture.shipping_info ?? []).map((s) => s.tracking_number) }).toEqual({
      fulfillment: id,
      tracking: fulfillment.labels,
    })
  }
  // The shipping once, with the first capture.
  expect(klarna.captures.flatMap((c) => c.order_lines ?? []).filter((l) => l.type === "shipping_fee")).toHaveLength(
    fulfillments.length > 0 ? 1 : 0,
  )
  expect(klarna.captured_amount).toBe(klarna.captures.reduce((sum, c) => sum + c.captured_amount, 0))
  expect(klarna.refunds.map((r) => r.refunded_amount).sort()).toEqual([...order.refunds].sort())
  expect(klarna.refunded_amount).toBe(order.refunds.reduce((sum, r) => sum + r, 0))
  if (order.canceled) expect(klarna.status).toBe("CANCELLED")
}

describe("two servers on one database and one Redis, Klarna faults, a SIGKILL, every event three times", () => {
  const orders: Placed[] = []
  const duplicateJobs: string[] = []
  let interrupted = ""

  beforeAll(async () => {
    phase("faults on, checkouts")
    await injectFaults()
    // Checkouts on both servers (the Klarna order is created through Klarna Payments, which is not faulted).
    const lines = await place(a, [
      { sku: "TOM-1", quantity: 3 },
      { sku: "JKT-1", quantity: 1 },
    ])
    const whole = await place(b, [
      { sku: "JKT-1", quantity: 1 },
      { sku: "TOM-1", quantity: 2 },
    ])
    const split = await place(a, [{ sku: "TOM-1", quantity: 4 }])
    const canceled = await place(b, [{ sku: "JKT-1", quantity: 1 }])
    orders.push(lines, whole, split, canceled)

    phase("fulfillments")
    const first = await fulfillOn(a, lines, { "TOM-1": 2 })
    await shipOn(b, lines, first, ["RB-Å1 ü"])
    await fulfillOn(b, split, { "TOM-1": 1 })

    // Server A gets two fulfillments, and is SIGKILLed as soon as Medusa answered: their events are on the
    // bus or in a server's hands, their captures queued or running (leased to A) or not even queued yet.
    const wholeFulfillment = await fulfillOn(a, whole, { "JKT-1": 1, "TOM-1": 2 })
    await fulfillOn(a, split, { "TOM-1": 3 })
    phase("SIGKILL A")
    process.kill(a.server.pid, "SIGKILL")
    const atKill = await stack.sql<{ state: string; n: number }>(
      `SELECT state, count(*)::int AS n FROM klarna_sync_job WHERE platform_order_id = ANY($1) GROUP BY state ORDER BY state`,
      [orders.map((o) => o.orderId)],
    )
    interrupted = atKill.map((row) => `${row.state} ${row.n}`).join(", ")
    await eventually(async () => !(await isHealthy(a.server.url)), { timeoutMs: 5000, what: "server A gone" })

    // Server B carries on alone: labels, the last fulfillment, its labels (two parcels).
    await shipOn(b, whole, wholeFulfillment, ["RB-3"])
    const second = await fulfillOn(b, lines, { "TOM-1": 1, "JKT-1": 1 })
    await shipOn(b, lines, second, ["RB-2a", "RB-2b"])

    // A comes back (a new process on the same database and Redis) and cancels the unshipped order.
    phase("restarting A")
    a = await startNode("A again")
    await cancelV2Order(a.admin, canceled.orderId)
    canceled.canceled = true

    // Refunds, once Medusa holds the payments as captured (after every capture reached Klarna).
    phase("waiting for the captures, refunds")
    await paymentCaptured(a, lines)
    await refundOn(a, lines, 100)
    await paymentCaptured(b, split)
    await refundOn(b, split, 15)

    // Every event of these orders put on the Redis bus twice more, as a redelivering bus would.
    phase("duplicates through the bus")
    const again = async (name: string, data: Record<string, unknown>) => duplicateJobs.push(...(await bus.emit(name, data, 2)))
    for (const order of orders) {
      await again("order.placed", { id: order.orderId })
      for (const id of order.fulfillments.keys()) {
        await again("order.fulfillment_created", { order_id: order.orderId, fulfillment_id: id })
        await again("shipment.created", { id })
      }
      if (order.refunds.length > 0) await again("payment.refunded", { id: order.paymentId })
      if (order.canceled) await again("order.canceled", { id: order.orderId })
    }
    await eventually(async () => (await bus.states(duplicateJobs)).every((state) => state === "completed"), {
      timeoutMs: 60_000,
      what: "the bus delivered every duplicate",
    })

    phase("settling")
    // Everything settles: no job left to run, none parked (failed), the bus empty.
    await eventually(
      async () => {
        const open = await stack.sql(
          `SELECT job_key, state, attempts, last_http_status, left(last_error, 300) AS error FROM klarna_sync_job
            WHERE platform_order_id = ANY($1) AND state IN ('pending', 'running', 'failed')`,
          [orders.map((o) => o.orderId)],
        )
        const pending = await bus.pending()
        if (open.length === 0 && Object.values(pending).every((n) => n === 0)) return true
        throw new Error(`open jobs ${JSON.stringify(open)}, bus ${JSON.stringify(pending)}`)
      },
      { timeoutMs: 90_000, what: "every sync job succeeded and the bus drained" },
    )
    await simClearFaults(stack.simulator.url)
    phase("settled")
  })

  test("the faults fired, the SIGKILL came mid-sync, the bus delivered every duplicate", async () => {
    process.stdout.write(`[v2 redis] sync jobs at the SIGKILL: ${interrupted || "none yet"}\n`)
    const faulted = ((await simRequests(stack.simulator.url, "/ordermanagement/")) as (SimRequest & { fault?: string })[]).filter(
      (r) => r.fault,
    )
    const kinds = [...new Set(faulted.map((r) => r.fault))].sort()
    process.stdout.write(`[v2 redis] Klarna faults: ${faulted.length} (${kinds.join(", ")})\n`)
    expect(kinds).toEqual(expect.arrayContaining(["apply_then_drop", "http", "rate_limit"]))
    expect(a.server.logs()).toContain("Connection to Redis in module 'event-bus-redis' established")
    // 4 order.placed, 5 fulfillments with their shipment.created, 2 payment.refunded, 1 order.canceled: twice each.
    expect(duplicateJobs).toHaveLength(2 * (4 + 2 * 5 + 2 + 1))
  })

  test("every unit captured once, every refund once, the tracking as typed, the canceled order canceled", async () => {
    for (const order of orders) expectMirrored(order, await simOrder(stack.simulator.url, order.klarnaOrderId))
    const [lines, whole, split, canceled] = await Promise.all(orders.map((o) => simOrder(stack.simulator.url, o.klarnaOrderId)))
    for (const klarna of [lines, whole, split]) {
      expect(klarna).toMatchObject({ status: "CAPTURED", remaining_authorized_amount: 0 })
      expect(klarna.captured_amount).toBe(klarna.order_amount)
    }
    expect(canceled).toMatchObject({ status: "CANCELLED", captured_amount: 0, captures: [] })
    // One capture per idempotency key: a retried capture carried its fulfillment's key every time.
    for (const order of orders) {
      const posts = (await simRequests(stack.simulator.url, `/orders/${order.klarnaOrderId}/captures`)).filter(
        (r) => r.method === "POST" && /\/captures$/.test(r.path),
      )
      const keys = new Set(posts.map((r) => r.headers["klarna-idempotency-key"]))
      expect(keys.size).toBe(order.fulfillments.size)
    }
    // The plugin's outbox: one job per Klarna mutation, whatever the number of deliveries.
    const jobKeys = await stack.sql<{ job_key: string; state: string }>(
      `SELECT job_key, state FROM klarna_sync_job WHERE platform_order_id = ANY($1)`,
      [orders.map((o) => o.orderId)],
    )
    expect(new Set(jobKeys.map((j) => j.job_key)).size).toBe(jobKeys.length)
    // None parked: every job succeeded, or found nothing left to do (a release once all was captured).
    expect(jobKeys.filter((j) => !["succeeded", "skipped"].includes(j.state))).toEqual([])
  })

  test("what Klarna received for the order fulfilled in two parts, line by line", async () => {
    const order = orders[0]
    const klarna = await simOrder(stack.simulator.url, order.klarnaOrderId)
    const [first, second] = [...order.fulfillments.keys()].map((id) => klarna.captures.find((c) => c.reference === id)!)
    // 12 SEK tomatoes and a 899 SEK jacket, 49 SEK shipping, all + 25 % VAT.
    expect(byReference((first.order_lines ?? []).map(lineFields))).toEqual(
      byReference([klarnaLine("physical", "TOM-1", 2, 1500), { ...klarnaLine("shipping_fee", expect.any(String) as string, 1, 6125) }]),
    )
    expect(first.order_lines?.find((l) => l.type === "shipping_fee")?.total_tax_amount).toBe(1225)
    expect(first.captured_amount).toBe(9125)
    expect(first.shipping_info).toEqual([
      { tracking_number: "RB-Å1 ü", tracking_uri: `https://track.example/${encodeURIComponent("RB-Å1 ü")}`, shipping_method: "Home" },
    ])
    expect(byReference((second.order_lines ?? []).map(lineFields))).toEqual([
      klarnaLine("physical", "JKT-1", 1, 112375),
      klarnaLine("physical", "TOM-1", 1, 1500),
    ])
    expect(second.shipping_info?.map((s) => s.tracking_number)).toEqual(["RB-2a", "RB-2b"])
    expect(klarna).toMatchObject({ order_amount: 123000, captured_amount: 123000, refunded_amount: 10000 })
    expect(klarna.refunds).toEqual([expect.objectContaining({ refunded_amount: 10000 })])
  })
})

// --- the merchant's tools -----------------------------------------------------------------------------

describe("the merchant's tools on the Redis event bus", () => {
  let order: Placed

  test("a capture Klarna refused is parked; the admin route retries it and it goes through once", async () => {
    order = await place(b, [{ sku: "JKT-1", quantity: 1 }])
    await refuseNextCapture(stack.simulator.url, order.klarnaOrderId)
    await fulfillOn(a, order, { "JKT-1": 1 })
    const parked = await viewWhenV2(b.admin, order.orderId, (v) => v.has_failures, "the capture parked")
    const job = parked.jobs.find((j) => j.operation === "capture")!
    expect(job).toMatchObject({ state: "failed", attempts: 1, error: { http_status: 403, error_code: "CAPTURE_NOT_ALLOWED" } })
    expect((await simOrder(stack.simulator.url, order.klarnaOrderId)).captures).toEqual([])

    const retried = await b.admin.request("POST", `/admin/klarna/jobs/${job.id}/retry`)
    expect(retried).toEqual({ status: 202, body: { job: { id: job.id, operation: "capture", state: "pending" } } })
    const done = await viewWhenV2(a.admin, order.orderId, (v) => settled(v) && !v.has_failures, "the retried capture")
    expect(done.jobs.find((j) => j.id === job.id)?.attempts_log.map((l) => l.outcome)).toEqual(["failed", "succeeded"])
    const klarna = await simOrderWhen(stack.simulator.url, order.klarnaOrderId, (o) => o.captures.length === 1, "the capture")
    expect(klarna).toMatchObject({ status: "CAPTURED", captured_amount: 118500 })
    expect(klarna.captures[0].order_lines?.map(lineFields).filter((l) => l.type === "physical")).toEqual([
      klarnaLine("physical", "JKT-1", 1, 112375),
    ])
    // Retrying what is no longer parked is refused.
    expect((await a.admin.request("POST", `/admin/klarna/jobs/${job.id}/retry`)).status).toBe(409)
  })

  test("reconcile repairs drifted tables from Klarna's order, and calls no mutation", async () => {
    const [fulfillmentId] = order.fulfillments.keys()
    const [captured] = await stack.sql<{ capture_id: string }>(`SELECT capture_id FROM klarna_capture WHERE source_id = $1`, [
      fulfillmentId,
    ])
    // Drift: as if the server died between Klarna's answer and our write.
    await stack.sql(`UPDATE klarna_capture SET status = 'pending', capture_id = NULL WHERE source_id = $1`, [fulfillmentId])
    await stack.sql(`UPDATE klarna_order SET captured_amount = 0, status = 'AUTHORIZED' WHERE platform_order_id = $1`, [order.orderId])
    const mutations = async () => (await simRequests(stack.simulator.url, order.klarnaOrderId)).filter((r) => r.method !== "GET").length
    const before = await mutations()

    const { reconcile } = await b.admin.post<{ reconcile: { changes: string[] } }>(`/admin/klarna/orders/${order.orderId}/reconcile`)
    expect(reconcile.changes).toEqual(
      expect.arrayContaining([`capture ${captured.capture_id} (118500) recorded for ${fulfillmentId}`, "captured_amount: 0 -> 118500"]),
    )
    expect(await stack.sql(`SELECT status, capture_id FROM klarna_capture WHERE source_id = $1`, [fulfillmentId])).toEqual([
      { status: "captured", capture_id: captured.capture_id },
    ])
    const again = await a.admin.post<{ reconcile: { changes: string[] } }>(`/admin/klarna/orders/${order.orderId}/reconcile`)
    expect(again.reconcile.changes).toEqual([])
    expect(await mutations()).toBe(before)
  })
})
