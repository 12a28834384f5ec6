/**
 * Issue 3 end to end: a real Medusa 1.20 server with the plugin, real PostgreSQL, the Klarna simulator
 * over HTTP. Each case drives Medusa's admin API the way a merchant would and asserts what Klarna
 * (the simulator) holds and what the plugin's tables say.
 */
import { callGateKey, sharedStateKey } from "../../packages/core/src/klarna"
import { startMedusaStack, type MedusaStack } from "../support/medusa-stack"
import { simOrder, simRequests, type SimOrder } from "../support/simulator-client"
import {
  cancelFulfillment,
  cancelOrder,
  capturePayment,
  checkout,
  createFulfillment,
  createShipment,
  eventually,
  getOrder,
  receiveReturn,
  requestReturn,
  type CheckoutResult,
} from "../support/store-api"

jest.setTimeout(180_000)

let stack: MedusaStack

beforeAll(async () => {
  stack = await startMedusaStack({ name: "kos_e2e" })
})

afterAll(async () => {
  await stack?.close()
})

function klarnaCheckout(items: { product: number; quantity: number }[]): Promise<CheckoutResult> {
  return checkout(stack.api, {
    regionId: stack.store.regionId,
    shippingOptionId: stack.store.shippingOptionId,
    items: items.map((item) => ({ variantId: stack.store.products[item.product].variantId, quantity: item.quantity })),
    provider: "klarna",
    simulatorUrl: stack.simulator.url,
  })
}

const itemOf = (placed: CheckoutResult, product: number) => {
  const item = placed.order.items.find((candidate) => candidate.variant_id === stack.store.products[product].variantId)
  if (!item) throw new Error(`order has no item of product ${product}`)
  return item
}

async function simWhen(orderId: string, condition: (order: SimOrder) => boolean, what: string): Promise<SimOrder> {
  try {
    return await eventually(
      async () => {
        const order = await simOrder(stack.simulator.url, orderId)
        return condition(order) ? order : undefined
      },
      { timeoutMs: 20_000, what },
    )
  } catch (error) {
    // What the plugin did, to tell a sync failure from a slow event bus.
    const jobs = await stack.sql(
      `SELECT operation, state, attempts, last_error, result FROM klarna_sync_job j JOIN klarna_order o ON o.platform_order_id = j.platform_order_id WHERE o.klarna_order_id = $1`,
      [orderId],
    )
    console.error(JSON.stringify(jobs, null, 1), stack.medusa.logs().slice(-6000)) // eslint-disable-line no-console
    throw error
  }
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0)

