/**
 * Orders paid through another Klarna provider (not this plugin's `klarna` processor) are synced too, when
 * that provider is listed in `klarnaProviderIds` and keeps the Klarna order id where `orderIdPath` says.
 * Here Medusa's manual provider stands in for such a provider: the Klarna order id is written into its
 * payment's data, under a nested path, as a provider of one's own would.
 */
import { startMedusaStack, FAST_WORKER, type MedusaStack } from "../support/medusa-stack"
import { simOrder } from "../support/simulator-client"
import { checkout, createFulfillment, eventually } from "../support/store-api"

jest.setTimeout(180_000)

let stack: MedusaStack

beforeAll(async () => {
  stack = await startMedusaStack({
    name: "kos_other_provider",
    medusa: { pluginOptions: { ...FAST_WORKER, klarnaProviderIds: ["klarna", "manual"], orderIdPath: "klarna.order_id" } },
  })
})

afterAll(async () => {
  await stack?.close()
})

test("a fulfillment of an order paid through another provider that keeps a Klarna order id is captured", async () => {
  const placed = await checkout(stack.api, {
    regionId: stack.store.regionId,
    shippingOptionId: stack.store.shippingOptionId,
    items: [{ variantId: stack.store.products[0].variantId, quantity: 2 }],
    provider: "manual",
  })
  // The other provider's Klarna order, authorized for the order's total.
  const response = await fetch(`${stack.simulator.url}/__sim/orders`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ order_amount: placed.order.total, purchase_currency: "SEK", purchase_country: "SE" }),
  })
  const { order_id: klarnaOrderId } = (await response.json()) as { order_id: string }
  await stack.sql(
    `UPDATE payment SET data = data || jsonb_build_object('klarna', jsonb_build_object('order_id', $1::text)) WHERE order_id = $2`,
    [klarnaOrderId, placed.order.id],
  )

  await createFulfillment(stack.api, placed.order.id, [{ itemId: placed.order.items[0].id, quantity: 2 }])
  const captured = await eventually(
    async () => {
      const order = await simOrder(stack.simulator.url, klarnaOrderId)
      return order.captures.length === 1 ? order : undefined
    },
    { what: "capture on the other provider's Klarna order", timeoutMs: 20_000 },
  )
  expect(captured.captured_amount).toBe(placed.order.total)
  expect(captured.status).toBe("CAPTURED")
  const [mapping] = await stack.sql<{ klarna_order_id: string }>(`SELECT klarna_order_id FROM klarna_order WHERE platform_order_id = $1`, [
    placed.order.id,
  ])
  expect(mapping.klarna_order_id).toBe(klarnaOrderId)
})
