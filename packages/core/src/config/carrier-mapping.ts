/** Which Klarna carrier code (shipping_company) a platform fulfillment ships with, by the plugin options. */
import type { KlarnaPluginOptions } from "./plugin-options"

export interface FulfillmentCarrierFacts {
  /** The fulfillment's metadata: `klarna_shipping_company` set there wins. */
  metadata?: Record<string, unknown> | null
  /** The platform's fulfillment provider id (carrierMapping key). */
  provider_id?: string | null
}

/** Per fulfillment `metadata.klarna_shipping_company` first, then the mapping by provider, then by shipping option name. */
export function shippingCompanyFor(
  fulfillment: FulfillmentCarrierFacts,
  shippingOptionName: string | undefined,
  options: Pick<KlarnaPluginOptions, "carrierMapping" | "defaultShippingCompany">,
): string | undefined {
  const fromMetadata = fulfillment.metadata?.klarna_shipping_company
  if (typeof fromMetadata === "string" && fromMetadata.trim() !== "") return fromMetadata.trim()
  if (fulfillment.provider_id && options.carrierMapping[fulfillment.provider_id]) return options.carrierMapping[fulfillment.provider_id]
  if (shippingOptionName && options.carrierMapping[shippingOptionName]) return options.carrierMapping[shippingOptionName]
  return options.defaultShippingCompany
}
