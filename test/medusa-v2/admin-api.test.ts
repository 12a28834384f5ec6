/**
 * Issue 15, the merchant's admin API on Medusa v2: /admin/klarna/... on a real Medusa 2.21 server with the
 * plugin, PostgreSQL and the Klarna simulator over HTTP. Every route refused without admin authentication
 * (v2 protects /admin), the same answers and JSON as v1's routes (test/admin/admin-api.test.ts), 404 for an
 * order not paid with Klarna, 400 for malformed ids and bodies, a capture Klarna refused shown with Klarna's
 * error and retried, and never a secret in what the routes answer.
 */
import { simOrder, simRequests } from "../support/simulator-client"
import { checkoutV2 } from "../support/medusa-v2-checkout"
import { startV2SyncStack, type V2SyncStack } from "../support/medusa-v2-sync-stack"
import { eventually } from "../support/store-api"
import { refuseNextCapture, REFUSAL, rawRequest } from "../admin/support"
import { fulfill, placeKlarnaOrder, settled, ship, viewWhenV2, type KlarnaOrder, type PlacedV2Order } from "./admin-support"

jest.setTimeout(600_000)

let stack: V2SyncStack
/** Every response body this file saw, checked for secrets at the end. */
const seen: string[] = []
/** A Klarna order with one captured fulfillment (1 of 2 × TOM-1), shipped with one parcel. */
let tracked: { placed: PlacedV2Order; fulfillmentId: string; view: KlarnaOrder }

beforeAll(async () => {
  stack = await startV2SyncStack({ name: "v2_admin_api" })
  const placed = await placeKlarnaOrder(stack, [
    { sku: "TOM-1", quantity: 2 },
    { sku: "JKT-1", quantity: 1 },
  ])
  const tomatoes = [{ id: placed.items["TOM-1"].id, quantity: 1 }]
  const fulfillmentId = await fulfill(stack, placed.orderId, tomatoes)
  await ship(stack, placed.orderId, fulfillmentId, tomatoes, [{ tracking_number: "PN-1001" }])
  const view = await viewWhenV2(
    stack.admin,
    placed.orderId,
    (v) => v.captures.length === 1 && v.captures[0].shipping_info.length === 1 && v.amounts.captured > 0 && settled(v),
    "a capture with its tracking, all jobs done",
  )
  tracked = { placed, fulfillmentId, view }
})

afterAll(async () => {
  await stack?.close()
})

async function call(method: string, path: string, token: string | undefined = stack.admin.token, body?: unknown) {
  const result =
    body === undefined
      ? await rawRequest(stack.server.url, method, `/admin/klarna${path}`, token)
      : await fetch(`${stack.server.url}/admin/klarna${path}`, {
          method,
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          body: JSON.stringify(body),
        }).then(async (res) => {
          const text = await res.text()
          return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined, text }
        })
  seen.push(result.text)
  return result
}

/** An order paid with Medusa's own system provider: nothing of Klarna's. */
async function systemOrder(): Promise<string> {
  return (await checkoutV2(stack.server.url, stack.store, { items: [{ sku: "TOM-1", quantity: 1 }] })).orderId
}

describe("admin authentication", () => {
  test("every route answers 401 without a token, and with a wrong one; nothing reaches Klarna", async () => {
    const { orderId } = tracked.placed
    const captureId = tracked.view.captures[0].capture_id as string
    const routes: [string, string][] = [
      ["GET", `/orders/${orderId}`],
      ["POST", `/orders/${orderId}/release`],
      ["POST", `/orders/${orderId}/reconcile`],
      ["POST", `/orders/${orderId}/refund`],
      ["POST", `/orders/${orderId}/captures/${captureId}/send-out`],
      ["POST", `/jobs/${tracked.view.jobs[0].id}/retry`],
      ["GET", `/orphans`],
    ]
    for (const [method, path] of routes) {
      for (const token of ["", "not-a-valid-jwt"]) {
        const { status } = await call(method, path, token)
        expect({ route: `${method} ${path}`, token, status }).toEqual({ route: `${method} ${path}`, token, status: 401 })
      }
    }
    const mutations = (await simRequests(stack.simulator.url, tracked.placed.klarnaOrderId)).filter(
      (r) => r.method === "POST" && /release|send-out|refunds/.test(r.path),
    )
    expect(mutations).toEqual([])
  })
})

