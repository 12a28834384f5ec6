/**
 * Issue 6, the admin API: /admin/klarna/... on a real Medusa 1.20 server with the plugin, PostgreSQL and
 * the Klarna simulator. Every route: refused without admin authentication, its happy path, its error
 * paths, and never a secret in what it answers.
 */
import { startMedusaStack, type MedusaStack } from "../support/medusa-stack"
import { simOrder, simRequests } from "../support/simulator-client"
import { createFulfillment, createShipment, eventually, type CheckoutResult } from "../support/store-api"
import {
  itemOf,
  klarnaCheckout,
  klarnaView,
  manualCheckout,
  rawRequest,
  refuseNextCapture,
  REFUSAL,
  viewWhen,
  type KlarnaOrder,
} from "./support"

jest.setTimeout(180_000)

let stack: MedusaStack
/** Every response body this file saw, checked for secrets at the end. */
const seen: string[] = []

beforeAll(async () => {
  stack = await startMedusaStack({ name: "kos_admin_api" })
  tracked = await orderWithOneTrackedCapture()
})

afterAll(async () => {
  await stack?.close()
})

async function call(method: string, path: string, token: string | undefined = stack.api.token) {
  const result = await rawRequest(stack.medusa.url, method, `/admin/klarna${path}`, token)
  seen.push(result.text)
  return result
}

/** A Klarna order with one captured, tracked fulfillment (of two units of product 0 and one of product 1). */
async function orderWithOneTrackedCapture(): Promise<{ placed: CheckoutResult; orderId: string; klarnaId: string; view: KlarnaOrder }> {
  const placed = await klarnaCheckout(stack, [
    { product: 0, quantity: 2 },
    { product: 1, quantity: 1 },
  ])
  const orderId = placed.order.id
  const { fulfillment } = await createFulfillment(stack.api, orderId, [{ itemId: itemOf(stack, placed, 0).id, quantity: 1 }])
  await createShipment(stack.api, orderId, fulfillment.id, ["PN-1001"])
  const view = await viewWhen(
    stack.api,
    orderId,
    (v) =>
      v.captures.length === 1 &&
      v.captures[0].shipping_info.length === 1 &&
      v.amounts.captured > 0 &&
      // The shipment's own event has been handled too (it may come after the capture already carried the
      // tracking: Medusa delivers events every 3 s), so the jobs below are all there.
      v.jobs.some((j) => j.operation === "shipping_info") &&
      v.jobs.every((j) => j.state !== "pending" && j.state !== "running"),
    "a capture with its tracking, its shipment event handled, all jobs done",
  )
  return { placed, orderId, klarnaId: placed.klarnaOrderId as string, view }
}

let tracked: Awaited<ReturnType<typeof orderWithOneTrackedCapture>>

describe("admin authentication", () => {
  const routes = (orderId: string, captureId: string, jobId: string): [string, string][] => [
    ["GET", `/orders/${orderId}`],
    ["POST", `/orders/${orderId}/release`],
    ["POST", `/orders/${orderId}/reconcile`],
    ["POST", `/orders/${orderId}/captures/${captureId}/send-out`],
    ["POST", `/jobs/${jobId}/retry`],
  ]

  test("every route answers 401 without an admin session or token, and with a wrong token", async () => {
    const captureId = tracked.view.captures[0].capture_id as string
    const jobId = tracked.view.jobs[0].id
    for (const [method, path] of routes(tracked.orderId, captureId, jobId)) {
      expect({ route: `${method} ${path}`, status: (await call(method, path, "")).status }).toEqual({
        route: `${method} ${path}`,
        status: 401,
      })
      expect({ route: `${method} ${path}`, status: (await call(method, path, "not-a-valid-jwt")).status }).toEqual({
        route: `${method} ${path}`,
        status: 401,
      })
    }
    // Nothing happened on Klarna's side.
    const mutations = (await simRequests(stack.simulator.url, tracked.klarnaId)).filter(
      (r) => r.method === "POST" && /release|send-out/.test(r.path),
    )
    expect(mutations).toEqual([])
  })
})

