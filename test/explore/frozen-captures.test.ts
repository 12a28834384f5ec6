/**
 * Defects found by the exploration (and defect 1 of issue 12), each as its shrunk sequence, replayed
 * deterministically: a capture whose request is frozen may already have reached Klarna, so no other
 * capture may charge the units it pays for until it is resolved.
 */
import { jobKeys } from "../../packages/core/src/sync/job-keys"
import { simFault, simOrder, simRequests } from "../support/simulator-client"
import { startExploreEnvironment, type ExploreEnvironment } from "./environment"
import type { ModelOrder } from "./platform-model"
import { checkInvariants } from "./invariants"

jest.setTimeout(60_000)

let env: ExploreEnvironment
beforeAll(async () => {
  // Retry-After is honoured up to a minute: the frozen capture really waits while the merchant acts.
  env = await startExploreEnvironment({ backoffMaxMs: 60_000 })
})
afterAll(async () => {
  await env?.close()
})

let counter = 0
async function placeOrder(items: { quantity: number; unitPrice: number }[]): Promise<ModelOrder> {
  const token = `${Date.now().toString(36)}_${++counter}`
  const order: ModelOrder = {
    orderId: `order_frozen_${token}`,
    klarnaOrderId: "",
    currency: "EUR",
    decimals: 2,
    items: items.map((item, i) => ({
      id: `item_${token}_${i}`,
      name: `Item ${i}`,
      sku: `sku-${token}-${i}`,
      quantity: item.quantity,
      unitPrice: item.unitPrice,
      unitDiscount: 0,
      taxRate: 2500,
    })),
    fulfillments: [],
    refunds: [],
    canceled: false,
    captureRemainingPressed: false,
  }
  const amount = items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0)
  const response = await fetch(`${env.sim.url}/__sim/orders`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ order_amount: amount, purchase_currency: "EUR", purchase_country: "DE" }),
  })
  order.klarnaOrderId = ((await response.json()) as { order_id: string }).order_id
  env.orders.set(order.orderId, order)
  return order
}

function fulfill(order: ModelOrder, itemIndex: number, quantity: number): string {
  const id = `ful_${order.orderId}_${order.fulfillments.length + 1}`
  order.fulfillments.push({
    id,
    items: [{ itemId: order.items[itemIndex].id, quantity }],
    canceled: false,
    shipped: false,
    trackings: [],
    createdAt: new Date(),
  })
  return id
}

async function jobState(jobKey: string) {
  const [job] = await env.sql<{ state: string; request: unknown; run_at: Date; last_http_status: number | null }>(
    `SELECT state, request, run_at, last_http_status FROM klarna_sync_job WHERE job_key = $1`,
    [jobKey],
  )
  return job
}

/** The frozen capture of fulfillment 1: Klarna applied it, the answer was lost, then a 429 with a long Retry-After. */
async function frozenCaptureWaitingForRetry(order: ModelOrder): Promise<string> {
  const first = fulfill(order, 0, 1)
  const path = `/orders/${order.klarnaOrderId}/captures`
  await simFault(env.sim.url, { match: { method: "POST", path, times: 1 }, fault: { type: "apply_then_drop" } })
  await simFault(env.sim.url, { match: { method: "POST", path, times: 1 }, fault: { type: "rate_limit", retry_after_seconds: 60 } })
  await env.engines[0].fulfillmentCreated(order.orderId, first)
  expect(await env.engines[0].processNext("worker-a")).toBe(true) // applied, answer lost
  await env.sql(`UPDATE klarna_sync_job SET run_at = now() WHERE job_key = $1`, [jobKeys.capture("medusa", first)])
  expect(await env.engines[0].processNext("worker-a")).toBe(true) // 429, waits a minute
  const job = await jobState(jobKeys.capture("medusa", first))
  expect(job).toMatchObject({ state: "pending", last_http_status: 429 })
  expect(job.request).not.toBeNull()
  expect(new Date(job.run_at).getTime()).toBeGreaterThan(Date.now() + 30_000)
  expect((await simOrder(env.sim.url, order.klarnaOrderId)).captures).toHaveLength(1)
  return first
}

test("defect 1: a frozen capture of a fulfillment canceled since is waited for; re-fulfilling its unit captures it once", async () => {
  const order = await placeOrder([{ quantity: 1, unitPrice: 4000 }])
  const first = await frozenCaptureWaitingForRetry(order)
  order.fulfillments[0].canceled = true
  await env.engines[0].converge(order.orderId)
  const second = fulfill(order, 0, 1)
  await env.engines[0].fulfillmentCreated(order.orderId, second)

  // The new fulfillment's capture runs while the frozen one still waits: it must not charge the unit.
  expect(await env.engines[0].processNext("worker-a")).toBe(true)
  expect(await jobState(jobKeys.capture("medusa", second))).toMatchObject({ state: "pending", request: null })
  expect((await simOrder(env.sim.url, order.klarnaOrderId)).captures).toHaveLength(1)

  await env.runUntilIdle(order.orderId, 1)
  const klarna = await simOrder(env.sim.url, order.klarnaOrderId)
  expect(
    klarna.captures.map((c) => [
      c.reference,
      c.captured_amount,
      c.order_lines?.map((l) => [l.reference, l.quantity, l.unit_price, l.total_tax_amount]),
    ]),
  ).toEqual([[first, 4000, [[order.items[0].sku, 1, 4000, 800]]]])
  expect(klarna.remaining_authorized_amount).toBe(0)
  expect(await checkInvariants(env, order)).toEqual([])
})

