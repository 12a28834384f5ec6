/**
 * Issue 12, defect 6, on a real Medusa 1.20 server with the plugin, PostgreSQL and the Klarna simulator:
 * (a) refunding in Klarna an order Medusa canceled after a partial capture, (b) no phantom capture row
 * after "Capture payment" and a Retry, (c) malformed ids on the Klarna admin routes are 400/404, never 500.
 */
import { startMedusaStack, type MedusaStack } from "../support/medusa-stack"
import { simOrder, simRequests } from "../support/simulator-client"
import { cancelOrder, capturePayment, createFulfillment, eventually, MedusaApiError } from "../support/store-api"
import { itemOf, klarnaCheckout, klarnaView, rawRequest, refuseNextCapture, viewWhen } from "./support"

jest.setTimeout(180_000)

let stack: MedusaStack

beforeAll(async () => {
  stack = await startMedusaStack({ name: "kos_order_actions" })
})

afterAll(async () => {
  await stack?.close()
})

const call = (method: string, path: string) => rawRequest(stack.medusa.url, method, `/admin/klarna${path}`, stack.api.token)

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
    ["a NUL byte (order%00x)", "order%00x", 400],
    ["a cut percent-escape (%E0%A4%A)", "%E0%A4%A", 400],
    ["a lone percent sign (%)", "%", 400],
    ["an invalid UTF-8 escape (%FF%FE)", "%FF%FE", 400],
    ["a 5000-character id", "o".repeat(5000), 400],
    ["an unknown id", "order_01DOESNOTEXIST0000000000000", 404],
  ])("%s answers %s", async (_what, id, expected) => {
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
    const refused = await viewWhen(stack.api, orderId, (v) => v.jobs.some((j) => j.operation === "capture" && j.state === "failed"), "the refused capture")
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