describe("GET /admin/klarna/orders/:id", () => {
  test("the Klarna view: order id, status, amounts, captures with lines and tracking, sync jobs", async () => {
    const { status, body } = await call("GET", `/orders/${tracked.orderId}`)
    expect(status).toBe(200)
    const view = (body as { klarna_order: KlarnaOrder }).klarna_order
    const remote = await simOrder(stack.simulator.url, tracked.klarnaId)
    expect(view).toMatchObject({
      platform: "medusa",
      order_id: tracked.orderId,
      klarna_order_id: tracked.klarnaId,
      status: "PART_CAPTURED",
      has_failures: false,
    })
    expect(view.currency.toLowerCase()).toBe("sek")
    expect(view.amounts).toEqual({
      authorized: tracked.placed.order.total,
      captured: remote.captured_amount,
      refunded: 0,
      released: 0,
      remaining: tracked.placed.order.total - remote.captured_amount,
    })
    expect(view.captures).toHaveLength(1)
    const [capture] = view.captures
    expect(capture).toMatchObject({
      capture_id: remote.captures[0].capture_id,
      status: "captured",
      captured_amount: remote.captured_amount,
    })
    expect(capture.order_lines.find((l) => l.type === "physical")).toMatchObject({ name: "Tomatoes", quantity: 1, reference: "TOM-1" })
    expect(capture.order_lines.reduce((sum, l) => sum + l.total_amount, 0)).toBe(capture.captured_amount)
    expect(capture.shipping_info).toEqual([expect.objectContaining({ tracking_number: "PN-1001", shipping_company: "postnord" })])
    expect(new Date(capture.captured_at as string).getTime()).not.toBeNaN()
    // update_references: the store's order number and id sent to Klarna after order.placed.
    expect(view.jobs.map((j) => j.operation).sort()).toEqual(["capture", "shipping_info", "update_references"])
    expect(view.merchant_references).toEqual({
      merchant_reference1: String(tracked.placed.order.display_id),
      merchant_reference2: tracked.orderId,
    })
    // The tracking job may find the capture already carried the tracking (events race): then it is skipped.
    expect(view.jobs.find((j) => j.operation === "capture")).toMatchObject({ state: "succeeded", error: null })
    expect(view.jobs.find((j) => j.operation === "update_references")).toMatchObject({ state: "succeeded", subject: null, reason: null })
    for (const job of view.jobs.filter((j) => j.operation !== "update_references")) {
      expect(["succeeded", "skipped"]).toContain(job.state)
      expect(job.attempts_log[0]).toMatchObject({ attempt: 1, outcome: job.state })
      // Both mirror the fulfillment; a skipped one says why, in words (issue 13).
      expect(job.subject).toBe(capture.source_id)
      if (job.state === "skipped") {
        expect(job.reason).toMatch(/^(Tracking went in the capture itself|Klarna already has this tracking)/)
        expect(job.attempts_log[0].reason).toBe(job.reason)
      } else expect(job.reason).toBeNull()
    }
    // Nothing queued or running: the widget does not poll.
    expect(view.pending).toBe(false)
  })

  test("404 for an order not paid with Klarna, and for an order that does not exist", async () => {
    const manual = await manualCheckout(stack)
    const notKlarna = await call("GET", `/orders/${manual.order.id}`)
    expect(notKlarna.status).toBe(404)
    expect(notKlarna.body).toMatchObject({ type: "not_found" })
    const missing = await call("GET", `/orders/order_01DOESNOTEXIST0000000000000`)
    expect(missing.status).toBe(404)
    expect(missing.body).toMatchObject({ type: "not_found" })
  })
})

describe("a capture Klarna refuses, and POST /admin/klarna/jobs/:id/retry", () => {
  test("the refusal is shown with Klarna's error; Retry runs it again and the capture goes through", async () => {
    const placed = await klarnaCheckout(stack, [{ product: 1, quantity: 1 }])
    const orderId = placed.order.id
    const klarnaId = placed.klarnaOrderId as string
    await refuseNextCapture(stack.simulator.url, klarnaId)
    await createFulfillment(stack.api, orderId, [{ itemId: itemOf(stack, placed, 1).id, quantity: 1 }])

    const failed = await viewWhen(stack.api, orderId, (v) => v.has_failures, "the capture parked as failed")
    const job = failed.jobs.find((j) => j.operation === "capture")
    expect(job).toMatchObject({
      state: "failed",
      attempts: 1, // a 403 is not retried blindly
      error: {
        http_status: 403,
        error_code: REFUSAL.error_code,
        error_messages: REFUSAL.error_messages,
        correlation_id: REFUSAL.correlation_id,
      },
    })
    expect(job?.attempts_log).toEqual([
      expect.objectContaining({
        attempt: 1,
        outcome: "failed",
        http_status: 403,
        error_code: REFUSAL.error_code,
        correlation_id: REFUSAL.correlation_id,
      }),
    ])
    expect(failed.captures.filter((c) => c.status === "captured")).toEqual([])
    expect((await simOrder(stack.simulator.url, klarnaId)).captures).toEqual([])

    const retried = await call("POST", `/jobs/${job?.id}/retry`)
    expect(retried.status).toBe(202)
    expect(retried.body).toEqual({ job: { id: job?.id, operation: "capture", state: "pending" } })

    const done = await viewWhen(
      stack.api,
      orderId,
      (v) => v.jobs.some((j) => j.id === job?.id && j.state === "succeeded"),
      "the retried capture",
    )
    expect(done.has_failures).toBe(false)
    expect(done.status).toBe("CAPTURED")
    expect(done.captures).toEqual([expect.objectContaining({ status: "captured", captured_amount: placed.order.total })])
    expect(done.jobs.find((j) => j.id === job?.id)?.attempts_log.map((a) => a.outcome)).toEqual(["failed", "succeeded"])
    const remote = await simOrder(stack.simulator.url, klarnaId)
    expect(remote.captures).toHaveLength(1)
    expect(remote.captured_amount).toBe(placed.order.total)

    // Retrying a job that is not failed (any more) is refused.
    const again = await call("POST", `/jobs/${job?.id}/retry`)
    expect(again.status).toBe(409)
    expect(again.body).toMatchObject({ type: "not_allowed" })
  })

  test("404 for a job that does not exist", async () => {
    const missing = await call("POST", `/jobs/kojob_01DOESNOTEXIST00000000000/retry`)
    expect(missing.status).toBe(404)
    expect(missing.body).toMatchObject({ type: "not_found" })
  })
})

