/**
 * The lost-event sweep on a real Medusa 1.20 server with the plugin, PostgreSQL and the Klarna simulator:
 * its SQL only finds the orders that changed since it last looked, and the planner (through converge)
 * decides what each needs. A capture lost for an earlier fulfillment is found although a later
 * fulfillment of the same order was handled after it.
 */
import { FAST_WORKER, startMedusaStack, type MedusaStack } from "../support/medusa-stack"
import { simFault, simOrderWhen } from "../support/simulator-client"
import { klarnaCheckout } from "../admin/support"
import { createFulfillment, eventually } from "../support/store-api"

jest.setTimeout(240_000)

let stack: MedusaStack

beforeAll(async () => {
  // A sweep every 2 s (orders quiet for 5 s).
  stack = await startMedusaStack({
    name: "kos_sweep",
    medusa: { pluginOptions: { worker: { ...FAST_WORKER.worker, sweepIntervalMs: 2000 } } },
  })
})

afterAll(async () => {
  await stack?.close()
})

test("an earlier fulfillment's lost capture is queued again by the sweep after a later fulfillment was captured", async () => {
  const placed = await klarnaCheckout(stack, [{ product: 0, quantity: 3 }])
  const orderId = placed.order.id
  const klarnaId = placed.klarnaOrderId as string
  const [item] = placed.order.items

  // The first capture waits 90 s after a 429; its job is then removed, as if order.fulfillment_created had been lost.
  await simFault(stack.simulator.url, {
    match: { method: "POST", path: `/orders/${klarnaId}/captures`, times: 1 },
    fault: { type: "rate_limit", retry_after_seconds: 90 },
  })
  const first = await createFulfillment(stack.api, orderId, [{ itemId: item.id, quantity: 1 }])
  const firstKey = `medusa:capture:${first.fulfillment.id}`
  await eventually(
    async () => {
      const [job] = await stack.sql<{ state: string; last_http_status: number | null }>(
        `SELECT state, last_http_status FROM klarna_sync_job WHERE job_key = $1`,
        [firstKey],
      )
      return job?.state === "pending" && job.last_http_status === 429
    },
    { timeoutMs: 20_000, what: "the first capture waiting after the 429" },
  )
  await stack.sql(`DELETE FROM klarna_sync_attempt WHERE job_id IN (SELECT id FROM klarna_sync_job WHERE job_key = $1)`, [firstKey])
  await stack.sql(`DELETE FROM klarna_sync_job WHERE job_key = $1`, [firstKey])

  // A later fulfillment of the same order goes through its event as usual (one unit is left to ship: no release).
  const second = await createFulfillment(stack.api, orderId, [{ itemId: item.id, quantity: 1 }])
  const klarna = await simOrderWhen(
    stack.simulator.url,
    klarnaId,
    (order) => order.captures.length === 2,
    "both fulfillments captured",
    60_000,
  )

  // One capture per fulfillment, each of exactly its one unit (shipping goes with one of them).
  expect(klarna.captures.map((capture) => capture.reference).sort()).toEqual([first.fulfillment.id, second.fulfillment.id].sort())
  const tomatoLines = klarna.captures.map((capture) => (capture.order_lines ?? []).filter((line) => line.type === "physical"))
  for (const lines of tomatoLines) expect(lines).toEqual([expect.objectContaining({ name: "Tomatoes", reference: "TOM-1", quantity: 1 })])
  expect(tomatoLines[0][0]).toEqual(tomatoLines[1][0])
  expect(klarna.captures.filter((capture) => (capture.order_lines ?? []).some((line) => line.type === "shipping_fee"))).toHaveLength(1)
  for (const capture of klarna.captures)
    expect((capture.order_lines ?? []).reduce((sum, line) => sum + line.total_amount, 0)).toBe(capture.captured_amount)

  const [job] = await stack.sql<{ state: string }>(`SELECT state FROM klarna_sync_job WHERE job_key = $1`, [firstKey])
  expect(job).toEqual({ state: "succeeded" })
  expect(stack.medusa.logs()).toMatch(new RegExp(`sweep converged \\d+ order\\(s\\), queued \\d+ missing job\\(s\\)[^\\n]*${firstKey}`))
})
