/**
 * tracking_only mode: Klarna's own Shopify app makes the capture (once per authorization, no order
 * lines) and handles refunds and voids through Shopify's payment sessions. We only add tracking to the
 * capture Klarna holds, and never capture, refund, release or cancel.
 */
import { simOrder } from "../support/simulator-client"
import {
  captureAsKlarnaApp,
  createKlarnaOrder,
  eventually,
  klarnaRequests,
  sendWebhook,
  settledJobs,
  startHarness,
  type Harness,
} from "./support/harness"
import { buildFulfillment, buildOrder, buildRefund } from "./support/payloads"

jest.setTimeout(120_000)

let h: Harness
beforeAll(async () => {
  h = await startHarness("kos_shopify_tracking", {
    mode: "tracking_only",
    klarnaOrderIdSources: [{ type: "note_attribute", name: "klarna_order_id" }, { type: "transaction" }],
  })
})
afterAll(async () => h?.close())

async function place(total: string) {
  const klarnaId = await createKlarnaOrder(h.sim, Math.round(Number(total) * 100))
  const order = buildOrder({
    klarnaOrderId: klarnaId,
    items: [
      { title: "Jacket", sku: "JACKET", quantity: 1, price: "80.00" },
      { title: "Gloves", sku: "GLOVES", quantity: 1, price: String((Number(total) - 80).toFixed(2)) },
    ],
    totalPrice: total,
  })
  await sendWebhook(h.server.webhookUrl, "orders/create", order.payload)
  return { ...order, klarnaId, orderId: String(order.id) }
}

test("tracking goes to the capture Klarna's app made; nothing else is ever sent", async () => {
  const order = await place("100.00")
  await captureAsKlarnaApp(h.sim, order.klarnaId, 10000)

  const first = buildFulfillment({
    orderId: order.id,
    lines: [{ id: order.items[0].id, quantity: 1 }],
    company: "PostNord",
    trackingNumbers: ["PN1", "PN2"],
  })
  await sendWebhook(h.server.webhookUrl, "fulfillments/create", first)
  await settledJobs(h, order.orderId)
  let klarna = await simOrder(h.sim.url, order.klarnaId)
  expect(klarna.captures).toHaveLength(1)
  expect(klarna.captures[0].shipping_info?.map((s) => [s.tracking_number, s.shipping_company])).toEqual([
    ["PN1", "PostNord"],
    ["PN2", "PostNord"],
  ])

  // The second parcel of the same order: its tracking goes to the same (only) capture.
  const second = buildFulfillment({
    orderId: order.id,
    lines: [{ id: order.items[1].id, quantity: 1 }],
    company: "PostNord",
    trackingNumbers: ["PN3"],
    createdAt: "2026-11-22T09:00:00+01:00",
  })
  await sendWebhook(h.server.webhookUrl, "fulfillments/create", second)
  // A refund and a cancellation are Klarna's app's business (Shopify sends it refund/void sessions).
  await sendWebhook(
    h.server.webhookUrl,
    "refunds/create",
    buildRefund({
      orderId: order.id,
      lines: [{ lineItemId: order.items[0].id, quantity: 1, subtotal: "80.00" }],
      transactions: [{ amount: "80.00" }],
    }),
  )
  await sendWebhook(h.server.webhookUrl, "orders/cancelled", {
    ...order.payload,
    cancelled_at: "2026-11-26T10:00:00+01:00",
    updated_at: "2026-11-26T10:00:00+01:00",
  })
  const jobs = await settledJobs(h, order.orderId)

  klarna = await simOrder(h.sim.url, order.klarnaId)
  expect(klarna).toMatchObject({ captured_amount: 10000, refunded_amount: 0, status: "CAPTURED" })
  expect(klarna.captures).toHaveLength(1)
  expect(klarna.captures[0].shipping_info?.map((s) => s.tracking_number)).toEqual(["PN1", "PN2", "PN3"])
  expect(jobs.map((job) => [job.operation, job.state])).toEqual([
    ["shipping_info", "succeeded"],
    ["shipping_info", "succeeded"],
  ])
  const mutations = (await klarnaRequests(h.sim, order.klarnaId))
    .filter((r) => r.method !== "GET")
    .map((r) => r.path.replace(/.*\/orders\/[^/]+/, ""))
  expect(mutations.every((path) => /^\/captures\/[^/]+\/shipping-info$/.test(path) || path === "/captures")).toBe(true)
  expect(mutations.filter((path) => path === "/captures")).toHaveLength(1) // the app's own capture, not ours
  const [capture] = await h.sql(
    `SELECT source_id, idempotency_key, jsonb_array_length(shipping_info) AS parcels FROM klarna_capture WHERE platform = 'shopify' AND platform_order_id = $1`,
    [order.orderId],
  )
  expect(capture).toEqual({ source_id: `klarna:${klarna.captures[0].capture_id}`, idempotency_key: "external", parcels: 3 })
})