describe("GET /admin/klarna/orders/:id", () => {
  test("the Klarna view: order id, status, amounts, the capture with its lines and tracking, the sync jobs", async () => {
    const { status, body } = await call("GET", `/orders/${tracked.placed.orderId}`)
    expect(status).toBe(200)
    const view = (body as { klarna_order: KlarnaOrder }).klarna_order
    const remote = await simOrder(stack.simulator.url, tracked.placed.klarnaOrderId)
    expect(view).toMatchObject({
      platform: "medusa",
      order_id: tracked.placed.orderId,
      klarna_order_id: tracked.placed.klarnaOrderId,
      status: "PART_CAPTURED",
      has_failures: false,
      pending: false,
    })
    expect(view.currency.toLowerCase()).toBe("sek")
    // 2 × 12 + 899 + 49 shipping, 25 % VAT on top: 1215 SEK = 121500 öre.
    expect(tracked.placed.total).toBe(1215)
    expect(view.amounts).toEqual({
      authorized: 121500,
      captured: remote.captured_amount,
      refunded: 0,
      released: 0,
      remaining: 121500 - remote.captured_amount,
    })
    const [capture] = view.captures
    expect(capture).toMatchObject({
      capture_id: remote.captures[0].capture_id,
      status: "captured",
      captured_amount: remote.captured_amount,
      source_type: "fulfillment",
      source_id: tracked.fulfillmentId,
    })
    // What Klarna holds for the capture, line by line, is what the view shows.
    expect(capture.order_lines).toEqual(remote.captures[0].order_lines)
    // One tomato at 12 SEK + 25 % = 15.00 SEK, and the shipping with the first fulfillment.
    expect(capture.order_lines.map((l) => l.type).sort()).toEqual(["physical", "shipping_fee"])
    expect(capture.order_lines.find((l) => l.type === "physical")).toMatchObject({
      name: expect.stringMatching(/^Tomatoes/),
      quantity: 1,
      reference: "TOM-1",
      unit_price: 1500,
      total_amount: 1500,
    })
    expect(capture.order_lines.reduce((sum, l) => sum + l.total_amount, 0)).toBe(capture.captured_amount)
    expect(capture.shipping_info).toEqual([expect.objectContaining({ tracking_number: "PN-1001" })])
    expect(view.merchant_references.merchant_reference2).toBe(tracked.placed.orderId)
    expect(view.jobs.find((j) => j.operation === "capture")).toMatchObject({
      state: "succeeded",
      error: null,
      subject: tracked.fulfillmentId,
    })
  })

  test("404 for an order not paid with Klarna, and for an order that does not exist", async () => {
    const notKlarna = await call("GET", `/orders/${await systemOrder()}`)
    expect(notKlarna.status).toBe(404)
    expect(notKlarna.body).toMatchObject({ type: "not_found", message: expect.stringContaining("is not paid with Klarna") })
    const missing = await call("GET", `/orders/order_01DOESNOTEXIST0000000000000`)
    expect(missing.status).toBe(404)
    expect(missing.body).toMatchObject({ type: "not_found" })
  })
})

describe("malformed or unknown ids on every Klarna admin route", () => {
  const routes = (id: string): [string, string][] => [
    ["GET", `/orders/${id}`],
    ["POST", `/orders/${id}/release`],
    ["POST", `/orders/${id}/reconcile`],
    ["POST", `/orders/${id}/refund`],
    ["POST", `/orders/order_x/captures/${id}/send-out`],
    ["POST", `/orders/${id}/captures/cap_x/send-out`],
    ["POST", `/jobs/${id}/retry`],
  ]

  test.each([
    { what: "a NUL byte (order%00x)", id: "order%00x", expected: 400 },
    { what: "a cut percent-escape (%E0%A4%A)", id: "%E0%A4%A", expected: 400 },
    { what: "a lone percent sign (%)", id: "%", expected: 400 },
    { what: "an invalid UTF-8 escape (%FF%FE)", id: "%FF%FE", expected: 400 },
    { what: "a 5000-character id", id: "o".repeat(5000), expected: 400 },
    { what: "an unknown id", id: "order_01DOESNOTEXIST0000000000000", expected: 404 },
  ])("$what answers $expected", async ({ id, expected }) => {
    for (const [method, path] of routes(id)) {
      const { status, body } = await call(method, path)
      const route = `${method} ${path.slice(0, 80)}`
      expect({ route, status }).toEqual({ route, status: expected })
      expect(body).toMatchObject({ type: expected === 400 ? "invalid_data" : "not_found" })
    }
  })
})