describe("POST /admin/klarna/orders/:id/captures/:capture_id/send-out", () => {
  test("queues Klarna's trigger-send-out for the capture", async () => {
    const captureId = tracked.view.captures[0].capture_id as string
    const res = await call("POST", `/orders/${tracked.orderId}/captures/${captureId}/send-out`)
    expect(res.status).toBe(202)
    expect(res.body).toMatchObject({ order_id: tracked.orderId, jobs: [{ operation: "trigger_send_out" }] })
    await eventually(
      async () =>
        (await simRequests(stack.simulator.url, `/captures/${captureId}/trigger-send-out`)).some(
          (r) => r.method === "POST" && r.status === 204,
        ),
      { what: "trigger-send-out at Klarna" },
    )
    const view = await viewWhen(
      stack.api,
      tracked.orderId,
      (v) => v.jobs.some((j) => j.operation === "trigger_send_out" && j.state === "succeeded"),
      "send-out job done",
    )
    expect(view.has_failures).toBe(false)
  })

  test("404 for a capture the order does not have, and for an order not paid with Klarna", async () => {
    const unknown = await call("POST", `/orders/${tracked.orderId}/captures/not-a-capture/send-out`)
    expect(unknown.status).toBe(404)
    expect(unknown.body).toMatchObject({ type: "not_found" })
    const manual = await manualCheckout(stack)
    const notKlarna = await call("POST", `/orders/${manual.order.id}/captures/whatever/send-out`)
    expect(notKlarna.status).toBe(404)
  })
})

describe("POST /admin/klarna/orders/:id/reconcile", () => {
  test("reports no changes when in sync, and repairs tracking our tables lost", async () => {
    const first = await call("POST", `/orders/${tracked.orderId}/reconcile`)
    expect(first.status).toBe(200)
    // Whatever the first pass learnt from Klarna (e.g. Klarna's own reference), a second pass has nothing to repair.
    const inSync = await call("POST", `/orders/${tracked.orderId}/reconcile`)
    expect(inSync.status).toBe(200)
    expect(inSync.body).toMatchObject({
      reconcile: { order_id: tracked.orderId, klarna_order_id: tracked.klarnaId, changes: [], klarna: { status: "PART_CAPTURED" } },
    })

    await stack.sql(`UPDATE klarna_capture SET shipping_info = '[]'::jsonb WHERE platform_order_id = $1`, [tracked.orderId])
    expect((await klarnaView(stack.api, tracked.orderId)).captures[0].shipping_info).toEqual([])
    const repaired = await call("POST", `/orders/${tracked.orderId}/reconcile`)
    expect(repaired.status).toBe(200)
    expect((repaired.body as { reconcile: { changes: string[] } }).reconcile.changes).toEqual([expect.stringContaining("shipping info")])
    expect((await klarnaView(stack.api, tracked.orderId)).captures[0].shipping_info).toEqual([
      expect.objectContaining({ tracking_number: "PN-1001" }),
    ])
  })

  test("404 for an order not paid with Klarna", async () => {
    const manual = await manualCheckout(stack)
    const res = await call("POST", `/orders/${manual.order.id}/reconcile`)
    expect(res.status).toBe(404)
    expect(res.body).toMatchObject({ type: "not_found" })
  })
})

describe("POST /admin/klarna/orders/:id/release", () => {
  test("releases the remaining authorization at Klarna", async () => {
    const before = await simOrder(stack.simulator.url, tracked.klarnaId)
    expect(before.remaining_authorized_amount).toBeGreaterThan(0)
    const res = await call("POST", `/orders/${tracked.orderId}/release`)
    expect(res.status).toBe(202)
    expect(res.body).toMatchObject({ order_id: tracked.orderId, jobs: [{ operation: "release" }] })
    const view = await viewWhen(stack.api, tracked.orderId, (v) => v.amounts.released > 0, "the release recorded")
    expect(view.amounts).toMatchObject({ released: before.remaining_authorized_amount, remaining: 0 })
    const after = await simOrder(stack.simulator.url, tracked.klarnaId)
    expect(after.remaining_authorized_amount).toBe(0)
    expect(after.captured_amount).toBe(before.captured_amount)
  })

  test("404 for an order not paid with Klarna", async () => {
    const manual = await manualCheckout(stack)
    const res = await call("POST", `/orders/${manual.order.id}/release`)
    expect(res.status).toBe(404)
    expect(res.body).toMatchObject({ type: "not_found" })
  })
})

test("no response carried a secret: neither the Klarna password nor credentials", () => {
  const all = seen.join("\n")
  expect(seen.length).toBeGreaterThan(10)
  expect(all).not.toContain(stack.simulator.password)
  expect(all).not.toMatch(/Basic [A-Za-z0-9+/=]{8,}/)
  expect(all.toLowerCase()).not.toContain("authorization")
})
