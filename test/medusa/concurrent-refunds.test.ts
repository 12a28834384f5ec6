/**
 * Issue 12, defect 4: two `POST /admin/orders/:id/refund` at the same moment. Medusa v1 checks the
 * refundable amount with a plain read, so two requests that each fit but together exceed the capture both
 * passed, Medusa recorded both (refunded_total above what Klarna holds) and the second Klarna refund was
 * parked. The plugin's refund check now runs inside Medusa's own transaction under a per-order lock, so it
 * holds with two servers on one database as well.
 */
import { startMedusaStack, FAST_WORKER, type MedusaStack } from "../support/medusa-stack"
import { startMedusa, type MedusaServer } from "../support/medusa"
import { simOrder, type SimOrder } from "../support/simulator-client"
import { Client } from "pg"
import {
  checkout,
  connect,
  createFulfillment,
  createRefund,
  eventually,
  getOrder,
  MedusaApiError,
  type CheckoutResult,
  type StoreApi,
} from "../support/store-api"

jest.setTimeout(240_000)

let stack: MedusaStack

beforeAll(async () => {
  stack = await startMedusaStack({ name: "kos_refund_race" })
})

afterAll(async () => {
  await stack?.close()
})

/** One rain jacket (89900 + 25 % tax) with shipping (4900 + 25 %): 118500, fully captured in Klarna. */
async function capturedOrder(): Promise<CheckoutResult> {
  const placed = await checkout(stack.api, {
    regionId: stack.store.regionId,
    shippingOptionId: stack.store.shippingOptionId,
    items: [{ variantId: stack.store.products[1].variantId, quantity: 1 }],
    provider: "klarna",
    simulatorUrl: stack.simulator.url,
  })
  expect(placed.order.total).toBe(118500)
  await createFulfillment(
    stack.api,
    placed.order.id,
    placed.order.items.map((item) => ({ itemId: item.id, quantity: item.quantity })),
  )
  await eventually(async () => (await getOrder(stack.api, placed.order.id)).payment_status === "captured", {
    timeoutMs: 30_000,
    what: "Klarna capture and Medusa payment captured",
  })
  return placed
}

type Settled = { ok: true; refunded: number } | { ok: false; status: number; message: string }

async function refundAt(api: StoreApi, orderId: string, amount: number): Promise<Settled> {
  try {
    const order = await createRefund(api, orderId, amount)
    return { ok: true, refunded: order.refunded_total }
  } catch (error) {
    if (!(error instanceof MedusaApiError)) throw error
    return { ok: false, status: error.status, message: String((error.body as { message?: string })?.message ?? error.message) }
  }
}

/**
 * Runs refund requests so that they really overlap: a test transaction holds the order's payment row (a
 * slow database), so each request passes Medusa's own checks and then waits at the payment update inside
 * its transaction; once every request waits there, the row is let go and they race to commit.
 */
