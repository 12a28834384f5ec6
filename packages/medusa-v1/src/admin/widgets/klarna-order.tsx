/**
 * Admin widget (Medusa v1 admin extension) in the order details page, under the Customer card: what
 * Klarna holds for the order — amounts, captures with their lines and tracking, refunds, failed sync
 * calls with Klarna's own error — and the merchant's levers: Retry, Release remaining, Resend.
 * Orders not paid with Klarna show nothing. Loaded only with the plugin option `enableUI: true`.
 * The panel is shared with the Medusa v2 plugin (packages/admin-widget); this admin gives it its API
 * client (medusa-react) and its card frame.
 */
import type { OrderDetailsWidgetProps, WidgetConfig } from "@medusajs/admin"
import { KlarnaPanel } from "../../../../admin-widget/src/components/klarna-panel"
import { KlarnaApiProvider } from "../../../../admin-widget/src/lib/api"
import { Card } from "../components/card"
import { v1KlarnaApi } from "../lib/api"

const KlarnaOrderWidget = ({ order, notify }: OrderDetailsWidgetProps) => {
  return (
    <KlarnaApiProvider value={v1KlarnaApi}>
      <KlarnaPanel order={order} notify={notify} Card={Card} />
    </KlarnaApiProvider>
  )
}

export const config: WidgetConfig = {
  zone: "order.details.after",
}

export default KlarnaOrderWidget
