/**
 * The webhook endpoint itself, over real HTTP: verification with @shopify/shopify-api (bodies signed
 * with its test helper `getHmac`), status codes, deduplication by X-Shopify-Webhook-Id, what is
 * stored, record_only mode, and the three mandatory privacy topics (Shopify's sample payloads).
 */
import {
  APP_SECRET,
  SHOP,
  createKlarnaOrder,
  getHmac,
  klarnaRequests,
  sampleText,
  sendWebhook,
  settledJobs,
  startHarness,
  type Harness,
} from "./support/harness"
import { buildFulfillment, buildOrder } from "./support/payloads"

jest.setTimeout(120_000)

let h: Harness
beforeAll(async () => {
  h = await startHarness("kos_shopify_webhooks", { mode: "record_only", maxBodyBytes: 64 * 1024 })
})
afterAll(async () => h?.close())

const receipts = async (webhookId: string) => await h.sql(`SELECT platform, topic FROM klarna_webhook_receipt WHERE id = $1`, [webhookId])

describe("verification", () => {
  test("the library's test helper signs what Shopify would sign", () => {
    const body = sampleText("fulfillments-create")
    const { createHmac } = jest.requireActual<typeof import("node:crypto")>("node:crypto")
    expect(getHmac(body, APP_SECRET)).toBe(createHmac("sha256", APP_SECRET).update(body, "utf8").digest("base64"))
  })

  test("a signed sample is accepted with 200 and stored without customer data", async () => {
    const response = await sendWebhook(h.server.webhookUrl, "orders/create", sampleText("orders-cancelled"))
    expect(response).toMatchObject({
      status: 200,
      body: { ok: true, status: "recorded", topic: "ORDERS_CREATE", orderId: "820982911946154508" },
    })
    expect(await receipts(response.webhookId)).toEqual([{ platform: "shopify", topic: "ORDERS_CREATE" }])
    const [row] = await h.sql<{ shop_domain: string; order_payload: Record<string, unknown>; klarna_status: string }>(
      `SELECT shop_domain, order_payload, klarna_status FROM klarna_shopify_order WHERE order_id = '820982911946154508'`,
    )
    expect(row).toMatchObject({ shop_domain: SHOP, klarna_status: "not_klarna" })
    expect(row.order_payload).toMatchObject({ id: "820982911946154508", total_price: "404.95", payment_gateway_names: ["visa", "bogus"] })
    const stored = JSON.stringify(row.order_payload)
    for (const personal of [
      "jon@example.com",
      "john@example.com",
      "Steve",
      "Shipping Street",
      "Ottawa",
      "555-555-SHIP",
      '"billing_address":',
      '"customer":',
      '"email":',
    ]) {
      expect(stored).not.toContain(personal)
    }
  })

  test("a tampered body gets 401 and leaves no trace", async () => {
    const original = sampleText("refunds-create")
    const tampered = original.replace('"amount": "75.00"', '"amount": "7500.00"')
    expect(tampered).not.toBe(original)
    const response = await sendWebhook(h.server.webhookUrl, "refunds/create", tampered, { signedBody: original })
    expect(response).toMatchObject({ status: 401, body: { error: "invalid_hmac" } })
    expect(await receipts(response.webhookId)).toEqual([])
    const [row] = await h.sql<{ refunds: Record<string, unknown> }>(
      `SELECT refunds FROM klarna_shopify_order WHERE order_id = '820982911946154508'`,
    )
    expect(row?.refunds ?? {}).toEqual({})
  })

  test("another app's secret, or no HMAC at all: 401", async () => {
    const body = sampleText("fulfillments-create")
    expect(await sendWebhook(h.server.webhookUrl, "fulfillments/create", body, { secret: "some-other-apps-secret" })).toMatchObject({
      status: 401,
      body: { error: "invalid_hmac" },
    })
    expect(await sendWebhook(h.server.webhookUrl, "fulfillments/create", body, { omitHeaders: ["X-Shopify-Hmac-Sha256"] })).toMatchObject({
      status: 401,
      body: { error: "missing_hmac" },
    })
  })

  test("a valid HMAC without the delivery headers: 400", async () => {
    const response = await sendWebhook(h.server.webhookUrl, "fulfillments/create", sampleText("fulfillments-create"), {
      omitHeaders: ["X-Shopify-Webhook-Id"],
    })
    expect(response).toMatchObject({ status: 400, body: { error: "missing_headers" } })
  })

  test("signed but not JSON: 400; too large: 413; not POST: 405; elsewhere: 404", async () => {
    expect(await sendWebhook(h.server.webhookUrl, "orders/create", "not json")).toMatchObject({
      status: 400,
      body: { error: "invalid_json" },
    })
    expect((await sendWebhook(h.server.webhookUrl, "orders/create", JSON.stringify({ id: 1, note: "x".repeat(100_000) }))).status).toBe(413)
    expect((await fetch(h.server.webhookUrl)).status).toBe(405)
    expect((await fetch(`${h.server.url}/elsewhere`, { method: "POST", body: "{}" })).status).toBe(404)
    expect(await (await fetch(`${h.server.url}/health`)).json()).toEqual({ ok: true, mode: "record_only" })
  })

  test("a replayed delivery (same X-Shopify-Webhook-Id) is acknowledged and does nothing", async () => {
    const body = sampleText("order-transactions-create")
    const first = await sendWebhook(h.server.webhookUrl, "order_transactions/create", body)
    const again = await sendWebhook(h.server.webhookUrl, "order_transactions/create", body, { webhookId: first.webhookId })
    expect(first.body).toMatchObject({ status: "recorded" })
    expect(again).toMatchObject({ status: 200, body: { ok: true, status: "duplicate" } })
    expect(await receipts(first.webhookId)).toHaveLength(1)
  })

  test("topics it does not handle are acknowledged", async () => {
    expect(await sendWebhook(h.server.webhookUrl, "products/update", { id: 1 })).toMatchObject({ status: 200, body: { status: "ignored" } })
  })
})