describe("Klarna order sync in a real Medusa store", () => {
  test("two partial fulfillments become two captures with their lines, then their tracking numbers", async () => {
    const placed = await klarnaCheckout([
      { product: 0, quantity: 3 },
      { product: 1, quantity: 1 },
    ])
    const orderId = placed.order.id
    const klarnaId = placed.klarnaOrderId as string
    const tomatoes = itemOf(placed, 0)
    const jacket = itemOf(placed, 1)

    const first = await createFulfillment(stack.api, orderId, [{ itemId: tomatoes.id, quantity: 1 }])
    const afterFirst = await simWhen(klarnaId, (o) => o.captures.length === 1, "first capture")
    expect(afterFirst.status).toBe("PART_CAPTURED")
    const firstCapture = afterFirst.captures[0]
    expect(firstCapture.reference).toBe(first.fulfillment.id)
    const firstLines = firstCapture.order_lines ?? []
    expect(firstLines.find((l) => l.type === "physical")).toMatchObject({ name: "Tomatoes", quantity: 1, reference: "TOM-1" })
    expect(firstLines.some((l) => l.type === "shipping_fee")).toBe(true) // shipping goes with the first capture
    expect(sum(firstLines.map((l) => l.total_amount))).toBe(firstCapture.captured_amount)

    const second = await createFulfillment(stack.api, orderId, [
      { itemId: tomatoes.id, quantity: 2 },
      { itemId: jacket.id, quantity: 1 },
    ])
    const afterSecond = await simWhen(klarnaId, (o) => o.captures.length === 2, "second capture")
    const secondCapture = afterSecond.captures.find((c) => c.reference === second.fulfillment.id)
    expect(secondCapture).toBeDefined()
    expect(secondCapture?.order_lines?.some((l) => l.type === "shipping_fee")).toBe(false)
    expect(secondCapture?.order_lines?.find((l) => l.reference === "TOM-1")?.quantity).toBe(2)
    expect(secondCapture?.order_lines?.find((l) => l.reference === "JKT-1")?.quantity).toBe(1)

    // Every unit shipped: the captures add up exactly to what the customer paid.
    const medusaOrder = await getOrder(stack.api, orderId)
    expect(afterSecond.captured_amount).toBe(medusaOrder.total)
    expect(afterSecond.status).toBe("CAPTURED")

    await createShipment(stack.api, orderId, first.fulfillment.id, ["TRACK-1"])
    await createShipment(stack.api, orderId, second.fulfillment.id, ["TRACK-2", "TRACK-3"])
    const tracked = await simWhen(
      klarnaId,
      (o) => o.captures.every((c) => (c.shipping_info ?? []).length > 0) && sum(o.captures.map((c) => c.shipping_info?.length ?? 0)) === 3,
      "tracking on both captures",
    )
    const byReference = (id: string) => tracked.captures.find((c) => c.reference === id)
    expect(byReference(first.fulfillment.id)?.shipping_info).toEqual([
      expect.objectContaining({ tracking_number: "TRACK-1", shipping_company: "postnord", shipping_method: "Home" }),
    ])
    expect(
      byReference(second.fulfillment.id)
        ?.shipping_info?.map((s) => s.tracking_number)
        .sort(),
    ).toEqual(["TRACK-2", "TRACK-3"])

    // The plugin's tables mirror Klarna.
    const captures = await stack.sql<{
      source_id: string
      capture_id: string
      captured_amount: number
      status: string
      shipping_info: unknown[]
    }>(
      `SELECT source_id, capture_id, captured_amount, status, shipping_info FROM klarna_capture WHERE platform_order_id = $1 ORDER BY created_at`,
      [orderId],
    )
    expect(captures.map((c) => c.source_id)).toEqual([first.fulfillment.id, second.fulfillment.id])
    expect(captures.every((c) => c.status === "captured")).toBe(true)
    expect(captures.map((c) => c.capture_id).sort()).toEqual(tracked.captures.map((c) => c.capture_id).sort())
    const [mapping] = await stack.sql<{ captured_amount: number; status: string; authorized_amount: number }>(
      `SELECT captured_amount, status, authorized_amount FROM klarna_order WHERE platform_order_id = $1`,
      [orderId],
    )
    expect(mapping).toMatchObject({ captured_amount: medusaOrder.total, status: "CAPTURED", authorized_amount: medusaOrder.total })
    const failedJobs = await stack.sql(
      `SELECT id FROM klarna_sync_job WHERE platform_order_id = $1 AND state NOT IN ('succeeded','skipped')`,
      [orderId],
    )
    expect(failedJobs).toEqual([])

    // Medusa's own payment shows as captured once Klarna's order is fully captured.
    await eventually(async () => (await getOrder(stack.api, orderId)).payment_status === "captured", { what: "Medusa payment captured" })

    // Each capture carried its own idempotency key, derived from the fulfillment.
    const captureCalls = (await simRequests(stack.simulator.url, `/orders/${klarnaId}/captures`)).filter(
      (r) => r.method === "POST" && /\/captures$/.test(r.path),
    )
    const keys = new Set(captureCalls.map((r) => r.headers["klarna-idempotency-key"]))
    expect(keys.size).toBe(2)
  })

  test("a refund of a returned item is one Klarna refund with the returned item's line", async () => {
    const placed = await klarnaCheckout([
      { product: 0, quantity: 2 },
      { product: 1, quantity: 1 },
    ])
    const orderId = placed.order.id
    const klarnaId = placed.klarnaOrderId as string
    const jacket = itemOf(placed, 1)
    await createFulfillment(
      stack.api,
      orderId,
      placed.order.items.map((item) => ({ itemId: item.id, quantity: item.quantity })),
    )
    await simWhen(klarnaId, (o) => o.status === "CAPTURED", "full capture")
    await eventually(async () => (await getOrder(stack.api, orderId)).payment_status === "captured", { what: "Medusa payment captured" })

    const { returnId } = await requestReturn(stack.api, orderId, [{ itemId: jacket.id, quantity: 1 }])
    await receiveReturn(stack.api, returnId, [{ itemId: jacket.id, quantity: 1 }])
    const medusaOrder = await getOrder(stack.api, orderId)
    const medusaRefund = (medusaOrder.refunds ?? [])[0] as { id: string; amount: number } | undefined
    expect(medusaRefund).toBeDefined()

    const refunded = await simWhen(klarnaId, (o) => o.refunds.length === 1, "Klarna refund")
    expect(refunded.refunds[0]).toMatchObject({ reference: medusaRefund?.id, refunded_amount: medusaRefund?.amount })
    const lines = refunded.refunds[0].order_lines ?? []
    expect(lines.find((l) => l.reference === "JKT-1")).toMatchObject({ quantity: 1 })
    expect(sum(lines.map((l) => l.total_amount))).toBe(medusaRefund?.amount)
    expect(refunded.refunded_amount).toBe(medusaRefund?.amount)

    const rows = await stack.sql<{ platform_refund_id: string; refund_id: string; status: string }>(
      `SELECT platform_refund_id, refund_id, status FROM klarna_refund WHERE platform_order_id = $1`,
      [orderId],
    )
    expect(rows).toEqual([{ platform_refund_id: medusaRefund?.id, refund_id: refunded.refunds[0].refund_id, status: "refunded" }])
  })

  test("canceling an unshipped order cancels the Klarna order", async () => {
    const placed = await klarnaCheckout([{ product: 0, quantity: 1 }])
    await cancelOrder(stack.api, placed.order.id)
    const cancelled = await simWhen(placed.klarnaOrderId as string, (o) => o.status === "CANCELLED", "Klarna order cancelled")
    expect(cancelled.captures).toEqual([])
    const [mapping] = await stack.sql<{ status: string }>(`SELECT status FROM klarna_order WHERE platform_order_id = $1`, [placed.order.id])
    expect(mapping.status).toBe("CANCELLED")
  })

  test("a shipment whose event races the fulfillment's still gets its tracking to Klarna exactly once", async () => {
    const placed = await klarnaCheckout([{ product: 1, quantity: 1 }])
    const orderId = placed.order.id
    const klarnaId = placed.klarnaOrderId as string
    // Fulfillment and shipment before Medusa's event bus delivers either event (it pumps every 3 s).
    const { fulfillment } = await createFulfillment(stack.api, orderId, [{ itemId: itemOf(placed, 1).id, quantity: 1 }])
    await createShipment(stack.api, orderId, fulfillment.id, ["RACE-1"])
    const done = await simWhen(
      klarnaId,
      (o) => o.captures.length === 1 && (o.captures[0].shipping_info ?? []).length > 0,
      "capture with tracking",
    )
    // Let any straggling job run, then check nothing was doubled.
    await eventually(
      async () =>
        (await stack.sql(`SELECT 1 FROM klarna_sync_job WHERE platform_order_id = $1 AND state IN ('pending','running')`, [orderId]))
          .length === 0,
      { what: "jobs settled" },
    )
    const final = await simOrder(stack.simulator.url, klarnaId)
    expect(final.captures).toHaveLength(1)
    expect(final.captures[0].shipping_info?.map((s) => s.tracking_number)).toEqual(["RACE-1"])
    expect(done.captured_amount).toBe(placed.order.total)
  })

  test("Medusa's Capture payment button captures what no fulfillment captured, and only that", async () => {
    const placed = await klarnaCheckout([
      { product: 0, quantity: 2 },
      { product: 1, quantity: 1 },
    ])
    const orderId = placed.order.id
    const klarnaId = placed.klarnaOrderId as string
    await createFulfillment(stack.api, orderId, [{ itemId: itemOf(placed, 0).id, quantity: 1 }])
    await simWhen(klarnaId, (o) => o.captures.length === 1, "fulfillment capture")
    const captured = await capturePayment(stack.api, orderId)
    expect(captured.payment_status).toBe("captured")
    const after = await simOrder(stack.simulator.url, klarnaId)
    expect(after.captures).toHaveLength(2)
    expect(after.captured_amount).toBe(placed.order.total)
    expect(after.status).toBe("CAPTURED")
    for (const capture of after.captures) expect(sum((capture.order_lines ?? []).map((l) => l.total_amount))).toBe(capture.captured_amount)
  })

  test("re-fulfilling items whose canceled fulfillment was already captured does not capture them twice", async () => {
    const placed = await klarnaCheckout([
      { product: 0, quantity: 1 },
      { product: 1, quantity: 1 },
    ])
    const orderId = placed.order.id
    const klarnaId = placed.klarnaOrderId as string
    const tomatoes = itemOf(placed, 0)
    const jacket = itemOf(placed, 1)
    const first = await createFulfillment(stack.api, orderId, [{ itemId: tomatoes.id, quantity: 1 }])
    await simWhen(klarnaId, (o) => o.captures.length === 1, "capture of the first fulfillment")
    // The merchant cancels the (unshipped) fulfillment and packs the tomatoes again, with the jacket.
    await cancelFulfillment(stack.api, orderId, first.fulfillment.id)
    await createFulfillment(stack.api, orderId, [
      { itemId: tomatoes.id, quantity: 1 },
      { itemId: jacket.id, quantity: 1 },
    ])
    const done = await simWhen(klarnaId, (o) => o.captures.length === 2, "capture of the second fulfillment")
    await eventually(
      async () =>
        (await stack.sql(`SELECT 1 FROM klarna_sync_job WHERE platform_order_id = $1 AND state IN ('pending','running')`, [orderId]))
          .length === 0,
      { what: "jobs settled" },
    )
    const final = await simOrder(stack.simulator.url, klarnaId)
    expect(final.captures).toHaveLength(2)
    // The second capture carries only the jacket: the tomatoes were paid with the first.
    const second = final.captures.find((c) => c.captured_amount !== done.captures[0].captured_amount) ?? final.captures[1]
    expect(second.order_lines?.map((l) => l.reference).filter(Boolean)).toEqual(["JKT-1"])
    expect(final.captured_amount).toBe(placed.order.total)
    expect(final.status).toBe("CAPTURED")
  })

  test("the server's call gate reports to klarna_rate_state, keyed by a hash of the credentials (none in clear)", async () => {
    const placed = await klarnaCheckout([{ product: 0, quantity: 1 }])
    await createFulfillment(stack.api, placed.order.id, [{ itemId: itemOf(placed, 0).id, quantity: 1 }])
    await simWhen(placed.klarnaOrderId as string, (o) => o.captures.length === 1, "capture")
    const { username, password, url } = stack.simulator
    const rows = await eventually(
      async () => {
        const found = await stack.sql<{ credentials_key: string; text: string }>(
          `SELECT credentials_key, row_to_json(s)::text AS text FROM klarna_rate_state s`,
        )
        return found.length > 0 ? found : undefined
      },
      { timeoutMs: 5000, what: "the gate's report" },
    )
    await eventually(
      async () =>
        (
          await stack.sql(`SELECT 1 FROM klarna_sync_job WHERE platform_order_id = $1 AND state IN ('pending','running')`, [
            placed.order.id,
          ])
        ).length === 0,
      { what: "jobs settled" },
    )
    expect(rows).toHaveLength(1)
    expect(rows[0].credentials_key).toBe(sharedStateKey(callGateKey(username, url)))
    expect(rows[0].text).not.toContain(username)
    expect(rows[0].text).not.toContain(password)
  })

  test("an order paid without Klarna is left alone", async () => {
    // Earlier cases' orders may still have a job to run (their references are sent after their capture);
    // their calls must not be counted against this order.
    await eventually(async () => (await stack.sql(`SELECT 1 FROM klarna_sync_job WHERE state IN ('pending','running')`)).length === 0, {
      timeoutMs: 20_000,
      what: "every earlier job settled",
    })
    const before = (await simRequests(stack.simulator.url)).length
    const placed = await checkout(stack.api, {
      regionId: stack.store.regionId,
      shippingOptionId: stack.store.shippingOptionId,
      items: [{ variantId: stack.store.products[0].variantId, quantity: 1 }],
      provider: "manual",
    })
    const { fulfillment } = await createFulfillment(stack.api, placed.order.id, [{ itemId: placed.order.items[0].id, quantity: 1 }])
    await createShipment(stack.api, placed.order.id, fulfillment.id, ["MANUAL-1"])
    await new Promise((resolve) => setTimeout(resolve, 4500)) // one pump of Medusa's event bus and then some
    const since = (await simRequests(stack.simulator.url)).slice(before).map((r) => `${r.method} ${r.path}`)
    expect(since).toEqual([])
    for (const table of ["klarna_order", "klarna_capture", "klarna_sync_job"]) {
      expect(await stack.sql(`SELECT 1 FROM ${table} WHERE platform_order_id = $1`, [placed.order.id])).toEqual([])
    }
  })
})