describe("a capture Klarna refuses, and POST /admin/klarna/jobs/:id/retry", () => {
  test("the refusal is shown with Klarna's error; Retry runs it again and the capture goes through", async () => {
    const placed = await placeKlarnaOrder(stack, [{ sku: "JKT-1", quantity: 1 }])
    await refuseNextCapture(stack.simulator.url, placed.klarnaOrderId)
    await fulfill(stack, placed.orderId, [{ id: placed.items["JKT-1"].id, quantity: 1 }])

    const failed = await viewWhenV2(stack.admin, placed.orderId, (v) => v.has_failures, "the capture parked as failed")
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
    expect(failed.captures.filter((c) => c.status === "captured")).toEqual([])
    expect((await simOrder(stack.simulator.url, placed.klarnaOrderId)).captures).toEqual([])

    const retried = await call("POST", `/jobs/${job?.id}/retry`)
    expect(retried.status).toBe(202)
    expect(retried.body).toEqual({ job: { id: job?.id, operation: "capture", state: "pending" } })

    const done = await viewWhenV2(
      stack.admin,
      placed.orderId,
      (v) => v.jobs.some((j) => j.id === job?.id && j.state === "succeeded"),
      "the retried capture",
    )
    expect(done.has_failures).toBe(false)
    expect(done.status).toBe("CAPTURED")
    expect(done.captures).toEqual([expect.objectContaining({ status: "captured", captured_amount: Math.round(placed.total * 100) })])
    expect(done.jobs.find((j) => j.id === job?.id)?.attempts_log.map((a) => a.outcome)).toEqual(["failed", "succeeded"])
    const remote = await simOrder(stack.simulator.url, placed.klarnaOrderId)
    expect(remote.captures).toHaveLength(1)
    expect(remote.captured_amount).toBe(done.amounts.authorized)

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

describe("POST /admin/klarna/orders/:id/refund", () => {
  test.each([
    { what: "no amount", body: {} },
    { what: "a decimal amount", body: { amount: 12.5 } },
    { what: "an amount as text", body: { amount: "1250" } },
    { what: "a negative amount", body: { amount: -100 } },
    { what: "a description that is not text", body: { amount: 100, description: 42 } },
    { what: "a description over 255 characters", body: { amount: 100, description: "é".repeat(256) } },
  ])("400 for $what, and nothing reaches Klarna", async ({ body }) => {
    const res = await call("POST", `/orders/${tracked.placed.orderId}/refund`, stack.admin.token, body)
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({ type: "invalid_data" })
  })

  test("409 for an order that is not canceled (Medusa refunds it, and the plugin sends that to Klarna)", async () => {
    const res = await call("POST", `/orders/${tracked.placed.orderId}/refund`, stack.admin.token, { amount: 100 })
    expect(res.status).toBe(409)
    expect(res.body).toMatchObject({ type: "not_allowed", message: expect.stringContaining("is not canceled") })
    const refunds = (await simRequests(stack.simulator.url, tracked.placed.klarnaOrderId)).filter((r) => /refunds/.test(r.path))
    expect(refunds).toEqual([])
  })

  test("404 for an order not paid with Klarna", async () => {
    const res = await call("POST", `/orders/${await systemOrder()}/refund`, stack.admin.token, { amount: 100 })
    expect(res.status).toBe(404)
  })
})

describe("POST /admin/klarna/orders/:id/captures/:capture_id/send-out", () => {
  test("queues Klarna's trigger-send-out for the capture", async () => {
    const captureId = tracked.view.captures[0].capture_id as string
    const res = await call("POST", `/orders/${tracked.placed.orderId}/captures/${captureId}/send-out`)
    expect(res.status).toBe(202)
    expect(res.body).toMatchObject({ order_id: tracked.placed.orderId, jobs: [{ operation: "trigger_send_out" }] })
    await eventually(
      async () =>
        (await simRequests(stack.simulator.url, `/captures/${captureId}/trigger-send-out`)).some(
          (r) => r.method === "POST" && r.status === 204,
        ),
      { what: "trigger-send-out at Klarna" },
    )
  })

  test("404 for a capture the order does not have, and for an order not paid with Klarna", async () => {
    const unknown = await call("POST", `/orders/${tracked.placed.orderId}/captures/not-a-capture/send-out`)
    expect(unknown.status).toBe(404)
    expect(unknown.body).toMatchObject({ type: "not_found" })
    const notKlarna = await call("POST", `/orders/${await systemOrder()}/captures/whatever/send-out`)
    expect(notKlarna.status).toBe(404)
  })
})

describe("POST /admin/klarna/orders/:id/reconcile", () => {
  test("reports no changes when in sync, and repairs tracking our tables lost", async () => {
    const { orderId, klarnaOrderId } = tracked.placed
    expect((await call("POST", `/orders/${orderId}/reconcile`)).status).toBe(200)
    const inSync = await call("POST", `/orders/${orderId}/reconcile`)
    expect(inSync.status).toBe(200)
    expect(inSync.body).toMatchObject({ reconcile: { order_id: orderId, klarna_order_id: klarnaOrderId, changes: [] } })

    await stack.sql(`UPDATE klarna_capture SET shipping_info = '[]'::jsonb WHERE platform_order_id = $1`, [orderId])
    const repaired = await call("POST", `/orders/${orderId}/reconcile`)
    expect(repaired.status).toBe(200)
    expect((repaired.body as { reconcile: { changes: string[] } }).reconcile.changes).toEqual([expect.stringContaining("shipping info")])
    const view = await viewWhenV2(stack.admin, orderId, () => true, "the view")
    expect(view.captures[0].shipping_info).toEqual([expect.objectContaining({ tracking_number: "PN-1001" })])
  })

  test("404 for an order not paid with Klarna", async () => {
    const res = await call("POST", `/orders/${await systemOrder()}/reconcile`)
    expect(res.status).toBe(404)
    expect(res.body).toMatchObject({ type: "not_found" })
  })
})

describe("GET /admin/klarna/orphans", () => {
  test("lists Klarna authorizations whose cart did not become an order (none here: every checkout completed)", async () => {
    const res = await call("GET", `/orphans?limit=5`)
    expect(res.status).toBe(200)
    // Every Klarna checkout of this file became an order: none of its Klarna orders awaits one. (A listed
    // "authorized" one with no order would be cancelled as an orphan after the grace period.)
    const { authorizations } = res.body as { authorizations: { klarna_order_id: string; status: string; order_id: string | null }[] }
    expect(authorizations.filter((a) => a.klarna_order_id === tracked.placed.klarnaOrderId)).toEqual([])
    expect(authorizations.filter((a) => a.status === "authorized" && a.order_id === null)).toEqual([])
  })
})

describe("POST /admin/klarna/orders/:id/release (last: it ends the tracked order's open authorization)", () => {
  test("releases the remaining authorization at Klarna", async () => {
    const { orderId, klarnaOrderId } = tracked.placed
    const before = await simOrder(stack.simulator.url, klarnaOrderId)
    expect(before.remaining_authorized_amount).toBeGreaterThan(0)
    const res = await call("POST", `/orders/${orderId}/release`)
    expect(res.status).toBe(202)
    expect(res.body).toMatchObject({ order_id: orderId, jobs: [{ operation: "release" }] })
    const view = await viewWhenV2(stack.admin, orderId, (v) => v.amounts.released > 0, "the release recorded")
    expect(view.amounts).toMatchObject({ released: before.remaining_authorized_amount, remaining: 0 })
    const after = await simOrder(stack.simulator.url, klarnaOrderId)
    expect(after.remaining_authorized_amount).toBe(0)
    expect(after.captured_amount).toBe(before.captured_amount)
  })

  test("404 for an order not paid with Klarna", async () => {
    const res = await call("POST", `/orders/${await systemOrder()}/release`)
    expect(res.status).toBe(404)
    expect(res.body).toMatchObject({ type: "not_found" })
  })
})

test("no response carried a secret: neither the Klarna password nor credentials", () => {
  const all = seen.join("\n")
  expect(seen.length).toBeGreaterThan(30)
  expect(all).not.toContain(stack.simulator.password)
  expect(all).not.toContain(stack.simulator.username)
  // No Authorization header value (the orphans list's "authorizations" are Klarna's, not credentials).
  expect(all).not.toMatch(/\b(basic|bearer) [A-Za-z0-9+/=._-]{8,}/i)
})
