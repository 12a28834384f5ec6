/**
 * Admin widget (Medusa v2 dashboard) on the order page, after its own sections: what Klarna holds for the
 * order — amounts, captures with their lines and tracking, refunds, failed sync calls with Klarna's own
 * error — and the merchant's levers: Retry, Release remaining, Resend, Check with Klarna, Refund in Klarna
 * for a canceled order. Orders not paid with Klarna show nothing (the API answers 404).
 * The panel is the Medusa v1 plugin's (packages/admin-widget); this dashboard gives it its API client
 * (fetch + React Query 5), its card frame and its toasts.
 */
import { defineWidgetConfig } from "@medusajs/admin-sdk"
import { toast } from "@medusajs/ui"
import { KlarnaPanel } from "../../../../admin-widget/src/components/klarna-panel"
import type { Notify } from "../../../../admin-widget/src/components/notify"
import { KlarnaApiProvider } from "../../../../admin-widget/src/lib/api"
import { Card } from "../components/card"
import { v2KlarnaApi } from "../lib/api"
import { panelOrderOfV2, type V2WidgetOrder } from "../lib/widget-order"

/** The dashboard's toasts, as v1's admin hands them to widgets. */
const notify: Notify = {
  success: (title, message) => void toast.success(title, { description: message }),
  error: (title, message) => void toast.error(title, { description: message }),
  warn: (title, message) => void toast.warning(title, { description: message }),
  info: (title, message) => void toast.info(title, { description: message }),
}

const KlarnaOrderWidget = ({ data }: { data: V2WidgetOrder }) => {
  return (
    <KlarnaApiProvider value={v2KlarnaApi}>
      <KlarnaPanel order={panelOrderOfV2(data)} notify={notify} Card={Card} />
    </KlarnaApiProvider>
  )
}

export const config = defineWidgetConfig({ zone: "order.details.after" })

export default KlarnaOrderWidget
