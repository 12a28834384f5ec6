/**
 * Seeds a Medusa v2 store that can check out, through the admin API (no `medusa exec` script to keep in the
 * built project): a sales channel, a region with its tax region, a stock location linked to the channel and to
 * the manual fulfillment provider, a shipping fulfillment set with a service zone, a shipping option and a
 * return option, a publishable key and products. v2 keeps prices in MAJOR units (49 SEK is 49, not 4900).
 */
import type { V2AdminApi } from "./medusa-v2-stack"

export interface V2SeedOptions {
  currency: string
  countryCode: string
  taxRate: number
  /** Major units. */
  shippingPrice: number
  /** Prices in major units; inventory is not managed (manage_inventory: false). */
  products: { title: string; price: number; sku: string }[]
  /** Region payment providers. Default Medusa's built-in "pp_system_default". */
  paymentProviders: string[]
}

export const DEFAULT_V2_SEED: V2SeedOptions = {
  currency: "sek",
  countryCode: "se",
  taxRate: 25,
  shippingPrice: 49,
  products: [
    { title: "Tomatoes", price: 12, sku: "TOM-1" },
    { title: "Rain jacket", price: 899, sku: "JKT-1" },
  ],
  paymentProviders: ["pp_system_default"],
}

export interface V2SeededStore {
  salesChannelId: string
  regionId: string
  stockLocationId: string
  shippingProfileId: string
  shippingOptionId: string
  returnShippingOptionId: string
  publishableKey: string
  /** By SKU. */
  variants: Record<string, { productId: string; variantId: string; price: number }>
}

interface Id {
  id: string
}

export async function seedV2Store(admin: V2AdminApi, overrides: Partial<V2SeedOptions> = {}): Promise<V2SeededStore> {
  const seed = { ...DEFAULT_V2_SEED, ...overrides }
  const { stores } = await admin.get<{ stores: Id[] }>("/admin/stores")
  await admin.post(`/admin/stores/${stores[0].id}`, { supported_currencies: [{ currency_code: seed.currency, is_default: true }] })

  const { sales_channel: channel } = await admin.post<{ sales_channel: Id }>("/admin/sales-channels", { name: "Klarna test store" })
  const { region } = await admin.post<{ region: Id }>("/admin/regions", {
    name: seed.countryCode.toUpperCase(),
    currency_code: seed.currency,
    countries: [seed.countryCode],
    payment_providers: seed.paymentProviders,
    automatic_taxes: true,
  })
  await admin.post("/admin/tax-regions", {
    country_code: seed.countryCode,
    provider_id: "tp_system",
    default_tax_rate: { name: "VAT", code: `VAT${seed.taxRate}`, rate: seed.taxRate },
  })

  const { stock_location: location } = await admin.post<{ stock_location: Id }>("/admin/stock-locations", {
    name: "Warehouse",
    address: { address_1: "Sveavägen 46", city: "Stockholm", country_code: seed.countryCode, postal_code: "111 34" },
  })
  await admin.post(`/admin/stock-locations/${location.id}/sales-channels`, { add: [channel.id] })
  await admin.post(`/admin/stock-locations/${location.id}/fulfillment-providers`, { add: ["manual_manual"] })
  const withSet = await admin.post<{ stock_location: { fulfillment_sets: Id[] } }>(
    `/admin/stock-locations/${location.id}/fulfillment-sets?fields=*fulfillment_sets`,
    { name: "Shipping", type: "shipping" },
  )
  const fulfillmentSetId = withSet.stock_location.fulfillment_sets[0].id
  const withZone = await admin.post<{ fulfillment_set: { service_zones: Id[] } }>(
    `/admin/fulfillment-sets/${fulfillmentSetId}/service-zones`,
    {
      name: seed.countryCode.toUpperCase(),
      geo_zones: [{ type: "country", country_code: seed.countryCode }],
    },
  )
  const serviceZoneId = withZone.fulfillment_set.service_zones[0].id

  const shippingProfileId = await defaultShippingProfile(admin)
  const shippingOption = (name: string, code: string, isReturn: boolean): Promise<{ shipping_option: Id }> =>
    admin.post<{ shipping_option: Id }>("/admin/shipping-options", {
      name,
      service_zone_id: serviceZoneId,
      shipping_profile_id: shippingProfileId,
      provider_id: "manual_manual",
      price_type: "flat",
      type: { label: name, description: name, code },
      prices: [
        { currency_code: seed.currency, amount: seed.shippingPrice },
        { region_id: region.id, amount: seed.shippingPrice },
      ],
      rules: [
        { attribute: "enabled_in_store", value: "true", operator: "eq" },
        { attribute: "is_return", value: String(isReturn), operator: "eq" },
      ],
    })
  const { shipping_option: standard } = await shippingOption("Standard", "standard", false)
  const { shipping_option: returns } = await shippingOption("Return", "return", true)

  const { api_key: key } = await admin.post<{ api_key: Id & { token: string } }>("/admin/api-keys", {
    title: "Storefront",
    type: "publishable",
  })
  await admin.post(`/admin/api-keys/${key.id}/sales-channels`, { add: [channel.id] })

  const variants: V2SeededStore["variants"] = {}
  for (const product of seed.products) {
    const { product: created } = await admin.post<{ product: Id & { variants: Id[] } }>("/admin/products", {
      title: product.title,
      status: "published",
      shipping_profile_id: shippingProfileId,
      options: [{ title: "Default", values: ["Default"] }],
      variants: [
        {
          title: "Default",
          sku: product.sku,
          manage_inventory: false,
          options: { Default: "Default" },
          prices: [{ currency_code: seed.currency, amount: product.price }],
        },
      ],
      sales_channels: [{ id: channel.id }],
    })
    variants[product.sku] = { productId: created.id, variantId: created.variants[0].id, price: product.price }
  }

  return {
    salesChannelId: channel.id,
    regionId: region.id,
    stockLocationId: location.id,
    shippingProfileId,
    shippingOptionId: standard.id,
    returnShippingOptionId: returns.id,
    publishableKey: key.token,
    variants,
  }
}

/** The store's default shipping profile (v2 creates none before the first product): found or created. */
async function defaultShippingProfile(admin: V2AdminApi): Promise<string> {
  const { shipping_profiles: profiles } = await admin.get<{ shipping_profiles: Id[] }>("/admin/shipping-profiles?type=default")
  if (profiles.length > 0) return profiles[0].id
  const { shipping_profile: created } = await admin.post<{ shipping_profile: Id }>("/admin/shipping-profiles", {
    name: "Default",
    type: "default",
  })
  return created.id
}
