/**
 * A refund from the payment that is not owed (no return) makes Medusa 2.21 add an order credit line of its
 * amount (refundPaymentWorkflow → createOrderRefundCreditLinesWorkflow), so order.total drops below the lines
 * that were paid and captured. Measured in test/medusa-v2/provider.test.ts: the mapping threw "the parts sum to
 * 1230 but the total is 1130 SEK" and the refund never reached Klarna.
 */
import { toSyncableOrder, type V2OrderGraph } from "../order-snapshot"

const OPTIONS = { klarnaProviderIds: ["klarna"], orderIdPath: "order_id", carrierMapping: {}, shippingMethod: "Home" as const }

test("an order whose total a refund credit line lowered still maps its lines to the amount Klarna authorized", () => {
  const order: V2OrderGraph = {
    id: "order_1",
    status: "pending",
    currency_code: "sek",
    // 1230 SEK of lines, 100 SEK refunded as a credit line
    total: 1130,
    items: [
      { id: "i1", product_title: "Tomatoes", variant_sku: "TOM-1", quantity: 3, total: 45, original_total: 45, tax_lines: [{ rate: 25 }] },
      {
        id: "i2",
        product_title: "Rain jacket",
        variant_sku: "JKT-1",
        quantity: 1,
        total: 1123.75,
        original_total: 1123.75,
        tax_lines: [{ rate: 25 }],
      },
    ],
    shipping_methods: [{ id: "s1", name: "Standard", total: 61.25, original_total: 61.25, tax_lines: [{ rate: 25 }] }],
    credit_lines: [{ amount: 100, version: 2 }],
  }
  const snapshot = toSyncableOrder(order, OPTIONS)
  expect(snapshot.totalAmount).toBe(123000)
  expect([...snapshot.items, ...snapshot.shippingLines].map((line) => line.total)).toEqual([4500, 112375, 6125])
})

test("a credit line from the cart (version 1) still has to make up the total: not added back", () => {
  const order: V2OrderGraph = {
    id: "order_2",
    status: "pending",
    currency_code: "sek",
    total: 1130,
    items: [{ id: "i1", product_title: "Jacket", quantity: 1, total: 1230, original_total: 1230, tax_lines: [{ rate: 25 }] }],
    credit_lines: [{ amount: 100, version: 1 }],
  }
  expect(() => toSyncableOrder(order, OPTIONS)).toThrow(/the parts sum to 1230 but the total is 1130 SEK/)
})
