/**
 * The v2 exploration reads the same orders as the v1 one: for random model orders (explore.ts's v2 shapes, with
 * fulfillments shipped, canceled and open, tracking, a typed company, a goodwill refund and a return's refund),
 * the snapshot the v2 plugin's mapper makes of v2GraphOf(order) equals the model's own snapshot (snapshotOf) in
 * everything the engine sends to Klarna: lines to the minor unit, fulfillments, tracking as typed, refunds.
 * Without this, a difference in the graph builder could hide a defect (or invent one) in the v2 run.
 */
import fc from "fast-check"
import { modelOrderOf, v2OrderShape } from "./explore"
import { snapshotOf, type ModelOrder } from "./platform-model"
import { v2GraphOf, v2SnapshotOf } from "./v2-order-graph"

function withHistory(order: ModelOrder, company: string | undefined): ModelOrder {
  const start = Date.parse("2026-12-05T08:00:00.000Z")
  order.klarnaOrderId = `klarna-${order.orderId}`
  order.fulfillments = order.items.map((item, i) => ({
    id: `ful_${i}`,
    items: [{ itemId: item.id, quantity: item.quantity }],
    canceled: i % 3 === 2,
    shipped: i % 3 === 0,
    trackings: i % 3 === 0 ? [{ trackingNumber: `TRK-Å${i}` }, { trackingNumber: "📦1", trackingUrl: `https://track.example/${i}` }] : [],
    ...(i % 3 === 0 && company !== undefined ? { shippingCompany: company } : {}),
    createdAt: new Date(start + i * 1000),
  }))
  const first = order.items[0]
  const unit = first.unitPrice - first.unitDiscount
  order.refunds = [
    { id: "ref_1_goodwill", amount: unit, createdAt: new Date(start + 10_000) },
    { id: "ref_2_return", amount: unit, createdAt: new Date(start + 20_000), returnedItems: [{ itemId: first.id, quantity: 1 }] },
  ]
  return order
}

test("the v2 plugin's snapshot of the order graph equals the model's snapshot in everything sent to Klarna", () => {
  let subMinor = 0
  fc.assert(
    fc.property(v2OrderShape, fc.constantFrom(undefined, "DHL", "البريد السريع"), fc.boolean(), (shape, company, canceled) => {
      const order = withHistory(modelOrderOf(shape, "t"), company)
      order.canceled = canceled
      const v1 = snapshotOf(order)
      const v2 = v2SnapshotOf(order)
      const lines = (s: typeof v1) => ({
        items: s.items.map(({ id, reference, quantity, total, originalTotal, discountTotal, taxRate }) => ({
          ...{ id, reference, quantity, total, originalTotal, discountTotal, taxRate },
        })),
        shipping: s.shippingLines.map(({ originalTotal, discountTotal, total, taxRate }) => ({
          originalTotal,
          discountTotal,
          total,
          taxRate,
        })),
      })
      expect(lines(v2)).toEqual(lines(v1))
      expect([v2.currency, v2.currencyDecimals, v2.totalAmount, v2.authorizedAmount, v2.klarnaOrderId, Boolean(v2.canceled)]).toEqual([
        v1.currency,
        v1.currencyDecimals,
        v1.totalAmount,
        v1.authorizedAmount,
        v1.klarnaOrderId,
        Boolean(v1.canceled),
      ])
      const fulfillments = (s: typeof v1) =>
        s.fulfillments.map((f) => ({
          ...{ id: f.id, items: f.items, shippingCompany: f.shippingCompany },
          ...{ trackings: f.trackings.map((t) => ({ trackingNumber: t.trackingNumber, trackingUrl: t.trackingUrl })) },
          ...{ shipped: Boolean(f.shipped), canceled: Boolean(f.canceled) },
        }))
      expect(fulfillments(v2)).toEqual(fulfillments(v1))
      const refunds = (s: typeof v1) => s.refunds.map((r) => ({ id: r.id, amount: r.amount, returnedItems: r.returnedItems }))
      expect(refunds(v2)).toEqual(refunds(v1))
      // The graph is v2's: major units, lower-case currency, a tax-exclusive price net of its tax.
      const graph = v2GraphOf(order)
      expect(graph.currency_code).toBe(order.currency.toLowerCase())
      // A tax-exclusive shipping price keeps its unrounded gross (sub-minor), rounded once by the plugin.
      if (order.shipping?.v2NetPrice !== undefined) {
        const gross = graph.shipping_methods?.[0].total as number
        expect(Math.round(gross * 10 ** (order.decimals + 4))).toBe(order.shipping.v2NetPrice * (10000 + order.shipping.taxRate))
        subMinor += Number.isInteger(Math.round(gross * 10 ** (order.decimals + 4)) / 10000) ? 0 : 1
      }
      order.items.forEach((item, i) => {
        const unitPrice = graph.items?.[i].unit_price as number
        const expectedNet = item.taxInclusive ? item.unitPrice : (item.unitPrice * 10000) / (10000 + item.taxRate)
        expect(Math.round(unitPrice * 10 ** order.decimals)).toBe(expectedNet)
      })
    }),
    { numRuns: 300 },
  )
  expect(subMinor).toBeGreaterThan(10) // the sub-minor case is really generated
})
