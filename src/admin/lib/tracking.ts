/**
 * Carriers as Klarna names them in shipping_info.shipping_company, for display, and a tracking page for
 * the well-known ones when the store did not record a tracking URL itself.
 */

const CARRIERS: Record<string, { name: string; trackingUrl?: (trackingNumber: string) => string }> = {
  postnord: { name: "PostNord", trackingUrl: (n) => `https://www.postnord.se/en/our-tools/track-and-trace?shipmentId=${n}` },
  dhl: { name: "DHL", trackingUrl: (n) => `https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id=${n}` },
  // Klarna's carrier codes use dashes ("dhl-express"); keys here are normalised without them.
  dhlexpress: { name: "DHL Express", trackingUrl: (n) => `https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id=${n}` },
  ups: { name: "UPS", trackingUrl: (n) => `https://www.ups.com/track?tracknum=${n}` },
  fedex: { name: "FedEx", trackingUrl: (n) => `https://www.fedex.com/fedextrack/?trknbr=${n}` },
  bring: { name: "Bring", trackingUrl: (n) => `https://tracking.bring.com/tracking/${n}` },
  budbee: { name: "Budbee" },
  gls: { name: "GLS" },
  dpd: { name: "DPD" },
  instabox: { name: "Instabox" },
  usps: { name: "USPS", trackingUrl: (n) => `https://tools.usps.com/go/TrackConfirmAction?tLabels=${n}` },
}

function carrierOf(shippingCompany: string | undefined) {
  if (!shippingCompany) return undefined
  return CARRIERS[shippingCompany.trim().toLowerCase().replace(/[\s_-]+/g, "")]
}

/** "postnord" → "PostNord"; an unknown code is shown as it is. */
export function carrierName(shippingCompany: string | undefined): string | undefined {
  if (!shippingCompany) return undefined
  return carrierOf(shippingCompany)?.name ?? shippingCompany
}

/** The URL the store gave (what Klarna shows the customer), else the carrier's tracking page, else none. */
export function trackingHref(entry: { tracking_number?: string; tracking_uri?: string; shipping_company?: string }): string | undefined {
  if (entry.tracking_uri && /^https?:\/\//i.test(entry.tracking_uri)) return entry.tracking_uri
  const carrier = carrierOf(entry.shipping_company)
  if (!entry.tracking_number || !carrier?.trackingUrl) return undefined
  return carrier.trackingUrl(encodeURIComponent(entry.tracking_number))
}
