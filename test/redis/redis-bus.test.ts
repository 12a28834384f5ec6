/**
 * The plugin on Medusa's Redis event bus (@medusajs/event-bus-redis, what multi-server stores run), against
 * a real redis-server started on a free port (scripts/redis.ts; Debian: apt-get install -y redis-server):
 * - the soak, small: two servers, every event twice, ~20 % Klarna faults, a SIGKILL — exactly once;
 * - one store on the Redis bus for the merchant's tools: a parked capture retried through the admin API
 *   after the cause was fixed; reconcile (`npm run reconcile` and POST /admin/klarna/orders/:id/reconcile)
 *   repairing drifted tables without calling a single Klarna mutation.
 */
import { spawn } from "node:child_process"
import path from "node:path"
import { findRedisServer, startRedis, type RunningRedis } from "../../scripts/redis"
import { KlarnaClient } from "../../packages/core/src/klarna"
import { startMedusaStack, type MedusaStack } from "../support/medusa-stack"
import { simClearFaults, simFault, simOrder, simRequests } from "../support/simulator-client"
import { checkout, createFulfillment, createShipment, eventually, type CheckoutResult } from "../support/store-api"
import { DUPLICATE_EVENTS_SQL, formatCounts, formatReport, runSoak, soakPassed } from "../soak/soak"

jest.setTimeout(300_000)

const REPO_ROOT = path.resolve(__dirname, "..", "..")
let redis: RunningRedis

beforeAll(async () => {
  if (!findRedisServer()) throw new Error("redis-server is not installed: apt-get install -y redis-server (see .ci/run)")
  redis = await startRedis()
})

afterAll(async () => {
  await redis?.stop()
})

test("soak on the Redis event bus: two servers, duplicate events, faults and a SIGKILL — exactly once", async () => {
  const report = await runSoak({
    orders: 8,
    concurrency: 4,
    redisUrl: redis.url,
    log: (line) => process.stdout.write(`[redis soak] ${line}\n`),
  })
  process.stdout.write(`[redis soak] ${formatReport(report)}[redis soak] ${formatCounts(report)}\n`)
  expect(report.captures).toEqual({ expected: 16, mirrored: 16, doubled: 0, lost: 0 })
  expect(report.refunds).toEqual({ expected: 11, mirrored: 11, doubled: 0, lost: 0 })
  expect(report.duplicatedEvents).toBeGreaterThan(0)
  expect(report.problems).toEqual([])
  expect(soakPassed(report)).toBe(true)
})

