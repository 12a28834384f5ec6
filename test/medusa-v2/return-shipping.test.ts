/**
 * Returns that carry return shipping, on a real Medusa 2.21.2 server with the plugin and the Klarna simulator over
 * HTTP. The merchant picks the store's return option ("Return", 49 SEK + 25 % = 61.25 SEK) in the dashboard's
 * "Create return" form. Medusa v2 then adds a shipping method to the ORDER (order_shipping row with the return's
 * id) whose total counts in order.total, and the refund due is the returned units' value minus that fee.
 *
 * The store captures on shipment (captureOn: "shipment"), so a capture can be planned after a return exists.
 * What Klarna received is asserted line by line.
 */
import type { KlarnaOrderLine } from "../../packages/core/src/klarna/types"
import { idempotencyKeyFor } from "../../packages/core/src/sync/idempotency"
import { klarnaCheckoutV2, type KlarnaCheckoutV2Result } from "../support/medusa-v2-klarna-checkout"
import { fulfillV2, receiveV2Return, refundV2Payment, requestV2Return, shipV2, v2RefundFormAmount } from "../support/medusa-v2-orders"
import { startV2SyncStack, type V2SyncStack } from "../support/medusa-v2-sync-stack"
import { klarnaLineFields, simOrder, simOrderWhen, simRequests } from "../support/simulator-client"
import { eventually } from "../support/store-api"

jest.setTimeout(600_000)

let stack: V2SyncStack

beforeAll(async () => {
  stack = await startV2SyncStack({ name: "v2_return_shipping", pluginOptions: { captureOn: "shipment" } })
})

afterAll(async () => {
  if (process.env.KOS_MEDUSA_LOGS_ON_FAIL === "1") console.log(stack?.server.logs().slice(-30000)) // eslint-disable-line no-console
  await stack?.close()
})

interface AdminItem {
  id: string
  variant_sku: string
  quantity: number
}

async function orderItems(orderId: string): Promise<Record<string, AdminItem>> {
  const { order } = await stack.admin.get<{ order: { items: AdminItem[] } }>(`/admin/orders/${orderId}?fields=id,*items`)
  return Object.fromEntries(order.items.map((item) => [item.variant_sku, item]))
}

/** The order's shipping methods as Medusa stores them: the order_shipping link (return_id) at the order's version. */
function shippingRows(orderId: string) {
  return stack.sql<{ name: string; amount: string; return_id: string | null }>(
    `SELECT sm.name, sm.amount::text AS amount, os.return_id
       FROM order_shipping os JOIN order_shipping_method sm ON sm.id = os.shipping_method_id
       JOIN "order" o ON o.id = os.order_id AND o.version = os.version
      WHERE os.order_id = $1 AND os.deleted_at IS NULL
      ORDER BY sm.name DESC`,
    [orderId],
  )
}

/** v2's order total and what the dashboard's refund form pre-fills. */
async function v2Totals(orderId: string) {
  const { order } = await stack.admin.get<{ order: { total: number; summary: { pending_difference: number } } }>(
    `/admin/orders/${orderId}?fields=id,total,summary.*`,
  )
  return { total: Number(order.total), pending_difference: Number(order.summary.pending_difference) }
}

/** A Klarna checkout of one tomato and one jacket (1500 + 112375 öre, shipping 6125: 120000), fulfilled in one parcel (not shipped). */
async function fulfilledOrder(): Promise<{
  order: KlarnaCheckoutV2Result
  items: Record<string, AdminItem>
  fulfillmentId: string
  both: { id: string; quantity: number }[]
}> {
  const order = await klarnaCheckoutV2(stack, stack.store, stack.simulator.url, {
    items: [
      { sku: "TOM-1", quantity: 1 },
      { sku: "JKT-1", quantity: 1 },
    ],
  })
  const items = await orderItems(order.orderId)
  const both = [
    { id: items["TOM-1"].id, quantity: 1 },
    { id: items["JKT-1"].id, quantity: 1 },
  ]
  const fulfillmentId = await fulfillV2(stack.admin, order.orderId, stack.store.stockLocationId, both)
  return { order, items, fulfillmentId, both }
}

const TOMATO = { type: "physical", reference: "TOM-1", name: "Tomatoes (Default)", quantity: 1, unit_price: 1500, tax_rate: 2500 }
const JACKET = { type: "physical", reference: "JKT-1", name: "Rain jacket (Default)", quantity: 1, unit_price: 112375, tax_rate: 2500 }
const STANDARD = { type: "shipping_fee", name: "Standard", quantity: 1, unit_price: 6125, tax_rate: 2500 }

