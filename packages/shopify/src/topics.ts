/**
 * The webhook topics this adapter handles, as `@shopify/shopify-api`'s validate() reports them
 * (`fulfillments/create` → `FULFILLMENTS_CREATE`). Subscribe to them in shopify.app.toml (see
 * docs/shopify.md); any other topic is acknowledged and ignored.
 */
export const ORDER_TOPICS = [
  "ORDERS_CREATE",
  "ORDERS_UPDATED",
  "ORDERS_PAID",
  "ORDERS_FULFILLED",
  "ORDERS_PARTIALLY_FULFILLED",
  "ORDERS_EDITED",
] as const
export const FULFILLMENT_TOPICS = ["FULFILLMENTS_CREATE", "FULFILLMENTS_UPDATE"] as const
export const REFUND_TOPICS = ["REFUNDS_CREATE"] as const
export const CANCEL_TOPICS = ["ORDERS_CANCELLED"] as const
export const TRANSACTION_TOPICS = ["ORDER_TRANSACTIONS_CREATE"] as const
export const PRIVACY_TOPICS = ["CUSTOMERS_DATA_REQUEST", "CUSTOMERS_REDACT", "SHOP_REDACT"] as const

export type TopicKind = "order" | "fulfillment" | "refund" | "cancel" | "transaction" | "privacy" | "ignored"

export function topicKind(topic: string): TopicKind {
  const normalized = topic.toUpperCase().replace(/[/.]/g, "_")
  const is = (list: readonly string[]) => list.includes(normalized)
  if (is(ORDER_TOPICS)) return "order"
  if (is(FULFILLMENT_TOPICS)) return "fulfillment"
  if (is(REFUND_TOPICS)) return "refund"
  if (is(CANCEL_TOPICS)) return "cancel"
  if (is(TRANSACTION_TOPICS)) return "transaction"
  if (is(PRIVACY_TOPICS)) return "privacy"
  return "ignored"
}