describe("the merchant's tools on the Redis event bus", () => {
  let stack: MedusaStack

  beforeAll(async () => {
    stack = await startMedusaStack({ name: "kos_redis", medusa: { redisUrl: redis.url } })
    await stack.sql(DUPLICATE_EVENTS_SQL)
  })

  afterAll(async () => {
    await stack?.close()
  })

  const klarnaCheckout = (): Promise<CheckoutResult> =>
    checkout(stack.api, {
      regionId: stack.store.regionId,
      shippingOptionId: stack.store.shippingOptionId,
      items: [
        { variantId: stack.store.products[0].variantId, quantity: 2 },
        { variantId: stack.store.products[1].variantId, quantity: 1 },
      ],
      provider: "klarna",
      simulatorUrl: stack.simulator.url,
    })

  const jobOf = async (jobKey: string) =>
    (
      await stack.sql<{ id: string; state: string; attempts: number; last_http_status: number | null }>(
        `SELECT id, state, attempts, last_http_status FROM klarna_sync_job WHERE job_key = $1`,
        [jobKey],
      )
    )[0]

  test("Medusa really runs the Redis bus", () => {
    expect(stack.medusa.logs()).toContain("Connection to Redis in module 'event-bus-redis' established")
    expect(stack.medusa.logs()).not.toMatch(/Local Event Bus installed/i)
  })

  test("a capture Klarna refused is parked; the admin API retries it once the cause is fixed", async () => {
    const placed = await klarnaCheckout()
    const klarnaId = placed.klarnaOrderId as string
    await simFault(stack.simulator.url, {
      match: { method: "POST", path: `/orders/${klarnaId}/captures`, times: 1 },
      fault: {
        type: "http",
        status: 403,
        body: { error_code: "NOT_ALLOWED", error_messages: ["Capture not allowed"], correlation_id: "corr-parked" },
      },
    })
    const { fulfillment } = await createFulfillment(
      stack.api,
      placed.order.id,
      placed.order.items.map((item) => ({ itemId: item.id, quantity: item.quantity })),
    )
    const jobKey = `medusa:capture:${fulfillment.id}`
    const parked = await eventually(
      async () => {
        const job = await jobOf(jobKey)
        return job?.state === "failed" ? job : undefined
      },
      { timeoutMs: 30_000, what: "capture parked" },
    )
    expect(parked).toMatchObject({ attempts: 1, last_http_status: 403 })

    // The merchant sees it in the order's Klarna panel…
    const { klarna_order: view } = await stack.api.admin<{
      klarna_order: { has_failures: boolean; jobs: { id: string; state: string; error: { correlation_id: string | null } | null }[] }
    }>("GET", `/klarna/orders/${placed.order.id}`)
    expect(view.has_failures).toBe(true)
    expect(view.jobs.find((job) => job.id === parked.id)).toMatchObject({ state: "failed", error: { correlation_id: "corr-parked" } })
    expect((await simOrder(stack.simulator.url, klarnaId)).captures).toEqual([])

    // …fixes the cause (the fault fired once) and presses Retry.
    const retried = await stack.api.admin<{ job: { id: string; state: string } }>("POST", `/klarna/jobs/${parked.id}/retry`)
    expect(retried.job).toMatchObject({ id: parked.id, state: "pending" })
    await eventually(async () => (await jobOf(jobKey))?.state === "succeeded", { timeoutMs: 30_000, what: "retried capture succeeded" })
    const klarna = await simOrder(stack.simulator.url, klarnaId)
    expect(klarna.captures).toHaveLength(1)
    expect(klarna.captured_amount).toBe(placed.order.total)

    // Only parked jobs can be retried; unknown ones are 404.
    await expect(stack.api.admin("POST", `/klarna/jobs/${parked.id}/retry`)).rejects.toMatchObject({ status: 409 })
    await expect(stack.api.admin("POST", `/klarna/jobs/kjob_missing/retry`)).rejects.toMatchObject({ status: 404 })
    const attempts = await stack.sql<{ attempt: number; outcome: string; http_status: number | null }>(
      `SELECT attempt, outcome, http_status FROM klarna_sync_attempt WHERE job_id = $1 ORDER BY created_at`,
      [parked.id],
    )
    expect(attempts).toEqual([
      { attempt: 1, outcome: "failed", http_status: 403 },
      { attempt: 1, outcome: "succeeded", http_status: null },
    ])
  })

  test("reconcile repairs drifted tables from Klarna's order, and calls no mutation", async () => {
    const placed = await klarnaCheckout()
    const orderId = placed.order.id
    const klarnaId = placed.klarnaOrderId as string
    const first = await createFulfillment(stack.api, orderId, [{ itemId: placed.order.items[0].id, quantity: 1 }])
    await createShipment(stack.api, orderId, first.fulfillment.id, ["RECON-1"])
    await eventually(
      async () => {
        const order = await simOrder(stack.simulator.url, klarnaId)
        // The merchant references too: order.placed may reach the plugin after the fulfillment's events on a busy
        // bus, and its job must not run during the reconcile below (it would be a mutation the test does not expect).
        return order.captures.length === 1 && (order.captures[0].shipping_info ?? []).length === 1 && Boolean(order.merchant_reference1)
      },
      { timeoutMs: 30_000, what: "capture with tracking, and the merchant references" },
    )
    await eventually(
      async () =>
        (await stack.sql(`SELECT 1 FROM klarna_sync_job WHERE platform_order_id = $1 AND state IN ('pending','running')`, [orderId]))
          .length === 0,
      {
        timeoutMs: 30_000,
        what: "jobs settled",
      },
    )
    const [captured] = await stack.sql<{ capture_id: string; captured_amount: number }>(
      `SELECT capture_id, captured_amount FROM klarna_capture WHERE source_id = $1`,
      [first.fulfillment.id],
    )

    // Drift: as if the server died between Klarna's answer and our write.
    await stack.sql(`UPDATE klarna_capture SET status = 'pending', capture_id = NULL, shipping_info = '[]' WHERE source_id = $1`, [
      first.fulfillment.id,
    ])
    await stack.sql(`UPDATE klarna_order SET captured_amount = 0, status = 'AUTHORIZED' WHERE platform_order_id = $1`, [orderId])
    const mutationsBefore = (await simRequests(stack.simulator.url)).filter((r) => r.method !== "GET").length

    const cli = await runCli(["run", "--silent", "reconcile", "--", "--order", orderId], {
      DATABASE_URL: stack.databaseUrl,
      KLARNA_BASE_URL: stack.simulator.url,
      KLARNA_USERNAME: stack.simulator.username,
      KLARNA_PASSWORD: stack.simulator.password,
    })
    expect(cli.code).toBe(0)
    expect(cli.stdout).toContain(`Reconciled Medusa order ${orderId} with Klarna order ${klarnaId}`)
    expect(cli.stdout).toContain(`capture ${captured.capture_id} (${captured.captured_amount}) recorded for ${first.fulfillment.id}`)
    expect(cli.stdout).toContain(`captured_amount: 0 -> ${captured.captured_amount}`)
    expect(
      await stack.sql(`SELECT status, capture_id, shipping_info FROM klarna_capture WHERE source_id = $1`, [first.fulfillment.id]),
    ).toEqual([
      { status: "captured", capture_id: captured.capture_id, shipping_info: [expect.objectContaining({ tracking_number: "RECON-1" })] },
    ])

    // A capture made outside the plugin (e.g. in Klarna's merchant portal), found through the admin route.
    const portal = new KlarnaClient({
      username: stack.simulator.username,
      password: stack.simulator.password,
      baseUrl: stack.simulator.url,
    })
    const outside = await portal.createCapture(
      klarnaId,
      { captured_amount: 500, reference: "portal-capture" },
      { idempotencyKey: `portal-${klarnaId}` },
    )
    const mutationsAfterPortal = (await simRequests(stack.simulator.url)).filter((r) => r.method !== "GET").length
    const { reconcile } = await stack.api.admin<{ reconcile: { changes: string[]; klarna: { captured_amount: number } } }>(
      "POST",
      `/klarna/orders/${orderId}/reconcile`,
    )
    expect(reconcile.changes).toEqual(
      expect.arrayContaining([
        `capture ${outside.captureId} (500) made outside the plugin recorded`,
        `captured_amount: ${captured.captured_amount} -> ${captured.captured_amount + 500}`,
      ]),
    )
    const again = await stack.api.admin<{ reconcile: { changes: string[] } }>("POST", `/klarna/orders/${orderId}/reconcile`)
    expect(again.reconcile.changes).toEqual([]) // nothing left to repair
    const [mapping] = await stack.sql<{ captured_amount: number }>(
      `SELECT captured_amount FROM klarna_order WHERE platform_order_id = $1`,
      [orderId],
    )
    expect(mapping.captured_amount).toBe(captured.captured_amount + 500)

    // Reconcile only read Klarna: the only mutation since the drift is the portal's own capture.
    const mutationsAfter = (await simRequests(stack.simulator.url)).filter((r) => r.method !== "GET").length
    expect(mutationsAfterPortal).toBe(mutationsBefore + 1)
    expect(mutationsAfter).toBe(mutationsAfterPortal)
    await simClearFaults(stack.simulator.url)
  })

  test("reconcile of an order the plugin does not know says so", async () => {
    const cli = await runCli(["run", "--silent", "reconcile", "--", "--order", "order_unknown"], { DATABASE_URL: stack.databaseUrl })
    expect(cli.code).toBe(1)
    expect(cli.stderr).toMatch(/not a Klarna order known to klarna-order-sync/)
    await expect(stack.api.admin("POST", `/klarna/orders/order_unknown/reconcile`)).rejects.toMatchObject({ status: 404 })
  })
})

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    child.once("error", reject)
    child.once("close", (code) => resolve({ code, stdout, stderr }))
  })
}