// Was a defect (found here): v2 puts the return's shipping method into order.shipping_methods, which the snapshot took
// for outbound shipping: a capture planned after the return (here: the fulfillment shipped after it) carried a second
// shipping line "Return" and asked Klarna for 61.25 SEK more than the order (126125 öre of an authorized 120000).
test("a return with return shipping requested before the parcel ships: the capture has the order's lines and shipping only", async () => {
  const { order, items, fulfillmentId, both } = await fulfilledOrder()
  const totalsBeforeReturn = await v2Totals(order.orderId)

  const returnId = await requestV2Return(
    stack.admin,
    order.orderId,
    stack.store.stockLocationId,
    [{ id: items["TOM-1"].id, quantity: 1 }],
    {
      returnShippingOptionId: stack.store.returnShippingOptionId,
    },
  )
  // What v2 made of the return's shipping (asserted at the end: the capture is what this test is about).
  const rowsAfterReturn = await shippingRows(order.orderId)
  const totalsAfterReturn = await v2Totals(order.orderId)

  await shipV2(stack.admin, order.orderId, fulfillmentId, both, [
    { tracking_number: "PKG-1", tracking_url: "https://track.example/PKG-1", label_url: "https://labels.example/PKG-1.pdf" },
  ])
  const posts = await eventually(
    async () => {
      const sent = (await simRequests(stack.simulator.url, `${order.klarnaOrderId}/captures`)).filter((r) => r.method === "POST")
      return sent.length > 0 ? sent : undefined
    },
    { timeoutMs: 30_000, what: "a capture request" },
  )
  const body = posts[0].body as { captured_amount: number; order_lines: KlarnaOrderLine[] }
  expect([body.captured_amount, body.order_lines.map(klarnaLineFields)]).toEqual([
    120000,
    [
      { ...TOMATO, total_amount: 1500, total_discount_amount: 0, total_tax_amount: 300 },
      { ...JACKET, total_amount: 112375, total_discount_amount: 0, total_tax_amount: 22475 },
      { ...STANDARD, reference: expect.any(String), total_amount: 6125, total_discount_amount: 0, total_tax_amount: 1225 },
    ],
  ])
  const klarna = await simOrderWhen(stack.simulator.url, order.klarnaOrderId, (o) => o.status === "CAPTURED", "the order captured")
  expect(klarna.captures.map((c) => c.captured_amount)).toEqual([120000])

  // Measured: the return's shipping method is one of the order's, linked to the return, and v2 counts it in the
  // order's total at once (the customer owes it until the refund takes it off).
  expect(rowsAfterReturn).toEqual([
    { name: "Standard", amount: "49", return_id: null },
    { name: "Return", amount: "49", return_id: returnId },
  ])
  expect([totalsBeforeReturn, totalsAfterReturn]).toEqual([
    { total: 1200, pending_difference: 1200 },
    { total: 1261.25, pending_difference: 1246.25 },
  ])
})

// Was a defect (issue #15 note "a return whose refund had a return-shipping fee taken off does not pair"): the refund
// of the jacket less the return shipping (1123.75 − 61.25 SEK) matched neither the return's refund_amount (null) nor
// the jacket's value, so Klarna got one "Refund adjustment" line of 1062.50 SEK instead of the jacket and the fee.
test("a return with return shipping, refunded as v2 computes it (items − fee): Klarna gets the returned jacket and a Return fee line", async () => {
  const { order, items, fulfillmentId, both } = await fulfilledOrder()
  await shipV2(stack.admin, order.orderId, fulfillmentId, both, [])
  await simOrderWhen(stack.simulator.url, order.klarnaOrderId, (o) => o.status === "CAPTURED" && o.captured_amount === 120000, "captured")

  await receiveV2Return(stack.admin, order.orderId, stack.store.stockLocationId, [{ id: items["JKT-1"].id, quantity: 1 }], {
    returnShippingOptionId: stack.store.returnShippingOptionId,
  })
  // What the dashboard's refund form pre-fills: the jacket (1123.75 SEK) less the return shipping (61.25 SEK).
  expect(await v2RefundFormAmount(stack.admin, order.orderId, order.paymentId)).toBe(1062.5)
  await refundV2Payment(stack.admin, order.paymentId, 1062.5)

  const klarna = await simOrderWhen(stack.simulator.url, order.klarnaOrderId, (o) => o.refunds.length > 0, "the refund")
  expect(klarna.refunds.map((r) => [r.refunded_amount, (r.order_lines ?? []).map(klarnaLineFields)])).toEqual([
    [
      106250,
      [
        { ...JACKET, total_amount: 112375, total_discount_amount: 0, total_tax_amount: 22475 },
        {
          type: "return_fee",
          reference: "refund-adjustment",
          name: "Return fee",
          quantity: 1,
          unit_price: -6125,
          tax_rate: 0,
          total_amount: -6125,
          total_discount_amount: 0,
          total_tax_amount: 0,
        },
      ],
    ],
  ])
  // Sent once, with the key derived from Medusa's refund.
  const [refund] = await stack.sql<{ id: string }>(
    `SELECT r.id FROM refund r JOIN payment p ON p.id = r.payment_id WHERE p.id = $1 AND r.deleted_at IS NULL`,
    [order.paymentId],
  )
  await new Promise((resolve) => setTimeout(resolve, 1500))
  const posts = (await simRequests(stack.simulator.url, `${order.klarnaOrderId}/refunds`)).filter((r) => r.method === "POST")
  expect(posts.map((r) => [r.status, r.headers["klarna-idempotency-key"]])).toEqual([
    [201, idempotencyKeyFor(`medusa:refund:${refund.id}`)],
  ])
  expect((await simOrder(stack.simulator.url, order.klarnaOrderId)).refunded_amount).toBe(106250)
})
