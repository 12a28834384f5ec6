/**
 * Issue 12, defect 6, on a real Medusa 1.20 server with the plugin, PostgreSQL and the Klarna simulator:
 * (a) refunding in Klarna an order Medusa canceled after a partial capture, (b) no phantom capture row
 * after "Capture payment" and a Retry, (c) malformed ids on the Klarna admin routes are 400/404, never 500.
 */
import { startMedusaStack, type MedusaStack } from "../support/medusa-stack"
import { simOrder, simRequests } from "../support/simulator-client"
import { cancelOrder, capturePayment, createFulfillment, MedusaApiError } from "../support/store-api"
import { itemOf, klarnaCheckout, rawRequest, refuseNextCapture, viewWhen } from "./support"

jest.setTimeout(180_000)

let stack: MedusaStack

beforeAll(async () => {
  stack = await startMedusaStack({ name: "kos_order_actions" })
})

afterAll(async () => {
  await stack?.close()
})

/** A Klarna admin route, raw (no throwing on non-2xx); a JSON body when given. */
async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  if (body === undefined) return rawRequest(stack.medusa.url, method, `/admin/klarna${path}`, stack.api.token)
  const res = await fetch(`${stack.medusa.url}/admin/klarna${path}`, {
    method,
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${stack.api.token}` },
    body: JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : undefined }
}

const settledView = (orderId: string, what: string) =>
  viewWhen(stack.api, orderId, (v) => v.jobs.length > 0 && v.jobs.every((j) => j.state !== "pending" && j.state !== "running"), what)

describe("(c) malformed or unknown ids on every Klarna admin route", () => {
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
      expect({ route: `${method} ${path.slice(0, 80)}`, status }).toEqual({ route: `${method} ${path.slice(0, 80)}`, status: expected })
      expect(body).toMatchObject({ type: expected === 400 ? "invalid_data" : "not_found" })
    }
  })
})

describe("(b) Capture payment after a refused capture, then Retry", () => {
  test("leaves no capture row without a Klarna capture id", async () => {
    const placed = await klarnaCheckout(stack, [
      { product: 0, quantity: 2 },
      { product: 1, quantity: 1 },
    ])
    const orderId = placed.order.id
    const klarnaId = placed.klarnaOrderId as string
    await refuseNextCapture(stack.simulator.url, klarnaId)
    await createFulfillment(stack.api, orderId, [{ itemId: itemOf(stack, placed, 0).id, quantity: 1 }])
    const refused = await viewWhen(
      stack.api,
      orderId,
      (v) => v.jobs.some((j) => j.operation === "capture" && j.state === "failed"),
      "the refused capture",
    )
    const captureJob = refused.jobs.find((j) => j.operation === "capture")!

    // The merchant captures the whole payment in Medusa, then retries the parked capture.
    await capturePayment(stack.api, orderId)
    await stack.api.admin("POST", `/klarna/jobs/${captureJob.id}/retry`)
    const view = await viewWhen(
      stack.api,
      orderId,
      (v) => v.jobs.every((j) => j.state !== "pending" && j.state !== "running" && j.state !== "failed"),
      "the retried capture to finish",
    )
    const klarna = await simOrder(stack.simulator.url, klarnaId)
    expect(klarna.captured_amount).toBe(placed.order.total)
    expect(klarna.captures).toHaveLength(1)
    // Every capture row the merchant sees is one Klarna has.
    expect(view.captures.map((c) => [c.capture_id, c.status])).toEqual([[klarna.captures[0].capture_id, "captured"]])
    const rows = await stack.sql(`SELECT source_id, status, capture_id FROM klarna_capture WHERE platform_order_id = $1`, [orderId])
    expect(rows).toEqual([expect.objectContaining({ status: "captured", capture_id: klarna.captures[0].capture_id })])
  })
})

describe("(a) refund in Klarna an order canceled after a partial capture", () => {
  test("POST /admin/klarna/orders/:id/refund: checked, one refund per press, recorded and shown", async () => {
    const placed = await klarnaCheckout(stack, [
      { product: 0, quantity: 2 },
      { product: 1, quantity: 1 },
    ])
    const orderId = placed.order.id
    const klarnaId = placed.klarnaOrderId as string
    const { fulfillment } = await createFulfillment(stack.api, orderId, [{ itemId: itemOf(stack, placed, 0).id, quantity: 1 }])
    const captured = (await viewWhen(stack.api, orderId, (v) => v.amounts.captured > 0, "the partial capture")).amounts.captured

    // Not canceled yet: Medusa refunds it (and the plugin sends that refund to Klarna), not the panel.
    const early = await call("POST", `/orders/${orderId}/refund`, { amount: 100 })
    expect(early.status).toBe(409)

    await stack.api.admin("POST", `/orders/${orderId}/fulfillments/${fulfillment.id}/cancel`)
    await cancelOrder(stack.api, orderId)
    // Medusa itself refuses to refund the canceled order: that is why the panel offers it.
    await expect(stack.api.admin("POST", `/orders/${orderId}/refund`, { amount: 100, reason: "other" })).rejects.toBeInstanceOf(
      MedusaApiError,
    )
    await settledView(orderId, "the cancel to settle")

    for (const amount of [0, -5, 12.5, "100", captured + 1]) {
      const refused = await call("POST", `/orders/${orderId}/refund`, { amount })
      expect({ amount, status: refused.status }).toEqual({ amount, status: 400 })
    }
    expect((await simOrder(stack.simulator.url, klarnaId)).refunds).toEqual([])

    // A double click: two identical presses at once are one job and one Klarna refund.
    const press = () => call("POST", `/orders/${orderId}/refund`, { amount: 1000, description: "Goodwill after cancel ✓" })
    const [first, second] = await Promise.all([press(), press()])
    expect([first.status, second.status]).toEqual([202, 202])
    const jobIdOf = (r: { body: unknown }) => (r.body as { jobs: { id: string }[] }).jobs[0].id
    expect(jobIdOf(first)).toBe(jobIdOf(second))
    // The refund row is marked refunded before its job completes: wait for both.
    const view = await viewWhen(
      stack.api,
      orderId,
      (v) => v.refunds.some((r) => r.status === "refunded") && v.jobs.every((j) => j.state !== "pending" && j.state !== "running"),
      "the panel refund",
    )
    const klarna = await simOrder(stack.simulator.url, klarnaId)
    expect(klarna.refunds).toHaveLength(1)
    expect(klarna.refunds[0]).toMatchObject({ refunded_amount: 1000, reference: view.refunds[0].platform_refund_id })
    const [request] = (await simRequests(stack.simulator.url, `${klarnaId}/refunds`)).filter((r) => r.method === "POST")
    expect(request.body).toEqual({
      refunded_amount: 1000,
      description: "Goodwill after cancel ✓",
      reference: view.refunds[0].platform_refund_id,
    })
    expect(view.amounts.refunded).toBe(1000)
    const job = view.jobs.find((j) => j.id === jobIdOf(first))!
    expect(job).toMatchObject({ operation: "refund", state: "succeeded" })
    expect(job.attempts_log).toEqual([expect.objectContaining({ attempt: 1, outcome: "succeeded" })])

    // Pressed again after it went through: a new refund, of the rest; more than that is refused.
    const rest = await call("POST", `/orders/${orderId}/refund`, { amount: captured - 1000 })
    expect(rest.status).toBe(202)
    expect(jobIdOf(rest)).not.toBe(jobIdOf(first))
    const after = await viewWhen(stack.api, orderId, (v) => v.amounts.refunded === captured, "the second panel refund")
    expect(after.refunds.filter((r) => r.status === "refunded")).toHaveLength(2)
    expect((await call("POST", `/orders/${orderId}/refund`, { amount: 1 })).status).toBe(400)
    expect((await simOrder(stack.simulator.url, klarnaId)).refunded_amount).toBe(captured)
  })
})