test("defect 1, other ending: the frozen capture never reached Klarna: it is dropped, and the new fulfillment captures the unit once", async () => {
  const order = await placeOrder([{ quantity: 1, unitPrice: 4000 }])
  // Nothing applied this time: a 429 with a long Retry-After on the first attempt.
  const first = fulfill(order, 0, 1)
  const path = `/orders/${order.klarnaOrderId}/captures`
  await simFault(env.sim.url, { match: { method: "POST", path, times: 1 }, fault: { type: "rate_limit", retry_after_seconds: 60 } })
  await env.engines[0].fulfillmentCreated(order.orderId, first)
  expect(await env.engines[0].processNext("worker-a")).toBe(true)
  expect(await jobState(jobKeys.capture("medusa", first))).toMatchObject({ state: "pending", last_http_status: 429 })
  order.fulfillments[0].canceled = true
  const second = fulfill(order, 0, 1)
  await env.engines[0].fulfillmentCreated(order.orderId, second)
  expect(await env.engines[0].processNext("worker-a")).toBe(true)
  expect(await jobState(jobKeys.capture("medusa", second))).toMatchObject({ state: "pending", request: null })

  await env.runUntilIdle(order.orderId, 1)
  // Klarna was asked (GET) instead of being sent a capture of a canceled fulfillment.
  expect(await jobState(jobKeys.capture("medusa", first))).toMatchObject({ state: "skipped" })
  const klarna = await simOrder(env.sim.url, order.klarnaOrderId)
  expect(klarna.captures.map((c) => [c.reference, c.captured_amount])).toEqual([[second, 4000]])
  expect(klarna.remaining_authorized_amount).toBe(0)
  const posts = (await simRequests(env.sim.url, path))
    .filter((r) => r.method === "POST")
    .map((r) => (r.body as { reference: string }).reference)
  expect(posts).toEqual([first, second])
  expect(await checkInvariants(env, order)).toEqual([])
})

test("found by the exploration: Capture payment's frozen request (its worker died before sending) is waited for by a new fulfillment's capture", async () => {
  // Shrunk: captureRemaining, fault(500), killWorker(before_call), fulfill([0]), killWorker(before_call)
  const order = await placeOrder([
    { quantity: 2, unitPrice: 1500 },
    { quantity: 1, unitPrice: 999 },
  ])
  await env.engines[0].captureRemaining(order.orderId)
  await simFault(env.sim.url, {
    match: { method: "POST", path: `/orders/${order.klarnaOrderId}/`, times: 1 },
    fault: { type: "http", status: 500 },
  })
  const dying = env.dyingEngine("before_call")
  void dying.engine.processNext(dying.workerId)
  await dying.called
  await env.expireLeases(dying.workerId)
  const ful = fulfill(order, 0, 1)
  await env.engines[0].fulfillmentCreated(order.orderId, ful)

  await env.runUntilIdle(order.orderId, 1)
  const klarna = await simOrder(env.sim.url, order.klarnaOrderId)
  expect(klarna.captures.map((c) => [c.reference, c.captured_amount])).toEqual([[order.orderId, 3999]])
  expect(await jobState(jobKeys.capture("medusa", ful))).toMatchObject({ state: "skipped" })
  expect(await checkInvariants(env, order)).toEqual([])
})

describe("found by the exploration: the order is canceled while Capture payment's request is frozen", () => {
  // Shrunk: captureRemaining, killWorker(before_call), cancelOrder
  async function frozenThenCanceled(when: "before_call" | "after_call") {
    const order = await placeOrder([{ quantity: 1, unitPrice: 100 }])
    await env.engines[0].captureRemaining(order.orderId)
    const dying = env.dyingEngine(when)
    void dying.engine.processNext(dying.workerId)
    await dying.called
    await env.expireLeases(dying.workerId)
    order.canceled = true
    await env.engines[0].orderCanceled(order.orderId)
    await env.runUntilIdle(order.orderId, 1)
    return { order, klarna: await simOrder(env.sim.url, order.klarnaOrderId) }
  }

  test("never sent: Klarna is asked, nothing is charged, the Klarna order is cancelled", async () => {
    const { order, klarna } = await frozenThenCanceled("before_call")
    expect(klarna.captures).toEqual([])
    expect(klarna.status).toBe("CANCELLED")
    expect(await jobState(jobKeys.captureRemaining("medusa", order.orderId))).toMatchObject({ state: "skipped" })
  })

  test("applied before the worker died: the capture is recorded, not sent again, and the rest released", async () => {
    const { order, klarna } = await frozenThenCanceled("after_call")
    expect(klarna.captures.map((c) => [c.reference, c.captured_amount])).toEqual([[order.orderId, 100]])
    const posts = (await simRequests(env.sim.url, `/orders/${order.klarnaOrderId}/captures`)).filter((r) => r.method === "POST")
    expect(posts).toHaveLength(1)
    const [row] = await env.sql<{ status: string; capture_id: string }>(
      `SELECT status, capture_id FROM klarna_capture WHERE source_id = $1`,
      [`remaining:${order.orderId}`],
    )
    expect(row).toEqual({ status: "captured", capture_id: klarna.captures[0].capture_id })
  })
})
