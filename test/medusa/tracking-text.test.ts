/**
 * Issue 12, defects 2 and 3, end to end on a real Medusa server: tracking numbers and carriers reach
 * Klarna exactly as typed, or not at all with a parked job that says why. Never cut, never in the
 * middle of a character. Captures are made on shipment, so the capture itself carries the tracking
 * (the request a cut emoji once made PostgreSQL refuse).
 */
import { FAST_WORKER, startMedusaStack, type MedusaStack } from "../support/medusa-stack"
import { simOrder, type SimOrder } from "../support/simulator-client"
import { checkout, createShipment, eventually, type CheckoutResult, type MedusaFulfillment, type MedusaOrder } from "../support/store-api"

jest.setTimeout(180_000)

let stack: MedusaStack

beforeAll(async () => {
  stack = await startMedusaStack({ name: "kos_tracking", medusa: { pluginOptions: { ...FAST_WORKER, captureOn: "shipment" } } })
})

afterAll(async () => {
  await stack?.close()
})

function klarnaCheckout(): Promise<CheckoutResult> {
  return checkout(stack.api, {
    regionId: stack.store.regionId,
    shippingOptionId: stack.store.shippingOptionId,
    items: [{ variantId: stack.store.products[0].variantId, quantity: 2 }],
    provider: "klarna",
    simulatorUrl: stack.simulator.url,
  })
}

/** POST /admin/orders/:id/fulfillment with fulfillment metadata (where a merchant sets klarna_shipping_company). */
async function fulfillAll(placed: CheckoutResult, metadata: Record<string, unknown>): Promise<MedusaFulfillment> {
  const { order } = await stack.api.admin<{ order: MedusaOrder }>("POST", `/orders/${placed.order.id}/fulfillment`, {
    items: placed.order.items.map((item) => ({ item_id: item.id, quantity: item.quantity })),
    metadata,
  })
  return order.fulfillments[0]
}

interface JobRow extends Record<string, unknown> {
  id: string
  operation: string
  state: string
  attempts: number
  last_error: string | null
  last_error_code: string | null
  payload: Record<string, unknown>
}

const jobsOf = (orderId: string) =>
  stack.sql<JobRow>(
    `SELECT id, operation, state, attempts, last_error, last_error_code, payload FROM klarna_sync_job WHERE platform_order_id = $1 ORDER BY created_at`,
    [orderId],
  )

async function settled(orderId: string): Promise<JobRow[]> {
  return eventually(
    async () => {
      const jobs = await jobsOf(orderId)
      return jobs.length > 0 && jobs.every((job) => ["succeeded", "skipped", "failed"].includes(job.state)) ? jobs : undefined
    },
    { timeoutMs: 30_000, what: `the jobs of ${orderId} to settle` },
  )
}

async function simWhen(klarnaId: string, condition: (order: SimOrder) => boolean, what: string): Promise<SimOrder> {
  return eventually(
    async () => {
      const order = await simOrder(stack.simulator.url, klarnaId)
      return condition(order) ? order : undefined
    },
    { timeoutMs: 30_000, what },
  )
}