describe("a sync Klarna refused, retried by the merchant", () => {
  async function simClock(body: Record<string, unknown>) {
    const response = await fetch(`${stack.simulator.url}/__sim/clock`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    })
    expect(response.ok).toBe(true)
  }

  afterEach(async () => {
    await simClock({ now: null })
  })

  test("is parked with Klarna's error, then resent under a new key once the cause is gone", async () => {
    const placed = await klarnaCheckout([{ product: 0, quantity: 1 }])
    const orderId = placed.order.id
    const klarnaId = placed.klarnaOrderId as string
    // The authorization runs out before the parcel ships: Klarna answers 403 CAPTURE_NOT_ALLOWED.
    await simClock({ advance_days: 40 })
    await createFulfillment(stack.api, orderId, [{ itemId: placed.order.items[0].id, quantity: 1 }])
    const [failed] = await eventually(
      async () => {
        const rows = await stack.sql<{
          id: string
          state: string
          attempts: number
          last_http_status: number
          last_error_code: string
          last_error_messages: string[]
          last_correlation_id: string
          idempotency_key: string
        }>(
          `SELECT id, state, attempts, last_http_status, last_error_code, last_error_messages, last_correlation_id, idempotency_key
             FROM klarna_sync_job WHERE platform_order_id = $1 AND operation = 'capture' AND state = 'failed'`,
          [orderId],
        )
        return rows.length > 0 ? rows : undefined
      },
      { what: "capture parked as failed", timeoutMs: 20_000 },
    )
    // A 4xx is not retried blindly: one attempt, Klarna's fields kept.
    expect(failed).toMatchObject({ attempts: 1, last_http_status: 403, last_error_code: "CAPTURE_NOT_ALLOWED" })
    expect(failed.last_error_messages.join(" ")).toMatch(/expired/i)
    expect(failed.last_correlation_id).toEqual(expect.any(String))

    // The merchant gets the authorization back (here: time moves back), then presses Retry.
    await simClock({ now: null })
    const retry = await stack.api.admin<{ job: { state: string } }>("POST", `/klarna/jobs/${failed.id}/retry`)
    expect(retry.job.state).toBe("pending")
    const captured = await simWhen(klarnaId, (o) => o.captures.length === 1, "capture after retry")
    expect(captured.captured_amount).toBe(placed.order.total)
    // Klarna has the capture before the worker records its answer: wait for the record, not only for Klarna.
    const job = await eventually(
      async () => {
        const [row] = await stack.sql<{ state: string; idempotency_key: string }>(
          `SELECT state, idempotency_key FROM klarna_sync_job WHERE id = $1`,
          [failed.id],
        )
        return row.state === "running" || row.state === "pending" ? undefined : row
      },
      { what: "retried job settled", timeoutMs: 20_000 },
    )
    expect(job.state).toBe("succeeded")
    // Klarna replays a stored refusal for the same key, so the retry had to use a new one.
    expect(job.idempotency_key).not.toBe(failed.idempotency_key)
  })
})
