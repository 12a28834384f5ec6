/**
 * The v2 order page's order (what the dashboard hands the widget) → the order the shared Klarna panel
 * follows (packages/medusa-v2/src/admin/lib/widget-order.ts). No server: the shapes are v2's AdminOrder.
 */
import { panelOrderOfV2 } from "../../packages/medusa-v2/src/admin/lib/widget-order"
import { fulfillmentTitles } from "../../packages/admin-widget/src/lib/fulfillment-titles"
import { orderFingerprint } from "../../packages/admin-widget/src/lib/freshness"

const order = {
  id: "order_1",
  status: "pending",
  payment_status: "partially_captured",
  fulfillment_status: "partially_shipped",
  fulfillments: [
    {
      id: "ful_a",
      shipped_at: "2026-12-05T08:00:00.000Z",
      canceled_at: null,
      labels: [{ tracking_number: "PN-1" }, { tracking_number: "PN-2" }],
    },
    { id: "ful_b", shipped_at: null, canceled_at: null, labels: [] },
  ],
  payment_collections: [
    { payments: [{ provider_id: "pp_klarna_klarna", refunds: [{ id: "ref_1" }] }] },
    { payments: [{ provider_id: "pp_system_default", refunds: null }] },
  ],
}

test("fulfillments keep the page's order, with their labels' tracking numbers as v1's tracking links", () => {
  const panel = panelOrderOfV2(order)
  expect(panel.fulfillments).toEqual([
    {
      id: "ful_a",
      shipped_at: "2026-12-05T08:00:00.000Z",
      canceled_at: null,
      tracking_links: [{ tracking_number: "PN-1" }, { tracking_number: "PN-2" }],
    },
    { id: "ful_b", shipped_at: null, canceled_at: null, tracking_links: [] },
  ])
  // Titled as the v2 order page titles its Fulfillment sections ("Fulfillment #1", …).
  expect([...fulfillmentTitles(panel).entries()]).toEqual([
    ["ful_a", "Fulfillment #1"],
    ["ful_b", "Fulfillment #2"],
  ])
})

test("refunds and payment providers come from every payment of every payment collection", () => {
  const panel = panelOrderOfV2(order)
  expect(panel.refunds).toEqual([{ id: "ref_1" }])
  expect(panel.payments).toEqual([{ provider_id: "pp_klarna_klarna" }, { provider_id: "pp_system_default" }])
  expect(panel).toMatchObject({
    id: "order_1",
    status: "pending",
    payment_status: "partially_captured",
    fulfillment_status: "partially_shipped",
  })
})

test("a new label, a shipment or a refund changes the fingerprint the widget reads Klarna's side again on", () => {
  const before = orderFingerprint(panelOrderOfV2(order))
  const labelled = { ...order, fulfillments: [order.fulfillments[0], { ...order.fulfillments[1], labels: [{ tracking_number: "PN-3" }] }] }
  expect(orderFingerprint(panelOrderOfV2(labelled))).not.toBe(before)
  const shipped = { ...order, fulfillments: [order.fulfillments[0], { ...order.fulfillments[1], shipped_at: "2026-12-05T09:00:00.000Z" }] }
  expect(orderFingerprint(panelOrderOfV2(shipped))).not.toBe(before)
  const refunded = {
    ...order,
    payment_collections: [{ payments: [{ provider_id: "pp_klarna_klarna", refunds: [{ id: "ref_1" }, { id: "ref_2" }] }] }],
  }
  expect(orderFingerprint(panelOrderOfV2(refunded))).not.toBe(before)
  expect(orderFingerprint(panelOrderOfV2({ ...order }))).toBe(before)
})

test("an order with none of the optional parts (fields the dashboard did not ask for) is an order with nothing yet", () => {
  expect(panelOrderOfV2({ id: "order_2" })).toMatchObject({ id: "order_2", fulfillments: [], refunds: [], payments: [] })
})