test("tracking that arrives before Klarna's app captured waits (retried), then lands on the capture", async () => {
  const order = await place("60.00")
  await sendWebhook(
    h.server.webhookUrl,
    "fulfillments/create",
    buildFulfillment({
      orderId: order.id,
      lines: [
        { id: order.items[0].id, quantity: 1 },
        { id: order.items[1].id, quantity: 1 },
      ],
      trackingNumbers: ["EARLY"],
    }),
  )
  const waiting = await eventually(async () => {
    const [job] = await h.sql<{ state: string; last_error: string | null; attempts: number }>(
      `SELECT state, last_error, attempts FROM klarna_sync_job WHERE platform_order_id = $1`,
      [order.orderId],
    )
    return job && job.attempts >= 1 && job.last_error ? job : undefined
  }, "a retried shipping-info job")
  expect(waiting.last_error).toContain("has no capture yet")
  expect(waiting.state).toBe("pending")

  await captureAsKlarnaApp(h.sim, order.klarnaId, 6000)
  await eventually(
    async () => (await simOrder(h.sim.url, order.klarnaId)).captures[0]?.shipping_info?.length === 1,
    "tracking on the app's capture",
  )
  const [job] = await settledJobs(h, order.orderId)
  expect(job).toMatchObject({ operation: "shipping_info", state: "succeeded" })
})

test("a Klarna order id that arrives last (transaction source) catches up on the tracking already there", async () => {
  const klarnaId = await createKlarnaOrder(h.sim, 4000)
  await captureAsKlarnaApp(h.sim, klarnaId, 4000)
  const order = buildOrder({
    klarnaOrderId: null,
    items: [{ title: "Boots", sku: "BOOTS", quantity: 1, price: "40.00" }],
    totalPrice: "40.00",
  })
  const orderId = String(order.id)
  expect((await sendWebhook(h.server.webhookUrl, "orders/create", order.payload)).body).toMatchObject({
    klarnaStatus: "no_klarna_order_id",
  })
  const shipped = await sendWebhook(
    h.server.webhookUrl,
    "fulfillments/create",
    buildFulfillment({ orderId: order.id, lines: [{ id: order.items[0].id, quantity: 1 }], trackingNumbers: ["LATE1"] }),
  )
  expect(shipped.body).toMatchObject({ klarnaStatus: "no_klarna_order_id", jobs: 0 })

  const transaction = {
    id: order.id + 1,
    order_id: order.id,
    kind: "authorization",
    gateway: "Klarna",
    status: "success",
    amount: "40.00",
    authorization: klarnaId,
    created_at: "2026-11-20T10:00:01+01:00",
  }
  expect((await sendWebhook(h.server.webhookUrl, "order_transactions/create", transaction)).body).toMatchObject({
    klarnaStatus: "klarna",
    detail: "transaction",
    jobs: 1,
  })
  await settledJobs(h, orderId)
  expect((await simOrder(h.sim.url, klarnaId)).captures[0].shipping_info?.map((s) => s.tracking_number)).toEqual(["LATE1"])
})