describe("tracking reaches Klarna exactly as typed, or not at all", () => {
  test("a tracking number and a carrier of 99 characters plus an emoji are captured intact, with the other tracking number", async () => {
    const placed = await klarnaCheckout()
    const carrier = `${"C".repeat(99)}🚚` // 100 code points, 101 UTF-16 units
    const emojiTracking = `${"T".repeat(99)}📦`
    const fulfillment = await fulfillAll(placed, { klarna_shipping_company: carrier })
    await createShipment(stack.api, placed.order.id, fulfillment.id, [emojiTracking, "VALID-1"])

    const klarna = await simWhen(placed.klarnaOrderId as string, (o) => o.captures.length === 1, "the capture")
    expect(klarna.status).toBe("CAPTURED")
    const info = klarna.captures[0].shipping_info ?? []
    expect(info.map((entry) => entry.tracking_number).sort()).toEqual(["VALID-1", emojiTracking].sort())
    expect(info.every((entry) => entry.shipping_company === carrier)).toBe(true)

    const jobs = await settled(placed.order.id)
    expect(jobs.filter((job) => job.state === "failed")).toEqual([])
    const [capture] = await stack.sql<{ status: string; capture_id: string | null }>(
      `SELECT status, capture_id FROM klarna_capture WHERE platform_order_id = $1`,
      [placed.order.id],
    )
    expect(capture.status).toBe("captured")
  })

  test("too-long tracking numbers and carrier are not sent and each is parked with its full value; Retry checks again", async () => {
    const placed = await klarnaCheckout()
    const common = "1Z".repeat(75) // 150 characters
    const longA = `${common}${"A".repeat(50)}`
    const longB = `${common}${"B".repeat(50)}`
    const carrier = "C".repeat(200)
    const fulfillment = await fulfillAll(placed, { klarna_shipping_company: carrier })
    await createShipment(stack.api, placed.order.id, fulfillment.id, [longA, "SHORT-1", longB])

    const klarna = await simWhen(placed.klarnaOrderId as string, (o) => o.captures.length === 1, "the capture")
    expect(klarna.status).toBe("CAPTURED")
    // Only the valid tracking number, and without the carrier that cannot be sent intact.
    expect(klarna.captures[0].shipping_info).toEqual([{ tracking_number: "SHORT-1", shipping_method: "Home" }])

    const jobs = await settled(placed.order.id)
    const refused = jobs.filter((job) => job.last_error_code === "SHIPPING_INFO_REFUSED")
    expect(refused).toHaveLength(3)
    expect(refused.every((job) => job.state === "failed" && job.payload.fulfillmentId === fulfillment.id)).toBe(true)
    const messageFor = (value: string) => refused.find((job) => job.last_error?.includes(`"${value}"`))?.last_error
    expect(messageFor(longA)).toBe(`tracking_number "${longA}" is 200 characters; Klarna accepts at most 100: not sent`)
    expect(messageFor(longB)).toBe(`tracking_number "${longB}" is 200 characters; Klarna accepts at most 100: not sent`)
    expect(messageFor(carrier)).toBe(`shipping_company "${carrier}" is 200 characters; Klarna accepts at most 100: not sent`)
    expect(jobs.filter((job) => job.state === "failed")).toHaveLength(3) // nothing else failed

    // The capture and the tracking job both saw the refusals, a reconcile follows: still one job per value.
    await stack.api.admin("POST", `/klarna/orders/${placed.order.id}/reconcile`)
    expect((await settled(placed.order.id)).filter((job) => job.last_error_code === "SHIPPING_INFO_REFUSED")).toHaveLength(3)

    // Retry while the value is unchanged: the same refusal again.
    const carrierJob = refused.find((job) => job.last_error?.startsWith("shipping_company"))!
    const attemptsOf = async (jobId: string) =>
      (await stack.sql<{ n: string }>(`SELECT count(*) AS n FROM klarna_sync_attempt WHERE job_id = $1`, [jobId]))[0].n
    const before = await attemptsOf(carrierJob.id)
    await stack.api.admin("POST", `/klarna/jobs/${carrierJob.id}/retry`)
    await eventually(async () => (await attemptsOf(carrierJob.id)) !== before, { what: "the retried refusal to run" })
    const again = (await jobsOf(placed.order.id)).find((job) => job.id === carrierJob.id)!
    expect(again).toMatchObject({ state: "failed", last_error_code: "SHIPPING_INFO_REFUSED", last_error: carrierJob.last_error })

    // The merchant fixes the carrier: Retry sends the tracking number with it.
    await stack.sql(`UPDATE fulfillment SET metadata = $1 WHERE id = $2`, [{ klarna_shipping_company: "DHL" }, fulfillment.id])
    await stack.api.admin("POST", `/klarna/jobs/${carrierJob.id}/retry`)
    const fixed = await simWhen(
      placed.klarnaOrderId as string,
      (o) => (o.captures[0].shipping_info ?? []).some((entry) => entry.shipping_company === "DHL"),
      "the fixed carrier",
    )
    expect(fixed.captures[0].shipping_info).toEqual([
      { tracking_number: "SHORT-1", shipping_method: "Home" },
      // With the carrier known, the carrier table gives the customer a link (carriers.ts).
      {
        tracking_number: "SHORT-1",
        shipping_company: "DHL",
        shipping_method: "Home",
        tracking_uri: "https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id=SHORT-1",
      },
    ])
    await eventually(async () => (await jobsOf(placed.order.id)).find((job) => job.id === carrierJob.id && job.state === "succeeded"), {
      what: "the retried carrier job to succeed",
    })
  })
})
