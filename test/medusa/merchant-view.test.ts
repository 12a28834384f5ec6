/**
 * Issue 13, "what the merchant sees is true", end to end on a real Medusa 1.20 server with the plugin,
 * PostgreSQL and the Klarna simulator over HTTP:
 * - Klarna knows the store's order: merchant_reference1 = Medusa's display id, merchant_reference2 = the
 *   order id, set with one PATCH after order.placed (the Klarna order is created at authorization, before
 *   either exists), stored on klarna_order and shown by the admin API.
 * - Tracking the customer can follow: shipping_info carries tracking_uri, the fulfillment's own tracking
 *   URL when Medusa has one, else the carrier's page for the number.
 */
import { FAST_WORKER, startMedusaStack, type MedusaStack } from "../support/medusa-stack"
import { simOrderWhen, simRequests, type SimOrder } from "../support/simulator-client"
import { klarnaCheckout as checkoutWithKlarna } from "../admin/support"
import { createFulfillment, createShipment, eventually } from "../support/store-api"

jest.setTimeout(240_000)

let stack: MedusaStack

beforeAll(async () => {
  // A sweep every 2 s (orders older than 5 s), for the lost-event case.
  stack = await startMedusaStack({
    name: "kos_merchant_view",
    medusa: { pluginOptions: { worker: { ...FAST_WORKER.worker, sweepIntervalMs: 2000 } } },
  })
})

afterAll(async () => {
  await stack?.close()
})

const klarnaCheckout = (items: { product: number; quantity: number }[]) => checkoutWithKlarna(stack, items)

const simWhen = (klarnaOrderId: string, condition: (order: SimOrder) => boolean, what: string) =>
  simOrderWhen(stack.simulator.url, klarnaOrderId, condition, what)

const settled = (orderId: string) =>
  eventually(
    async () =>
      (await stack.sql(`SELECT 1 FROM klarna_sync_job WHERE platform_order_id = $1 AND state IN ('pending','running')`, [orderId]))
        .length === 0,
    { what: "jobs settled" },
  )

describe("Klarna knows the store's order", () => {
  test("merchant_reference1 is the display id and merchant_reference2 the order id, set once after order.placed", async () => {
    const placed = await klarnaCheckout([{ product: 0, quantity: 1 }])
    const orderId = placed.order.id
    const klarnaId = placed.klarnaOrderId as string
    const displayId = String(placed.order.display_id)
    expect(displayId).toMatch(/^\d+$/)

    const referenced = await simWhen(klarnaId, (o) => Boolean(o.merchant_reference1), "merchant references on the Klarna order")
    expect({ merchant_reference1: referenced.merchant_reference1, merchant_reference2: referenced.merchant_reference2 }).toEqual({
      merchant_reference1: displayId,
      merchant_reference2: orderId,
    })

    // The order changes afterwards (a fulfillment, so a capture and a converge): the references are not sent again.
    await createFulfillment(stack.api, orderId, [{ itemId: placed.order.items[0].id, quantity: 1 }])
    await simWhen(klarnaId, (o) => o.captures.length === 1, "capture")
    await settled(orderId)
    const patches = (await simRequests(stack.simulator.url, `/orders/${klarnaId}/merchant-references`)).filter((r) => r.method === "PATCH")
    expect(patches).toHaveLength(1)
    expect(patches[0].body).toEqual({ merchant_reference1: displayId, merchant_reference2: orderId })
    expect(patches[0].status).toBe(204)
    expect(patches[0].headers["klarna-idempotency-key"]).toMatch(/^[0-9a-f-]{36}$/)

    // Stored on the mapping and shown by the admin API the widget reads.
    const [row] = await stack.sql<{ merchant_reference1: string; merchant_reference2: string }>(
      `SELECT merchant_reference1, merchant_reference2 FROM klarna_order WHERE platform_order_id = $1`,
      [orderId],
    )
    expect(row).toEqual({ merchant_reference1: displayId, merchant_reference2: orderId })
    const { klarna_order: view } = await stack.api.admin<{ klarna_order: { merchant_references: unknown } }>(
      "GET",
      `/klarna/orders/${orderId}`,
    )
    expect(view.merchant_references).toEqual({ merchant_reference1: displayId, merchant_reference2: orderId })
  })
  test("order.placed lost: the sweep queues the references job again", async () => {
    const placed = await klarnaCheckout([{ product: 0, quantity: 1 }])
    const orderId = placed.order.id
    await simWhen(placed.klarnaOrderId as string, (o) => Boolean(o.merchant_reference1), "merchant references on the Klarna order")
    await settled(orderId)
    // As if order.placed had never been handled: no job, nothing recorded on the mapping.
    await stack.sql(`DELETE FROM klarna_sync_attempt WHERE job_id IN (SELECT id FROM klarna_sync_job WHERE job_key = $1)`, [
      `medusa:update_references:${orderId}`,
    ])
    await stack.sql(`DELETE FROM klarna_sync_job WHERE job_key = $1`, [`medusa:update_references:${orderId}`])
    await stack.sql(`UPDATE klarna_order SET merchant_reference1 = NULL, merchant_reference2 = NULL WHERE platform_order_id = $1`, [
      orderId,
    ])
    const [row] = await eventually(
      async () => {
        const rows = await stack.sql<{ merchant_reference1: string | null; merchant_reference2: string | null }>(
          `SELECT merchant_reference1, merchant_reference2 FROM klarna_order WHERE platform_order_id = $1`,
          [orderId],
        )
        return rows[0]?.merchant_reference1 ? rows : undefined
      },
      { timeoutMs: 30_000, what: "references set again by the sweep" },
    )
    expect(row).toEqual({ merchant_reference1: String(placed.order.display_id), merchant_reference2: orderId })
    expect(stack.medusa.logs()).toMatch(/sweep converged \d+ order\(s\), queued \d+ missing job\(s\)[^\n]*medusa:update_references:/)
  })
})

