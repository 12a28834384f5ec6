import { defineWidgetConfig } from "@medusajs/admin-sdk"

const KlarnaOrderWidget = () => <div data-testid="klarna-order-sync">Klarna</div>

export const config = defineWidgetConfig({ zone: "order.details.after" })

export default KlarnaOrderWidget