describe("record_only mode", () => {
  test("a Klarna order is recorded with its Klarna order id, and nothing is sent to Klarna", async () => {
    const klarnaId = await createKlarnaOrder(h.sim, 5000)
    const order = buildOrder({
      klarnaOrderId: klarnaId,
      items: [{ title: "Lamp", sku: "LAMP", quantity: 1, price: "50.00" }],
      totalPrice: "50.00",
    })
    expect((await sendWebhook(h.server.webhookUrl, "orders/create", order.payload)).body).toMatchObject({ klarnaStatus: "klarna", jobs: 0 })
    const shipped = await sendWebhook(
      h.server.webhookUrl,
      "fulfillments/create",
      buildFulfillment({ orderId: order.id, lines: [{ id: order.items[0].id, quantity: 1 }], trackingNumbers: ["R1"] }),
    )
    expect(shipped.body).toMatchObject({ status: "recorded", klarnaStatus: "klarna", jobs: 0 })
    expect(await settledJobs(h, String(order.id))).toEqual([])
    expect(await h.sql(`SELECT klarna_order_id FROM klarna_shopify_order WHERE order_id = $1`, [String(order.id)])).toEqual([
      { klarna_order_id: klarnaId },
    ])
    expect(await klarnaRequests(h.sim, klarnaId)).toEqual([])
  })
})

describe("mandatory privacy topics (Shopify's sample payloads)", () => {
  const shop = "privacy-shop.myshopify.com"

  beforeAll(async () => {
    // Two of the orders the samples name (299938, 280263), held for this shop, with tracking numbers.
    for (const id of [299938, 280263]) {
      const order = buildOrder({ id, items: [{ title: "Pen", sku: "PEN", quantity: 1, price: "3.00" }], totalPrice: "3.00" })
      await sendWebhook(h.server.webhookUrl, "orders/create", order.payload, { shop })
      await sendWebhook(
        h.server.webhookUrl,
        "fulfillments/create",
        buildFulfillment({ orderId: id, lines: [{ id: order.items[0].id, quantity: 1 }], trackingNumbers: [`TRK${id}`] }),
        { shop },
      )
    }
  })

  test("customers/data_request reports which of the requested orders are held", async () => {
    const response = await sendWebhook(h.server.webhookUrl, "customers/data_request", sampleText("customers-data-request"), { shop })
    expect(response).toMatchObject({
      status: 200,
      body: { status: "privacy", topic: "CUSTOMERS_DATA_REQUEST", orderIds: ["280263", "299938"] },
    })
    expect(h.logs.some((line) => line.includes("customers/data_request 9999") && line.includes("holds 2 of the requested orders"))).toBe(
      true,
    )
  })

  test("customers/redact scrubs the tracking numbers of the listed orders", async () => {
    const response = await sendWebhook(h.server.webhookUrl, "customers/redact", sampleText("customers-redact"), { shop })
    expect(response).toMatchObject({ status: 200, body: { status: "privacy", detail: "redacted 2 of 3 orders" } })
    const rows = await h.sql<{ fulfillments: Record<string, unknown>; redacted_at: Date | null }>(
      `SELECT fulfillments, redacted_at FROM klarna_shopify_order WHERE shop_domain = $1`,
      [shop],
    )
    expect(rows).toHaveLength(2)
    for (const row of rows) {
      expect(row.redacted_at).not.toBeNull()
      expect(JSON.stringify(row.fulfillments)).not.toContain("TRK")
    }
  })

  test("shop/redact deletes everything kept for the shop, and nothing of other shops", async () => {
    // An engine mapping for one of the shop's orders, as direct mode would have made it.
    await h.sql(
      `INSERT INTO klarna_order (id, platform, platform_order_id, klarna_order_id, currency, authorized_amount) VALUES ('kord_privacy', 'shopify', '299938', 'x', 'EUR', 300)`,
    )
    const response = await sendWebhook(h.server.webhookUrl, "shop/redact", sampleText("shop-redact"), { shop })
    expect(response).toMatchObject({ status: 200, body: { status: "privacy", detail: "deleted 2 orders and their Klarna sync records" } })
    expect(await h.sql(`SELECT 1 FROM klarna_shopify_order WHERE shop_domain = $1`, [shop])).toEqual([])
    expect(await h.sql(`SELECT 1 FROM klarna_order WHERE id = 'kord_privacy'`)).toEqual([])
    expect((await h.sql(`SELECT count(*)::int AS n FROM klarna_shopify_order WHERE shop_domain = $1`, [SHOP]))[0].n).toBeGreaterThan(0)
  })

  test("privacy webhooks with a bad HMAC get 401 (Shopify's compliance check)", async () => {
    for (const [topic, name] of [
      ["customers/data_request", "customers-data-request"],
      ["customers/redact", "customers-redact"],
      ["shop/redact", "shop-redact"],
    ]) {
      const response = await sendWebhook(h.server.webhookUrl, topic, sampleText(name), { secret: "wrong" })
      expect(response.status).toBe(401)
    }
  })
})
