/**
 * The Medusa v2 order the order page hands its widgets (`data`: GET /admin/orders/:id with the dashboard's
 * fields) → the order the shared Klarna panel follows (packages/admin-widget: v1's shapes). Pure, so it is
 * unit-tested without a browser (test/medusa-v2/admin-widget-order.test.ts).
 */
import type { PanelOrder } from "../../../../admin-widget/src/components/klarna-panel"

type When = string | Date | null | undefined

/** The parts of v2's AdminOrder read here (all optional: the dashboard's fields decide what is there). */
export interface V2WidgetOrder {
  id: string
  status?: string | null
  payment_status?: string | null
  fulfillment_status?: string | null
  updated_at?: When
  fulfillments?: { id: string; shipped_at?: When; canceled_at?: When; labels?: { tracking_number?: string | null }[] | null }[] | null
  payment_collections?: { payments?: { provider_id: string; refunds?: { id: string }[] | null }[] | null }[] | null
}

export function panelOrderOfV2(order: V2WidgetOrder): PanelOrder {
  const payments = (order.payment_collections ?? []).flatMap((collection) => collection.payments ?? [])
  return {
    id: order.id,
    status: order.status,
    payment_status: order.payment_status,
    fulfillment_status: order.fulfillment_status,
    updated_at: order.updated_at,
    // v2 keeps a fulfillment's tracking numbers in its labels (v1: tracking_links), in the page's order.
    fulfillments: (order.fulfillments ?? []).map((fulfillment) => ({
      id: fulfillment.id,
      shipped_at: fulfillment.shipped_at,
      canceled_at: fulfillment.canceled_at,
      tracking_links: (fulfillment.labels ?? []).flatMap((label) =>
        label.tracking_number ? [{ tracking_number: label.tracking_number }] : [],
      ),
    })),
    refunds: payments.flatMap((payment) => (payment.refunds ?? []).map((refund) => ({ id: refund.id }))),
    payments: payments.map((payment) => ({ provider_id: payment.provider_id })),
  }
}
