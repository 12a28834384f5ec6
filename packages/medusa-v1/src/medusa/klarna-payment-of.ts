/** Finds the Klarna order id of a Medusa order's payment, where the plugin options say it is kept. */
import type { KlarnaPluginOptions } from "./plugin-options"

export interface PaymentLike {
  provider_id: string
  amount: number
  data?: Record<string, unknown> | null
  canceled_at?: Date | string | null
}

export function klarnaOrderIdAt(data: Record<string, unknown> | null | undefined, path: string): string | undefined {
  let value: unknown = data ?? undefined
  for (const key of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined
    value = (value as Record<string, unknown>)[key]
  }
  return typeof value === "string" && value.length > 0 ? value : undefined
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
