/**
 * Issue 13, "refunds of returned items carry the right lines", end to end: a real Medusa 1.20 server with
 * the plugin, real PostgreSQL, the Klarna simulator over HTTP. Each case does what the merchant does in
 * the admin (fulfil everything, request a return, receive it with its refund) and asserts, line by line,
 * the refund Klarna received: the returned units at exactly the unit price, tax and discount they were
 * captured with, and no adjustment line (the refund is the items' value, up to Medusa's own rounding).
 *
 * The store: SEK, 25 % tax on top of the prices (Medusa's default, tax-exclusive), Wool Socks 129.50
 * (161.875 with tax) and Merino Sweater 299.00.
 */
import type { KlarnaOrderLine } from "../../packages/core/src/klarna/types"
import { startMedusaStack, type MedusaStack } from "../support/medusa-stack"
import { simOrderWhen, type SimOrder } from "../support/simulator-client"
import {
  checkout,
  createDiscount,
  createFulfillment,
  eventually,
  getOrder,
  receiveReturn,
  requestReturn,
  type CheckoutResult,
} from "../support/store-api"

jest.setTimeout(240_000)

const SOCKS = 0
const SWEATER = 1
let stack: MedusaStack

beforeAll(async () => {
  stack = await startMedusaStack({
    name: "kos_returns",
    seed: {
      products: [
        { title: "Wool Socks", price: 12950, sku: "SOCKS-1" },
        { title: "Merino Sweater", price: 29900, sku: "SWEATER-1" },
      ],
    },
  })
})

afterAll(async () => {
  await stack?.close()
})

const simWhen = (klarnaOrderId: string, condition: (order: SimOrder) => boolean, what: string) =>
  simOrderWhen(stack.simulator.url, klarnaOrderId, condition, what)

interface Returned {
  placed: CheckoutResult
  capture: KlarnaOrderLine[]
  refund: SimOrder["refunds"][number]
  medusaRefund: { id: string; amount: number }
}

/** Buys, fulfils everything (one capture), waits for Medusa's payment to be captured, returns `quantity` units of `product`. */
async function buyShipAndReturn(
  items: { product: number; quantity: number }[],
  returned: { product: number; quantity: number },
  discountCode?: string,
): Promise<Returned> {
  const placed = await checkout(stack.api, {
    regionId: stack.store.regionId,
    shippingOptionId: stack.store.shippingOptionId,
    items: items.map((i) => ({ variantId: stack.store.products[i.product].variantId, quantity: i.quantity })),
    provider: "klarna",
    simulatorUrl: stack.simulator.url,
    discountCode,
  })
  const orderId = placed.order.id
  const klarnaId = placed.klarnaOrderId as string
  await createFulfillment(
    stack.api,
    orderId,
    placed.order.items.map((item) => ({ itemId: item.id, quantity: item.quantity })),
  )
  const captured = await simWhen(klarnaId, (o) => o.status === "CAPTURED", "full capture")
  // Medusa refunds a return only once the payment is captured, which the plugin marks when Klarna's is.
  await eventually(async () => (await getOrder(stack.api, orderId)).payment_status === "captured", { what: "Medusa payment captured" })

  const item = placed.order.items.find((i) => i.variant_id === stack.store.products[returned.product].variantId)
  if (!item) throw new Error("no such item")
  const { returnId } = await requestReturn(stack.api, orderId, [{ itemId: item.id, quantity: returned.quantity }])
  await receiveReturn(stack.api, returnId, [{ itemId: item.id, quantity: returned.quantity }])
  const refunds = (await getOrder(stack.api, orderId)).refunds as { id: string; amount: number }[]
  expect(refunds).toHaveLength(1)
  const refunded = await simWhen(klarnaId, (o) => o.refunds.length === 1, "Klarna refund")
  expect(refunded.refunds[0]).toMatchObject({ reference: refunds[0].id, refunded_amount: refunds[0].amount })
  return { placed, capture: captured.captures[0].order_lines ?? [], refund: refunded.refunds[0], medusaRefund: refunds[0] }
}

const fields = (line: KlarnaOrderLine | undefined) =>
  line && {
    name: line.name,
    quantity: line.quantity,
    unit_price: line.unit_price,
    tax_rate: line.tax_rate,
    total_amount: line.total_amount,
    total_tax_amount: line.total_tax_amount,
    total_discount_amount: line.total_discount_amount,
    reference: line.reference,
  }