describe("tracking the customer can follow", () => {
  test("a tracking number without a URL gets the carrier's page as tracking_uri", async () => {
    const placed = await klarnaCheckout([{ product: 0, quantity: 1 }])
    const klarnaId = placed.klarnaOrderId as string
    const { fulfillment } = await createFulfillment(stack.api, placed.order.id, [{ itemId: placed.order.items[0].id, quantity: 1 }])
    await simWhen(klarnaId, (o) => o.captures.length === 1, "capture")
    await createShipment(stack.api, placed.order.id, fulfillment.id, ["00370730253234503321"])
    const tracked = await simWhen(klarnaId, (o) => (o.captures[0].shipping_info ?? []).length > 0, "tracking on the capture")
    expect(tracked.captures[0].shipping_info).toEqual([
      {
        shipping_company: "postnord",
        shipping_method: "Home",
        tracking_number: "00370730253234503321",
        tracking_uri: "https://www.postnord.se/en/our-tools/track-and-trace?shipmentId=00370730253234503321",
      },
    ])
  })

  test("the fulfillment's own tracking URL is sent exactly as Medusa has it", async () => {
    // What a fulfillment provider that knows its tracking pages records in tracking_link.url.
    const storeUrl = "https://track.example-3pl.com/parcels/JJD0001?lang=sv&ref=%C3%A5"
    await stack.sql(`
      CREATE OR REPLACE FUNCTION kos_test_store_tracking_url() RETURNS trigger AS $$
      BEGIN NEW.url := '${storeUrl}'; RETURN NEW; END $$ LANGUAGE plpgsql`)
    await stack.sql(
      `CREATE TRIGGER kos_test_store_tracking_url BEFORE INSERT ON tracking_link FOR EACH ROW EXECUTE FUNCTION kos_test_store_tracking_url()`,
    )
    try {
      const placed = await klarnaCheckout([{ product: 1, quantity: 1 }])
      const klarnaId = placed.klarnaOrderId as string
      const { fulfillment } = await createFulfillment(stack.api, placed.order.id, [{ itemId: placed.order.items[0].id, quantity: 1 }])
      await simWhen(klarnaId, (o) => o.captures.length === 1, "capture")
      await createShipment(stack.api, placed.order.id, fulfillment.id, ["JJD0001"])
      const tracked = await simWhen(klarnaId, (o) => (o.captures[0].shipping_info ?? []).length > 0, "tracking on the capture")
      expect(tracked.captures[0].shipping_info?.map((s) => [s.tracking_number, s.tracking_uri])).toEqual([["JJD0001", storeUrl]])
    } finally {
      await stack.sql(`DROP TRIGGER kos_test_store_tracking_url ON tracking_link`)
    }
  })
})
