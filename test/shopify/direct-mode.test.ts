/**
 * direct mode end to end: signed webhooks over real HTTP into the standalone server, its outbox worker,
 * the Klarna simulator. Every case asserts what Klarna (the simulator) holds and what our tables say.
 */
import { simFault, simOrder, simRequests, type SimOrder } from "../support/simulator-client"
import {
  createKlarnaOrder,
  eventually,
  klarnaRequests,
  sampleText,
  sendWebhook,
  settledJobs,
  startHarness,
  type Harness,
} from "./support/harness"
import { buildFulfillment, buildOrder, buildRefund, type OrderSpec } from "./support/payloads"

jest.setTimeout(120_000)

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0)
/** Jobs queued by one webhook share its transaction's timestamp, so their order is not asserted. */
const outcomes = (jobs: { operation: string; state: string }[]) => jobs.map((job) => `${job.operation} ${job.state}`).sort()
const minor = (amount: string) => Math.round(Number(amount) * 100)

/** Every capture and refund Klarna holds adds up line by line. */
function expectExactLines(order: SimOrder): void {
  for (const capture of order.captures) expect(sum((capture.order_lines ?? []).map((l) => l.total_amount))).toBe(capture.captured_amount)
  for (const refund of order.refunds) expect(sum((refund.order_lines ?? []).map((l) => l.total_amount))).toBe(refund.refunded_amount)
}

describe("Shopify's own sample payloads, in direct mode", () => {
  let h: Harness
  beforeAll(async () => {
    // Shopify's samples are paid through its test gateway "bogus"; here it stands for the Klarna gateway.
    h = await startHarness("kos_shopify_samples", { mode: "direct", klarnaGateways: ["bogus"] })
  })
  afterAll(async () => h?.close())

  /** Exactly one occurrence of `from` in the sample text becomes `to` (the ids stay byte for byte). */
  const edit = (text: string, from: string, to: string): string => {
    expect(text.split(from)).toHaveLength(2)
    return text.replace(from, to)
  }

  test("orders/create, fulfillments/create (pending), fulfillments/update (success), refunds/create, orders/cancelled, order_transactions/create", async () => {
    const orderId = "820982911946154508"
    const klarnaId = await createKlarnaOrder(h.sim, 40495, "USD", "US")

    // The samples carry no Klarna order id and the order sample is already canceled: those two
    // fields are changed in the text (nothing else), to play the order's life in order.
    let created = edit(
      sampleText("orders-cancelled"),
      '"note_attributes": []',
      `"note_attributes": [{"name": "klarna_order_id", "value": "${klarnaId}"}]`,
    )
    created = edit(created, '"cancelled_at": "2021-12-31T19:00:00-05:00"', '"cancelled_at": null')
    created = edit(created, '"cancel_reason": "customer"', '"cancel_reason": null')
    const placed = await sendWebhook(h.server.webhookUrl, "orders/create", created)
    expect(placed).toMatchObject({
      status: 200,
      body: { ok: true, status: "recorded", orderId, klarnaStatus: "klarna", detail: "note_attribute:klarna_order_id" },
    })

    const pending = await sendWebhook(h.server.webhookUrl, "fulfillments/create", sampleText("fulfillments-create"))
    expect(pending).toMatchObject({ status: 200, body: { status: "recorded", orderId } })
    await settledJobs(h, orderId)
    expect((await simOrder(h.sim.url, klarnaId)).captures).toHaveLength(0)

    let shipped = edit(sampleText("fulfillments-update"), '"status": "pending"', '"status": "success"')
    shipped = edit(shipped, '"updated_at": "2021-12-31T19:00:00-05:00"', '"updated_at": "2022-01-02T10:00:00-05:00"')
    expect((await sendWebhook(h.server.webhookUrl, "fulfillments/update", shipped)).status).toBe(200)
    await settledJobs(h, orderId)
    let klarna = await simOrder(h.sim.url, klarnaId)
    expect(klarna).toMatchObject({ status: "CAPTURED", captured_amount: 40495 })
    expect(klarna.captures).toHaveLength(1)
    const [capture] = klarna.captures
    expect(capture.reference).toBe("123456")
    expect(capture.shipping_info).toEqual([
      {
        tracking_number: "1z827wk74630",
        shipping_company: "UPS",
        tracking_uri: "https://www.ups.com/WebTracking?loc=en_US&requester=ST&trackNums=1z827wk74630",
      },
    ])
    expect(capture.order_lines?.map((line) => [line.reference, line.quantity, line.total_amount])).toEqual(
      expect.arrayContaining([
        ["SKU2006-001", 1, 8999],
        ["SKU2006-020", 1, 15999],
      ]),
    )

    expect((await sendWebhook(h.server.webhookUrl, "refunds/create", sampleText("refunds-create"))).status).toBe(200)
    await settledJobs(h, orderId)
    klarna = await simOrder(h.sim.url, klarnaId)
    expect(klarna.refunded_amount).toBe(8500)
    expect(klarna.refunds).toHaveLength(1)
    expect(klarna.refunds[0].reference).toBe("890088186047892319")

    // The sample order is canceled after all that: everything is captured, so there is nothing left to
    // release and nothing to cancel (Klarna refuses to cancel a captured order).
    expect((await sendWebhook(h.server.webhookUrl, "orders/cancelled", sampleText("orders-cancelled"))).status).toBe(200)
    const jobs = await settledJobs(h, orderId)
    expect(jobs.find((job) => job.operation === "cancel")).toMatchObject({ state: "skipped" })
    expect((await klarnaRequests(h.sim, klarnaId)).filter((r) => r.path.endsWith("/cancel"))).toHaveLength(0)

    const transaction = await sendWebhook(h.server.webhookUrl, "order_transactions/create", sampleText("order-transactions-create"))
    expect(transaction).toMatchObject({ status: 200, body: { status: "recorded", orderId } })

    expectExactLines(await simOrder(h.sim.url, klarnaId))
    // The release queued once everything had shipped finds nothing left to release.
    expect(outcomes(jobs)).toEqual(["cancel skipped", "capture succeeded", "refund succeeded", "release skipped", "shipping_info skipped"])
    const [mapping] = await h.sql(
      `SELECT klarna_order_id, captured_amount, refunded_amount FROM klarna_order WHERE platform = 'shopify' AND platform_order_id = $1`,
      [orderId],
    )
    expect(mapping).toEqual({ klarna_order_id: klarnaId, captured_amount: 40495, refunded_amount: 8500 })
  })
})

