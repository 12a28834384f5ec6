/**
 * Found while exploring the paid-units rule: the units of a fulfillment canceled after its capture are
 * credited to a later fulfillment of the same item, but never to one that already paid for its own units
 * (captured, or its capture sent): the credit must reach the re-fulfillment that needs it.
 */
import { simOrder } from "../support/simulator-client"
import { startExploreEnvironment, type ExploreEnvironment } from "./environment"
import { checkInvariants } from "./invariants"
import type { ModelOrder } from "./platform-model"

jest.setTimeout(60_000)

let env: ExploreEnvironment
beforeAll(async () => {
  env = await startExploreEnvironment()
})
afterAll(async () => {
  await env?.close()
})

test("a unit canceled after its capture is credited to its re-fulfillment, not to a fulfillment that already paid", async () => {
  // Shape of the sequence: fulfill(A), fulfill(A), runWorkers, cancelFulfillment(0), fulfill(A)
  const token = Date.now().toString(36)
  const order: ModelOrder = {
    orderId: `order_paid_${token}`,
    klarnaOrderId: "",
    currency: "EUR",
    decimals: 2,
    items: [
      { id: `item_${token}_a`, name: "A", sku: `sku-${token}-a`, quantity: 2, unitPrice: 1000, unitDiscount: 0, taxRate: 2500 },
      { id: `item_${token}_b`, name: "B", sku: `sku-${token}-b`, quantity: 1, unitPrice: 5000, unitDiscount: 0, taxRate: 2500 },
    ],
    fulfillments: [],
    refunds: [],
    canceled: false,
    captureRemainingPressed: false,
  }
  const created = await fetch(`${env.sim.url}/__sim/orders`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ order_amount: 7000, purchase_currency: "EUR", purchase_country: "DE" }),
  })
  order.klarnaOrderId = ((await created.json()) as { order_id: string }).order_id
  env.orders.set(order.orderId, order)
  const fulfill = async (n: number) => {
    const id = `ful_${token}_${n}`
    order.fulfillments.push({
      id,
      items: [{ itemId: order.items[0].id, quantity: 1 }],
      canceled: false,
      shipped: false,
      trackings: [],
      createdAt: new Date(Date.now() + n),
    })
    await env.engines[0].fulfillmentCreated(order.orderId, id)
    return id
  }
  const first = await fulfill(1)
  const second = await fulfill(2)
  await env.runUntilIdle(order.orderId, 1)
  order.fulfillments[0].canceled = true
  order.fulfillments[0].canceledBeforeCapture = false
  await env.engines[0].converge(order.orderId)
  const third = await fulfill(3)
  await env.runUntilIdle(order.orderId, 1)

  const klarna = await simOrder(env.sim.url, order.klarnaOrderId)
  const unitsOfA = klarna.captures.map((c) => [
    c.reference,
    (c.order_lines ?? []).filter((l) => l.reference === order.items[0].sku).reduce((s, l) => s + l.quantity, 0),
  ])
  expect(unitsOfA).toEqual([
    [first, 1],
    [second, 1],
  ])
  const [thirdJob] = await env.sql<{ state: string }>(`SELECT state FROM klarna_sync_job WHERE job_key = $1`, [`medusa:capture:${third}`])
  expect(thirdJob.state).toBe("skipped")
  expect(await checkInvariants(env, order)).toEqual([])
})