describe("a refund of returned items is exactly those items, as captured", () => {
  test("1 of 1 socks: one line, the sock at 161.88 with its 32.38 VAT", async () => {
    const { refund, capture, medusaRefund } = await buyShipAndReturn([{ product: SOCKS, quantity: 1 }], { product: SOCKS, quantity: 1 })
    // 12950 + round(12950 * 25 %) = 12950 + 3238 = 16188; its tax: 16188 - round(16188 / 1.25) = 3238.
    expect(medusaRefund.amount).toBe(16188)
    const sock = {
      name: "Wool Socks",
      quantity: 1,
      unit_price: 16188,
      tax_rate: 2500,
      total_amount: 16188,
      total_tax_amount: 3238,
      total_discount_amount: 0,
      reference: "SOCKS-1",
    }
    expect(refund.order_lines?.map(fields)).toEqual([sock])
    expect(fields(capture.find((l) => l.reference === "SOCKS-1"))).toEqual(sock)
  })

  test("1 of 2 socks: one line of 1 sock at the captured unit price, Medusa's öre of rounding on it, no adjustment", async () => {
    const { refund, capture, medusaRefund } = await buyShipAndReturn([{ product: SOCKS, quantity: 2 }], { product: SOCKS, quantity: 1 })
    // Captured: 2 x 129.50 + round(64.75 VAT) = 323.75, shown as 2 x 161.88 less 0.01.
    expect(fields(capture.find((l) => l.reference === "SOCKS-1"))).toEqual({
      name: "Wool Socks",
      quantity: 2,
      unit_price: 16188,
      tax_rate: 2500,
      total_amount: 32375,
      total_tax_amount: 6475,
      total_discount_amount: 1,
      reference: "SOCKS-1",
    })
    // Medusa refunds one unit at 129.50 + round(32.375) = 161.88 (the unit's captured share is 161.87).
    expect(medusaRefund.amount).toBe(16188)
    expect(refund.order_lines?.map(fields)).toEqual([
      {
        name: "Wool Socks",
        quantity: 1,
        unit_price: 16188,
        tax_rate: 2500,
        total_amount: 16188,
        total_tax_amount: 3238,
        total_discount_amount: 0,
        reference: "SOCKS-1",
      },
    ])
  })

  test("2 of 3 socks: one line of 2 socks, their captured share 323.75 and its VAT", async () => {
    const { refund, capture, medusaRefund } = await buyShipAndReturn([{ product: SOCKS, quantity: 3 }], { product: SOCKS, quantity: 2 })
    // Captured: 3 x 129.50 + round(97.125) = 485.63, shown as 3 x 161.88 less 0.01.
    expect(fields(capture.find((l) => l.reference === "SOCKS-1"))).toMatchObject({
      quantity: 3,
      unit_price: 16188,
      total_amount: 48563,
      total_discount_amount: 1,
    })
    // Units 1-2 of 3: floor(48563 * 2 / 3) = 32375, what Medusa refunds too (25900 + 6475).
    expect(medusaRefund.amount).toBe(32375)
    expect(refund.order_lines?.map(fields)).toEqual([
      {
        name: "Wool Socks",
        quantity: 2,
        unit_price: 16188,
        tax_rate: 2500,
        total_amount: 32375,
        total_tax_amount: 6475,
        total_discount_amount: 1,
        reference: "SOCKS-1",
      },
    ])
  })

  test("1 of 2 discounted sweaters: the captured unit price and the unit's discount, no adjustment", async () => {
    const discount = await createDiscount(stack.api, stack.store.regionId, { type: "percentage", value: 10 })
    const { refund, capture, medusaRefund } = await buyShipAndReturn(
      [{ product: SWEATER, quantity: 2 }],
      { product: SWEATER, quantity: 1 },
      discount.code,
    )
    // Captured: 2 x 299.00 = 598.00 - 10 % (59.80) + round(25 % of 538.20 = 134.55) = 672.75;
    // before the discount 598.00 + 149.50 = 747.50, i.e. 2 x 373.75 less 74.75.
    expect(fields(capture.find((l) => l.reference === "SWEATER-1"))).toEqual({
      name: "Merino Sweater",
      quantity: 2,
      unit_price: 37375,
      tax_rate: 2500,
      total_amount: 67275,
      total_tax_amount: 13455,
      total_discount_amount: 7475,
      reference: "SWEATER-1",
    })
    // Medusa refunds one unit: 299.00 - 29.90 + round(25 % of 269.10 = 67.275) = 336.38 (captured share: 336.37).
    expect(medusaRefund.amount).toBe(33638)
    expect(refund.order_lines?.map(fields)).toEqual([
      {
        name: "Merino Sweater",
        quantity: 1,
        unit_price: 37375,
        tax_rate: 2500,
        total_amount: 33638,
        total_tax_amount: 6728,
        total_discount_amount: 3737,
        reference: "SWEATER-1",
      },
    ])
  })
})
