/**
 * Options of the Shopify adapter. On Shopify a third-party app is normally NOT the one that captures
 * Klarna money (Shopify Payments or Klarna's own payments app does; see docs/shopify.md), so the mode
 * is explicit and the default sends nothing.
 */
import type { ShippingMethod } from "@klarna-order-sync/core"

/**
 * - `record_only`: every webhook is verified, deduplicated and recorded; nothing is sent to Klarna.
 * - `tracking_only`: captures, refunds and voids are made by Klarna's own Shopify app (through
 *   Shopify's payment sessions). We only append tracking (`shipping_info`) to the capture Klarna
 *   already holds. Never a capture, refund, release or cancel.
 * - `direct`: this plugin is the only writer to Klarna for these orders (headless / custom checkouts
 *   whose Klarna order was created outside Shopify's payment processing): a capture per shipped
 *   fulfillment with lines and tracking, refunds with lines, cancel / release. Using it while
 *   Klarna's app or Shopify Payments also acts on the order double-captures or double-refunds.
 */
export type ShopifyKlarnaMode = "record_only" | "tracking_only" | "direct"

/** Where the Klarna order id of a Shopify order is found; sources are tried in order. */
export type KlarnaOrderIdSource =
  /** An order metafield (the webhook subscription must include its namespace: `metafield_namespaces`). */
  | { type: "metafield"; namespace: string; key: string }
  /** A note attribute (cart attribute) set by the checkout, e.g. `klarna_order_id`. */
  | { type: "note_attribute"; name: string }
  /**
   * The `authorization` of a successful authorization / sale / capture transaction whose gateway is a
   * Klarna gateway (from `order_transactions/create`). Klarna's own app does NOT put the Klarna order
   * id there (Klarna's docs), so this only fits integrations that do.
   */
  | { type: "transaction" }

export interface ShopifyAdapterOptions {
  mode: ShopifyKlarnaMode
  klarnaOrderIdSources: KlarnaOrderIdSource[]
  /**
   * An order is a Klarna order only if one of its `payment_gateway_names` contains one of these
   * (case-insensitive). `["*"]` accepts any gateway (a headless store recording Klarna as "manual").
   * Shopify Payments' own Klarna (gateway `shopify_payments`) never matches the default: Shopify is the
   * processor there and the merchant's Klarna account does not hold those orders.
   */
  klarnaGateways: string[]
  /** What a Klarna order id must look like (Klarna's are UUIDs); anything else is recorded and ignored. */
  klarnaOrderIdPattern: RegExp
  /** Shopify `tracking_company` → Klarna `shipping_company`; unmapped names are sent as they are. */
  carrierMapping: Record<string, string>
  /** Klarna `shipping_method` for every parcel (e.g. "Home"); omitted when unset. */
  shippingMethod?: ShippingMethod
  /** direct mode: release the remaining authorization once nothing more will ship. */
  autoRelease: boolean
  /** Largest webhook body accepted, in bytes. */
  maxBodyBytes: number
}

export const DEFAULT_KLARNA_ORDER_ID_SOURCES: readonly KlarnaOrderIdSource[] = [
  { type: "note_attribute", name: "klarna_order_id" },
  { type: "metafield", namespace: "klarna", key: "order_id" },
]

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function shopifyAdapterOptions(partial: Partial<ShopifyAdapterOptions> = {}): ShopifyAdapterOptions {
  const options: ShopifyAdapterOptions = {
    mode: partial.mode ?? "record_only",
    klarnaOrderIdSources: partial.klarnaOrderIdSources ?? [...DEFAULT_KLARNA_ORDER_ID_SOURCES],
    klarnaGateways: partial.klarnaGateways ?? ["klarna"],
    klarnaOrderIdPattern: partial.klarnaOrderIdPattern ?? UUID,
    carrierMapping: partial.carrierMapping ?? {},
    shippingMethod: partial.shippingMethod,
    autoRelease: partial.autoRelease ?? true,
    maxBodyBytes: partial.maxBodyBytes ?? 5 * 1024 * 1024,
  }
  if (!["record_only", "tracking_only", "direct"].includes(options.mode)) {
    throw new Error(`shopify: mode must be record_only, tracking_only or direct, got "${String(options.mode)}"`)
  }
  if (options.klarnaOrderIdSources.length === 0) throw new Error("shopify: klarnaOrderIdSources must name at least one source")
  if (options.klarnaGateways.length === 0) throw new Error('shopify: klarnaGateways must name at least one gateway (or "*")')
  return options
}

/**
 * `note_attribute:klarna_order_id,metafield:klarna.order_id,transaction` → sources, in that order.
 */
export function parseKlarnaOrderIdSources(text: string): KlarnaOrderIdSource[] {
  return text
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part): KlarnaOrderIdSource => {
      const [type, rest = ""] = part.split(/:(.*)/s)
      if (type === "transaction") return { type: "transaction" }
      if (type === "note_attribute" && rest) return { type: "note_attribute", name: rest }
      if (type === "metafield") {
        const dot = rest.lastIndexOf(".")
        if (dot > 0 && dot < rest.length - 1) return { type: "metafield", namespace: rest.slice(0, dot), key: rest.slice(dot + 1) }
      }
      throw new Error(
        `shopify: unknown Klarna order id source "${part}" (use note_attribute:<name>, metafield:<namespace>.<key> or transaction)`,
      )
    })
}
