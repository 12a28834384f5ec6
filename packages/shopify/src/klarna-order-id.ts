/**
 * Which Shopify orders the sync may act on, and with which Klarna order. Shopify does not give apps the
 * Klarna order id (Klarna's own app keeps it to itself), so it comes from a configurable source, and an
 * order is a Klarna order only when it was also paid through a Klarna gateway. Everything else is
 * recorded with the reason and never sent to Klarna.
 */
import type { KlarnaOrderIdSource, ShopifyAdapterOptions } from "./options"
import type { OrderPayload, TransactionPayload } from "./payloads"
import { truncateText } from "@klarna-order-sync/core"

export type KlarnaStatus =
  /** Paid with Klarna and the Klarna order id is known: the engine may act (per the mode). */
  | "klarna"
  /** No order payload seen yet (a fulfillment or refund arrived first): nothing can be decided. */
  | "awaiting_order"
  /** Not paid through a Klarna gateway (e.g. a card, or Shopify Payments' own Klarna). */
  | "not_klarna"
  /** Paid through a Klarna gateway, but no configured source holds the Klarna order id. */
  | "no_klarna_order_id"
  /** The source holds something that is not a Klarna order id. */
  | "invalid_klarna_order_id"

export interface KlarnaResolution {
  status: KlarnaStatus
  klarnaOrderId: string | null
  /** Where the id came from (e.g. `note_attribute:klarna_order_id`), or why the order is left alone. */
  detail: string
}

export function isKlarnaGateway(gateway: string | null | undefined, options: Pick<ShopifyAdapterOptions, "klarnaGateways">): boolean {
  if (!gateway || gateway === "gift_card") return false
  const name = gateway.toLowerCase()
  return options.klarnaGateways.some((pattern) => pattern === "*" || name.includes(pattern.toLowerCase()))
}

function describe(source: KlarnaOrderIdSource): string {
  if (source.type === "metafield") return `metafield:${source.namespace}.${source.key}`
  if (source.type === "note_attribute") return `note_attribute:${source.name}`
  return "transaction"
}

function text(value: unknown): string | null {
  if (typeof value !== "string" && typeof value !== "number") return null
  const trimmed = String(value).trim()
  return trimmed === "" ? null : trimmed
}

/** The first configured source that holds a value, from the full (not yet minimised) order payload. */
export function findKlarnaOrderId(
  order: OrderPayload | null,
  transactions: TransactionPayload[],
  options: Pick<ShopifyAdapterOptions, "klarnaOrderIdSources" | "klarnaGateways">,
): { value: string; source: string } | null {
  for (const source of options.klarnaOrderIdSources) {
    let value: string | null = null
    if (source.type === "note_attribute") {
      value = text(order?.note_attributes?.find((attribute) => attribute.name === source.name)?.value)
    } else if (source.type === "metafield") {
      value = text(order?.metafields?.find((field) => field.namespace === source.namespace && field.key === source.key)?.value)
    } else {
      const authorizing = transactions
        .filter(
          (t) =>
            ["authorization", "sale", "capture"].includes(t.kind ?? "") && t.status === "success" && isKlarnaGateway(t.gateway, options),
        )
        .sort((a, b) => (a.created_at ?? "").localeCompare(b.created_at ?? ""))
      value = text(authorizing.find((t) => text(t.authorization))?.authorization)
    }
    if (value) return { value, source: describe(source) }
  }
  return null
}

/**
 * Classifies an order. `known` is the Klarna order id recorded earlier (it is never replaced: captures
 * already made belong to it); `found` what the sources hold now.
 */
export function resolveKlarnaOrder(
  order: OrderPayload | null,
  known: string | null,
  found: { value: string; source: string } | null,
  options: Pick<ShopifyAdapterOptions, "klarnaGateways" | "klarnaOrderIdPattern">,
): KlarnaResolution {
  const candidate = known ?? found?.value ?? null
  if (!order) return { status: "awaiting_order", klarnaOrderId: candidate, detail: "no order payload received yet" }
  const gateways = order.payment_gateway_names ?? []
  if (!gateways.some((gateway) => isKlarnaGateway(gateway, options))) {
    return {
      status: "not_klarna",
      klarnaOrderId: null,
      detail: `paid through ${gateways.length > 0 ? gateways.join(", ") : "no gateway"}, not a Klarna gateway (${options.klarnaGateways.join(", ")})`,
    }
  }
  if (!candidate) return { status: "no_klarna_order_id", klarnaOrderId: null, detail: "no configured source holds a Klarna order id" }
  if (!options.klarnaOrderIdPattern.test(candidate)) {
    return {
      status: "invalid_klarna_order_id",
      klarnaOrderId: null,
      detail: `"${truncateText(candidate, 80, { ellipsis: true })}" is not a Klarna order id`,
    }
  }
  return { status: "klarna", klarnaOrderId: candidate, detail: known ? "recorded earlier" : (found?.source ?? "recorded earlier") }
}
