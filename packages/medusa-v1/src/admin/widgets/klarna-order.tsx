/**
 * Admin widget (Medusa v1 admin extension) in the order details page, under the Customer card: what
 * Klarna holds for the order — amounts, captures with their lines and tracking, refunds, failed sync
 * calls with Klarna's own error — and the merchant's levers: Retry, Release remaining, Resend.
 * Orders not paid with Klarna show nothing. Loaded only with the plugin option `enableUI: true`.
 */
import type { OrderDetailsWidgetProps, WidgetConfig } from "@medusajs/admin"
import { KlarnaPanel } from "../components/klarna-panel"

const KlarnaOrderWidget = ({ order, notify }: OrderDetailsWidgetProps) => {
  return <KlarnaPanel order={order} notify={notify} />
}

export const config: WidgetConfig = {
  zone: "order.details.after",
}

export default KlarnaOrderWidget
