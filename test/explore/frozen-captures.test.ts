/**
 * Defects found by the exploration (and defect 1 of issue 12), each as its shrunk sequence, replayed
 * deterministically: a capture whose request is frozen may already have reached Klarna, so no other
 * capture may charge the units it pays for until it is resolved.
 */
import { jobKeys } from "../../src/sync/job-keys"
import { simFault, simOrder } from "../support/simulator-client"
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
    items: items.map((item, i) => ({ id: `item_${token}_${i}`, name: `Item ${i}`, sku: `sku-${token}-${i}`, quantity: item.quantity, unitPrice: item.unitPrice, unitDiscount: 0, taxRate: 2500 })),
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
  order.fulfillments.push({ id, items: [{ itemId: order.items[itemIndex].id, quantity }], canceled: false, shipped: false, trackings: [], createdAt: new Date() })
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
  await env.engines[0].orderChanged(order.orderId)
  const second = fulfill(order, 0, 1)
  await env.engines[0].fulfillmentCreated(order.orderId, second)

  // The new fulfillment's capture runs while the frozen one still waits: it must not charge the unit.
  expect(await env.engines[0].processNext("worker-a")).toBe(true)
  expect(await jobState(jobKeys.capture("medusa", second))).toMatchObject({ state: "pending", request: null })
  expect((await simOrder(env.sim.url, order.klarnaOrderId)).captures).toHaveLength(1)

  await env.runUntilIdle(order.orderId, 1)
  const klarna = await simOrder(env.sim.url, order.klarnaOrderId)
  expect(klarna.captures.map((c) => [c.reference, c.captured_amount, c.order_lines?.map((l) => [l.reference, l.quantity, l.unit_price, l.total_tax_amount])])).toEqual([
    [first, 4000, [[order.items[0].sku, 1, 4000, 800]]],
  ])
  expect(klarna.remaining_authorized_amount).toBe(0)
  expect(await checkInvariants(env, order)).toEqual([])
})

test("defect 1, other ending: the frozen capture is finally refused (4xx): the new fulfillment captures the unit, once", async () => {
  const order = await placeOrder([{ quantity: 1, unitPrice: 4000 }])
  // Nothing applied this time: a 503, then 429, then Klarna refuses the frozen request for good.
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

  await simFault(env.sim.url, { match: { method: "POST", path, times: 1 }, fault: { type: "http", status: 403, body: { error_code: "CAPTURE_NOT_ALLOWED", error_messages: ["refused"], correlation_id: "c-1" } } })
  await env.runUntilIdle(order.orderId, 1)
  expect(await jobState(jobKeys.capture("medusa", first))).toMatchObject({ state: "failed", last_http_status: 403 })
  const klarna = await simOrder(env.sim.url, order.klarnaOrderId)
  expect(klarna.captures.map((c) => [c.reference, c.captured_amount])).toEqual([[second, 4000]])
  expect(klarna.remaining_authorized_amount).toBe(0)
})

test("found by the exploration: Capture payment's frozen request (its worker died before sending) is waited for by a new fulfillment's capture", async () => {
  // Shrunk: captureRemaining, fault(500), killWorker(before_call), fulfill([0]), killWorker(before_call)
  const order = await placeOrder([{ quantity: 2, unitPrice: 1500 }, { quantity: 1, unitPrice: 999 }])
  await env.engines[0].captureRemaining(order.orderId)
  await simFault(env.sim.url, { match: { method: "POST", path: `/orders/${order.klarnaOrderId}/`, times: 1 }, fault: { type: "http", status: 500 } })
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
