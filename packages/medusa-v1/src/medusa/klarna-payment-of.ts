/** Finds the Klarna order id of a Medusa order's payment, where the plugin options say it is kept. */
import { klarnaOrderIdAt } from "@klarna-order-sync/core"
import type { KlarnaPluginOptions } from "./plugin-options"

export { klarnaOrderIdAt }

export interface PaymentLike {
  provider_id: string
  amount: number
  data?: Record<string, unknown> | null
  canceled_at?: Date | string | null
}

/** The payment of a Klarna provider that carries a Klarna order id, if the order has one. */
export function klarnaPaymentOf<P extends PaymentLike>(
  payments: P[] | undefined,
  options: Pick<KlarnaPluginOptions, "klarnaProviderIds" | "orderIdPath">,
) {
  for (const payment of payments ?? []) {
    if (!options.klarnaProviderIds.includes(payment.provider_id)) continue
    const klarnaOrderId = klarnaOrderIdAt(payment.data, options.orderIdPath)
    if (klarnaOrderId) return { payment, klarnaOrderId }
  }
  return undefined
}