async function overlapping(orderId: string, requests: (() => Promise<Settled>)[]): Promise<Settled[]> {
  const [payment] = await stack.sql<{ id: string }>(`SELECT id FROM payment WHERE order_id = $1`, [orderId])
  const holder = new Client({ connectionString: stack.databaseUrl })
  await holder.connect()
  try {
    await holder.query("BEGIN")
    await holder.query(`SELECT id FROM payment WHERE id = $1 FOR UPDATE`, [payment.id])
    const running = requests.map((request) => request())
    let lastWaiting: unknown = []
    await eventually(
      async () => {
        const rows = await stack.sql<{ query: string }>(
          `SELECT query FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        )
        return (
          rows.filter((row) => /^UPDATE "public"\."payment" SET "amount_refunded"/i.test(row.query.trim())).length === requests.length ||
          ((lastWaiting = rows), false)
        )
      },
      { timeoutMs: 20_000, what: "every refund waiting at the payment row" },
    ).catch((error: Error) => {
      throw new Error(`${error.message}; waiting: ${JSON.stringify(lastWaiting)}`)
    })
    await holder.query("ROLLBACK")
    return await Promise.all(running)
  } finally {
    await holder.end()
  }
}

/** Klarna's order once every refund job of the order has finished (succeeded, skipped or failed). */
async function klarnaAfterJobs(orderId: string, klarnaOrderId: string): Promise<SimOrder> {
  await eventually(
    async () => {
      const jobs = await stack.sql<{ state: string }>(
        `SELECT state FROM klarna_sync_job WHERE platform_order_id = $1 AND operation = 'refund'`,
        [orderId],
      )
      const refunds = await stack.sql(`SELECT id FROM refund WHERE order_id = $1`, [orderId])
      return jobs.length === refunds.length && jobs.every((job) => job.state !== "pending" && job.state !== "running")
    },
    { timeoutMs: 30_000, what: "every refund job finished" },
  )
  return simOrder(stack.simulator.url, klarnaOrderId)
}

async function expectOneRefusedRefund(results: Settled[], orderId: string, klarnaOrderId: string): Promise<void> {
  const succeeded = results.filter((r) => r.ok)
  const refused = results.filter((r): r is Extract<Settled, { ok: false }> => !r.ok)
  expect(succeeded).toHaveLength(1)
  expect(refused).toHaveLength(1)
  expect(refused[0].status).toBe(400)
  // Names the amounts: what Klarna can still refund, what was captured and refunded, what was asked.
  expect(refused[0].message).toMatch(/at most 18500/)
  expect(refused[0].message).toMatch(/captured 118500/)
  expect(refused[0].message).toMatch(/refunded 100000/)
  expect(refused[0].message).toMatch(/refund of 100000/)

  const order = await getOrder(stack.api, orderId)
  expect(order.refunds.map((r) => r.amount)).toEqual([100000])
  expect(order.refunded_total).toBe(100000)
  const klarna = await klarnaAfterJobs(orderId, klarnaOrderId)
  expect(klarna.refunded_amount).toBe(order.refunded_total)
  expect(klarna.refunds).toHaveLength(1)
  expect(klarna.refunds[0]).toMatchObject({ refunded_amount: 100000, reference: order.refunds[0].id })
  const parked = await stack.sql(`SELECT id FROM klarna_sync_job WHERE platform_order_id = $1 AND state = 'failed'`, [orderId])
  expect(parked).toEqual([])
}

describe("concurrent refunds of one order", () => {
  test("two refunds at the same moment that together exceed the capture: one succeeds, one is refused", async () => {
    const placed = await capturedOrder()
    const results = await overlapping(placed.order.id, [
      () => refundAt(stack.api, placed.order.id, 100000),
      () => refundAt(stack.api, placed.order.id, 100000),
    ])
    await expectOneRefusedRefund(results, placed.order.id, placed.klarnaOrderId as string)
  })

  test("two refunds at the same moment that together fit: both succeed and both reach Klarna", async () => {
    const placed = await capturedOrder()
    const results = await overlapping(placed.order.id, [
      () => refundAt(stack.api, placed.order.id, 50000),
      () => refundAt(stack.api, placed.order.id, 60000),
    ])
    expect(results).toEqual([expect.objectContaining({ ok: true }), expect.objectContaining({ ok: true })])
    const order = await getOrder(stack.api, placed.order.id)
    expect(order.refunds.map((r) => r.amount).sort()).toEqual([50000, 60000])
    const klarna = await klarnaAfterJobs(placed.order.id, placed.klarnaOrderId as string)
    expect(klarna.refunded_amount).toBe(110000)
    expect(klarna.refunds.map((r) => r.refunded_amount).sort()).toEqual([50000, 60000])
    expect(klarna.refunds.map((r) => r.reference).sort()).toEqual(order.refunds.map((r) => r.id).sort())
  })

  describe("with two Medusa servers on the same database", () => {
    let second: MedusaServer
    let secondApi: StoreApi

    beforeAll(async () => {
      second = await startMedusa({
        databaseUrl: stack.databaseUrl,
        klarnaBaseUrl: stack.simulator.url,
        klarnaUsername: stack.simulator.username,
        klarnaPassword: stack.simulator.password,
        pluginOptions: FAST_WORKER,
      })
      secondApi = await connect(second.url)
    })

    afterAll(async () => {
      await second?.stop()
    })

    test("a refund on each server at the same moment, together above the capture: one is refused", async () => {
      const placed = await capturedOrder()
      const results = await overlapping(placed.order.id, [
        () => refundAt(stack.api, placed.order.id, 100000),
        () => refundAt(secondApi, placed.order.id, 100000),
      ])
      await expectOneRefusedRefund(results, placed.order.id, placed.klarnaOrderId as string)
    })
  })
})