describe("direct mode edge cases", () => {
  let h: Harness
  beforeAll(async () => {
    h = await startHarness("kos_shopify_direct", { mode: "direct", carrierMapping: { "DHL Express": "DHL" }, shippingMethod: "Home" })
  })
  afterAll(async () => h?.close())

  async function place(spec: Omit<OrderSpec, "klarnaOrderId"> & { klarnaOrderId?: string | null }) {
    const klarnaId = spec.klarnaOrderId === undefined ? await createKlarnaOrder(h.sim, minor(spec.totalPrice)) : spec.klarnaOrderId
    const built = buildOrder({ ...spec, klarnaOrderId: klarnaId })
    const response = await sendWebhook(h.server.webhookUrl, "orders/create", built.payload)
    expect(response.status).toBe(200)
    return { ...built, klarnaId: klarnaId as string, orderId: String(built.id) }
  }

  test("several tracking numbers: all on the capture; one added later is appended, alone", async () => {
    const order = await place({
      items: [{ title: "Trail shoe", sku: "TS-42", quantity: 1, price: "59.90", tax: { price: "9.56", rate: 0.19 } }],
      shipping: { title: "DHL Paket", price: "4.90", tax: { price: "0.78", rate: 0.19 } },
      totalPrice: "64.80",
    })
    const fulfillment = buildFulfillment({
      orderId: order.id,
      lines: [{ id: order.items[0].id, quantity: 1 }],
      company: "DHL Express",
      trackingNumbers: ["JD0001", "JD0002"],
      trackingUrls: ["https://dhl.example/JD0001", "https://dhl.example/JD0002"],
    })
    await sendWebhook(h.server.webhookUrl, "fulfillments/create", fulfillment)
    await settledJobs(h, order.orderId)
    let klarna = await simOrder(h.sim.url, order.klarnaId)
    expect(klarna.captured_amount).toBe(6480)
    expect(klarna.captures[0].shipping_info).toEqual([
      { tracking_number: "JD0001", shipping_company: "DHL", shipping_method: "Home", tracking_uri: "https://dhl.example/JD0001" },
      { tracking_number: "JD0002", shipping_company: "DHL", shipping_method: "Home", tracking_uri: "https://dhl.example/JD0002" },
    ])

    const update = {
      ...fulfillment,
      tracking_numbers: ["JD0001", "JD0002", "JD0003"],
      tracking_urls: [],
      updated_at: "2026-11-22T08:00:00+01:00",
    }
    await sendWebhook(h.server.webhookUrl, "fulfillments/update", update)
    await settledJobs(h, order.orderId)
    klarna = await simOrder(h.sim.url, order.klarnaId)
    expect(klarna.captures).toHaveLength(1)
    expect(klarna.captures[0].shipping_info?.map((s) => s.tracking_number)).toEqual(["JD0001", "JD0002", "JD0003"])
    const appends = (await klarnaRequests(h.sim, order.klarnaId)).filter((r) => r.method === "POST" && r.path.endsWith("/shipping-info"))
    // No URL from Shopify for the new number: the carrier's page for it (src/sync/carriers.ts).
    expect(appends.map((r) => r.body)).toEqual([
      {
        shipping_info: [
          {
            tracking_number: "JD0003",
            shipping_company: "DHL",
            shipping_method: "Home",
            tracking_uri: "https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id=JD0003",
          },
        ],
      },
    ])
    expectExactLines(klarna)
  })

  test("partial fulfillments: one capture each, exact lines, shipping with the first, together the order total", async () => {
    const order = await place({
      items: [
        { title: "Mug", sku: "MUG", quantity: 3, price: "12.00", tax: { price: "5.75", rate: 0.19 } },
        { title: "Plate", sku: "PLATE", quantity: 1, price: "20.00", discount: "2.00", tax: { price: "2.87", rate: 0.19 } },
      ],
      shipping: { title: "Standard", price: "5.00" },
      totalPrice: "59.00",
    })
    const [mug, plate] = order.items
    await sendWebhook(
      h.server.webhookUrl,
      "fulfillments/create",
      buildFulfillment({ orderId: order.id, lines: [{ id: mug.id, quantity: 2 }], trackingNumbers: ["P1"] }),
    )
    await settledJobs(h, order.orderId)
    let klarna = await simOrder(h.sim.url, order.klarnaId)
    expect(klarna).toMatchObject({ status: "PART_CAPTURED", captured_amount: 2900 })
    expect(klarna.captures[0].order_lines?.map((l) => [l.type, l.reference, l.quantity, l.total_amount, l.tax_rate])).toEqual([
      ["physical", "MUG", 2, 2400, 1900],
      ["shipping_fee", String(order.shippingLineId), 1, 500, 0],
    ])

    await sendWebhook(
      h.server.webhookUrl,
      "fulfillments/create",
      buildFulfillment({
        orderId: order.id,
        lines: [
          { id: mug.id, quantity: 1 },
          { id: plate.id, quantity: 1 },
        ],
        trackingNumbers: ["P2"],
        createdAt: "2026-11-22T09:00:00+01:00",
      }),
    )
    await settledJobs(h, order.orderId)
    klarna = await simOrder(h.sim.url, order.klarnaId)
    expect(klarna).toMatchObject({ status: "CAPTURED", captured_amount: 5900, remaining_authorized_amount: 0 })
    expect(klarna.captures.map((c) => c.captured_amount)).toEqual([2900, 3000])
    expect(klarna.captures[1].order_lines?.map((l) => [l.reference, l.quantity, l.total_amount, l.total_discount_amount])).toEqual([
      ["MUG", 1, 1200, 0],
      ["PLATE", 1, 1800, 200],
    ])
    expectExactLines(klarna)

    // A return of the plate: a refund with the plate's line, referenced by the Shopify refund id.
    const refund = buildRefund({
      orderId: order.id,
      lines: [{ lineItemId: plate.id, quantity: 1, subtotal: "18.00", tax: "2.87" }],
      transactions: [{ amount: "18.00" }],
    })
    await sendWebhook(h.server.webhookUrl, "refunds/create", refund)
    await settledJobs(h, order.orderId)
    klarna = await simOrder(h.sim.url, order.klarnaId)
    expect(klarna.refunds).toEqual([
      expect.objectContaining({
        refunded_amount: 1800,
        reference: String(refund.id),
        order_lines: [expect.objectContaining({ reference: "PLATE", quantity: 1, total_amount: 1800 })],
      }),
    ])
  })

  test("shipping-only refunds: from refund_shipping_lines, and from legacy order_adjustments", async () => {
    for (const form of ["refund_shipping_lines", "order_adjustments"] as const) {
      const order = await place({
        items: [{ title: "Book", sku: "BOOK", quantity: 1, price: "25.00" }],
        shipping: { title: "Letter", price: "4.90", tax: { price: "0.78", rate: 0.19 } },
        totalPrice: "29.90",
      })
      await sendWebhook(
        h.server.webhookUrl,
        "fulfillments/create",
        buildFulfillment({ orderId: order.id, lines: [{ id: order.items[0].id, quantity: 1 }] }),
      )
      await settledJobs(h, order.orderId)
      const refund = buildRefund({
        orderId: order.id,
        transactions: [{ amount: "4.90" }],
        ...(form === "refund_shipping_lines"
          ? { shippingLines: [{ subtotal: "4.90", tax: "0.78" }] }
          : { orderAdjustments: [{ kind: "shipping_refund", amount: "-4.90", tax: "-0.78" }] }),
      })
      await sendWebhook(h.server.webhookUrl, "refunds/create", refund)
      await settledJobs(h, order.orderId)
      const klarna = await simOrder(h.sim.url, order.klarnaId)
      expect(klarna.refunded_amount).toBe(490)
      expect(klarna.refunds[0].order_lines).toEqual([expect.objectContaining({ type: "shipping_fee", quantity: 1, total_amount: 490 })])
    }
  })

  test("not paid with Klarna, or no Klarna order id: recorded, never sent", async () => {
    const klarnaId = await createKlarnaOrder(h.sim, 3000)
    // Shopify Payments' own Klarna: Shopify is the processor; even a Klarna id in a note attribute is not ours to touch.
    const viaShopifyPayments = await place({
      gateways: ["shopify_payments"],
      klarnaOrderId: klarnaId,
      items: [{ title: "Cap", sku: "CAP", quantity: 1, price: "30.00" }],
      totalPrice: "30.00",
    })
    const withoutId = await place({
      klarnaOrderId: null,
      items: [{ title: "Cap", sku: "CAP", quantity: 1, price: "30.00" }],
      totalPrice: "30.00",
    })
    for (const order of [viaShopifyPayments, withoutId]) {
      const shipped = await sendWebhook(
        h.server.webhookUrl,
        "fulfillments/create",
        buildFulfillment({ orderId: order.id, lines: [{ id: order.items[0].id, quantity: 1 }], trackingNumbers: ["X1"] }),
      )
      expect(shipped.body).toMatchObject({ status: "recorded", jobs: 0 })
      await sendWebhook(h.server.webhookUrl, "refunds/create", buildRefund({ orderId: order.id, transactions: [{ amount: "30.00" }] }))
      await sendWebhook(h.server.webhookUrl, "orders/cancelled", {
        ...order.payload,
        cancelled_at: "2026-11-26T10:00:00+01:00",
        updated_at: "2026-11-26T10:00:00+01:00",
      })
    }
    const rows = await h.sql(
      `SELECT order_id, klarna_status, klarna_order_id, klarna_detail FROM klarna_shopify_order WHERE order_id = ANY($1) ORDER BY order_id`,
      [[viaShopifyPayments.orderId, withoutId.orderId]],
    )
    expect(rows).toEqual([
      {
        order_id: viaShopifyPayments.orderId,
        klarna_status: "not_klarna",
        klarna_order_id: null,
        klarna_detail: "paid through shopify_payments, not a Klarna gateway (klarna)",
      },
      {
        order_id: withoutId.orderId,
        klarna_status: "no_klarna_order_id",
        klarna_order_id: null,
        klarna_detail: "no configured source holds a Klarna order id",
      },
    ])
    expect(
      await h.sql(`SELECT 1 FROM klarna_sync_job WHERE platform_order_id = ANY($1)`, [[viaShopifyPayments.orderId, withoutId.orderId]]),
    ).toEqual([])
    expect(
      await h.sql(`SELECT 1 FROM klarna_order WHERE platform_order_id = ANY($1)`, [[viaShopifyPayments.orderId, withoutId.orderId]]),
    ).toEqual([])
    expect(await klarnaRequests(h.sim, klarnaId)).toEqual([])
  })

  test("a fulfillment that arrives before its order waits for it, then converges", async () => {
    const klarnaId = await createKlarnaOrder(h.sim, 1500)
    const built = buildOrder({
      klarnaOrderId: klarnaId,
      items: [{ title: "Sock", sku: "SOCK", quantity: 3, price: "5.00" }],
      totalPrice: "15.00",
    })
    const early = await sendWebhook(
      h.server.webhookUrl,
      "fulfillments/create",
      buildFulfillment({ orderId: built.id, lines: [{ id: built.items[0].id, quantity: 3 }], trackingNumbers: ["EARLY1"] }),
    )
    expect(early.body).toMatchObject({ status: "recorded", klarnaStatus: "awaiting_order", jobs: 0 })
    expect((await simOrder(h.sim.url, klarnaId)).captures).toHaveLength(0)
    await sendWebhook(h.server.webhookUrl, "orders/create", built.payload)
    await settledJobs(h, String(built.id))
    const klarna = await simOrder(h.sim.url, klarnaId)
    expect(klarna).toMatchObject({ status: "CAPTURED", captured_amount: 1500 })
    expect(klarna.captures[0].shipping_info?.map((s) => s.tracking_number)).toEqual(["EARLY1"])
  })

  test("orders/cancelled before anything shipped cancels the Klarna order", async () => {
    const order = await place({ items: [{ title: "Hat", sku: "HAT", quantity: 1, price: "19.00" }], totalPrice: "19.00" })
    await sendWebhook(h.server.webhookUrl, "orders/cancelled", {
      ...order.payload,
      cancelled_at: "2026-11-26T10:00:00+01:00",
      updated_at: "2026-11-26T10:00:00+01:00",
    })
    await settledJobs(h, order.orderId)
    expect(await simOrder(h.sim.url, order.klarnaId)).toMatchObject({ status: "CANCELLED", captured_amount: 0 })
  })

  test("units refunded before they shipped are released, not refunded", async () => {
    const order = await place({ items: [{ title: "Candle", sku: "CANDLE", quantity: 2, price: "15.00" }], totalPrice: "30.00" })
    await sendWebhook(
      h.server.webhookUrl,
      "fulfillments/create",
      buildFulfillment({ orderId: order.id, lines: [{ id: order.items[0].id, quantity: 1 }] }),
    )
    await settledJobs(h, order.orderId)
    // Shopify: "refund" the unshipped candle (restock_type cancel); the 15.00 goes back through Klarna's gateway.
    await sendWebhook(
      h.server.webhookUrl,
      "refunds/create",
      buildRefund({
        orderId: order.id,
        lines: [{ lineItemId: order.items[0].id, quantity: 1, restockType: "cancel", subtotal: "15.00" }],
        transactions: [{ amount: "15.00" }],
      }),
    )
    const jobs = await settledJobs(h, order.orderId)
    expect(outcomes(jobs)).toEqual(["capture succeeded", "refund skipped", "release succeeded"])
    expect(await simOrder(h.sim.url, order.klarnaId)).toMatchObject({
      captured_amount: 1500,
      refunded_amount: 0,
      remaining_authorized_amount: 0,
    })
  })

  test("a replayed webhook is a no-op: one receipt, one capture", async () => {
    const order = await place({ items: [{ title: "Belt", sku: "BELT", quantity: 1, price: "40.00" }], totalPrice: "40.00" })
    const fulfillment = buildFulfillment({ orderId: order.id, lines: [{ id: order.items[0].id, quantity: 1 }] })
    const first = await sendWebhook(h.server.webhookUrl, "fulfillments/create", fulfillment)
    const replay = await sendWebhook(h.server.webhookUrl, "fulfillments/create", fulfillment, { webhookId: first.webhookId })
    expect(first.body).toMatchObject({ status: "recorded" })
    expect(replay).toMatchObject({ status: 200, body: { ok: true, status: "duplicate" } })
    await settledJobs(h, order.orderId)
    // A new delivery of the same fulfillment (another webhook id) finds the capture's job key taken.
    await sendWebhook(h.server.webhookUrl, "fulfillments/update", fulfillment)
    await settledJobs(h, order.orderId)
    expect(await h.sql(`SELECT count(*)::int AS n FROM klarna_webhook_receipt WHERE id = $1`, [first.webhookId])).toEqual([{ n: 1 }])
    const captures = (await klarnaRequests(h.sim, order.klarnaId)).filter((r) => r.method === "POST" && r.path.endsWith("/captures"))
    expect(captures).toHaveLength(1)
    expect((await simOrder(h.sim.url, order.klarnaId)).captures).toHaveLength(1)
  })

  test("concurrent deliveries for one order (and a replay among them): all 200, one capture", async () => {
    const order = await place({ items: [{ title: "Tent", sku: "TENT", quantity: 2, price: "99.00" }], totalPrice: "198.00" })
    const fulfillment = buildFulfillment({ orderId: order.id, lines: [{ id: order.items[0].id, quantity: 2 }], trackingNumbers: ["C1"] })
    const withFulfillment = { ...order.payload, fulfillments: [fulfillment], updated_at: "2026-11-21T09:00:05+01:00" }
    const first = await sendWebhook(h.server.webhookUrl, "fulfillments/create", fulfillment)
    const responses = await Promise.all([
      sendWebhook(h.server.webhookUrl, "orders/updated", withFulfillment),
      sendWebhook(h.server.webhookUrl, "orders/fulfilled", withFulfillment),
      sendWebhook(h.server.webhookUrl, "fulfillments/update", fulfillment),
      sendWebhook(h.server.webhookUrl, "fulfillments/create", fulfillment, { webhookId: first.webhookId }),
      sendWebhook(h.server.webhookUrl, "orders/updated", withFulfillment),
    ])
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200])
    expect(responses[3].body).toMatchObject({ status: "duplicate" })
    await settledJobs(h, order.orderId)
    const klarna = await simOrder(h.sim.url, order.klarnaId)
    expect(klarna).toMatchObject({ captured_amount: 19800 })
    expect(klarna.captures).toHaveLength(1)
    expect(klarna.captures[0].shipping_info?.map((s) => s.tracking_number)).toEqual(["C1"])
  })

  test("Klarna's 429 holds back every Shopify lane on those credentials until its Retry-After is over (the call gate)", async () => {
    const orders = await Promise.all(
      ["GATE-1", "GATE-2", "GATE-3", "GATE-4"].map((sku) =>
        place({ items: [{ title: sku, sku, quantity: 1, price: "10.00" }], totalPrice: "10.00" }),
      ),
    )
    await simFault(h.sim.url, {
      match: { method: "POST", path: "/captures$", times: 1 },
      fault: { type: "rate_limit", retry_after_seconds: 2 },
    })
    await Promise.all(
      orders.map((order) =>
        sendWebhook(
          h.server.webhookUrl,
          "fulfillments/create",
          buildFulfillment({ orderId: order.id, lines: [{ id: order.items[0].id, quantity: 1 }] }),
        ),
      ),
    )
    for (const order of orders) await settledJobs(h, order.orderId)
    const requests = await simRequests(h.sim.url, "/captures")
    const ours = new Set(orders.map((order) => order.klarnaId))
    const posts = requests.filter((r) => r.method === "POST" && r.path.endsWith("/captures") && ours.has(r.path.split("/")[4]))
    const limited = posts.filter((r) => r.status === 429)
    expect(limited).toHaveLength(1)
    const limitedAt = Date.parse(limited[0].at)
    // Calls already out when the 429 came back may land just after it; nothing else for the 2 s it asked for.
    const during = posts.filter((r) => Date.parse(r.at) > limitedAt + 100 && Date.parse(r.at) < limitedAt + 1900)
    expect(during).toEqual([])
    for (const order of orders) expect((await simOrder(h.sim.url, order.klarnaId)).captures).toHaveLength(1)
    // The pause went to the shared state too (another server on this database holds back as well), under a
    // hashed key: the API username is nowhere in the row.
    const [state, ...others] = await h.sql<{ credentials_key: string; paused: boolean; row: string }>(
      `SELECT credentials_key, paused_until IS NOT NULL AS paused, row_to_json(s)::text AS row FROM klarna_rate_state s`,
    )
    expect(others).toEqual([])
    expect(state).toMatchObject({ paused: true, credentials_key: expect.stringMatching(/^[0-9a-f]{64}$/) })
    expect(state.row).not.toContain(h.sim.username)
  })

  test("the Shopify worker leaves other platforms' jobs alone (a Medusa worker may share the database)", async () => {
    await h.sql(
      `INSERT INTO klarna_sync_job (id, platform, platform_order_id, queue_key, job_key, operation, idempotency_key)
       VALUES ('kjob_medusa_probe', 'medusa', 'order_probe', 'medusa:order_probe', 'medusa:capture:ful_probe', 'capture', 'k')`,
    )
    // Wake the idle Shopify worker as a Shopify job would (it listens): it claims and looks, and still finds nothing of its own.
    await h.sql(`SELECT pg_notify('klarna_sync_job', 'shopify')`)
    await new Promise((resolve) => setTimeout(resolve, 1000))
    expect(await h.sql(`SELECT state, attempts FROM klarna_sync_job WHERE id = 'kjob_medusa_probe'`)).toEqual([
      { state: "pending", attempts: 0 },
    ])
    await h.sql(`DELETE FROM klarna_sync_job WHERE id = 'kjob_medusa_probe'`)
  })

  test("the Klarna idempotency key comes from the Shopify fulfillment id", async () => {
    const order = await place({ items: [{ title: "Scarf", sku: "SCARF", quantity: 1, price: "22.00" }], totalPrice: "22.00" })
    const fulfillment = buildFulfillment({ orderId: order.id, lines: [{ id: order.items[0].id, quantity: 1 }] })
    await sendWebhook(h.server.webhookUrl, "fulfillments/create", fulfillment)
    await settledJobs(h, order.orderId)
    const [job] = await h.sql<{ job_key: string; idempotency_key: string }>(
      `SELECT job_key, idempotency_key FROM klarna_sync_job WHERE platform_order_id = $1 AND operation = 'capture'`,
      [order.orderId],
    )
    expect(job.job_key).toBe(`shopify:capture:${fulfillment.id}`)
    const response = await fetch(`${h.sim.url}/__sim/requests?path_contains=${order.klarnaId}/captures`)
    const [request] = (await response.json()) as { headers: Record<string, string> }[]
    expect(request.headers["klarna-idempotency-key"]).toBe(job.idempotency_key)
    await eventually(
      async () =>
        (await h.sql(`SELECT status FROM klarna_capture WHERE platform = 'shopify' AND source_id = $1`, [String(fulfillment.id)]))[0]
          ?.status === "captured",
      "capture recorded",
    )
  })
})
