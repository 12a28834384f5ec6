/**
 * Carriers by the codes Klarna uses in shipping_info.shipping_company: their display name and, for the
 * well-known ones, the public tracking page of a tracking number. One table for the engine (the
 * tracking_uri Klarna shows the customer, shipping-info.ts) and the admin widget (the link on each
 * tracking number), so both point to the same page. Plain TypeScript without Node dependencies: the
 * admin bundle imports it too.
 */

interface Carrier {
  name: string
  /** The tracking page of an (already URI-encoded) tracking number. */
  trackingPage?: (encodedTrackingNumber: string) => string
}

const DHL_PAGE = (n: string) => `https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id=${n}`

/** Keys are normalised: lower case without spaces, dashes or underscores ("dhl-express" → "dhlexpress"). */
const CARRIERS: Readonly<Record<string, Carrier>> = {
  postnord: { name: "PostNord", trackingPage: (n) => `https://www.postnord.se/en/our-tools/track-and-trace?shipmentId=${n}` },
  dhl: { name: "DHL", trackingPage: DHL_PAGE },
  dhlexpress: { name: "DHL Express", trackingPage: DHL_PAGE },
  ups: { name: "UPS", trackingPage: (n) => `https://www.ups.com/track?tracknum=${n}` },
  fedex: { name: "FedEx", trackingPage: (n) => `https://www.fedex.com/fedextrack/?trknbr=${n}` },
  bring: { name: "Bring", trackingPage: (n) => `https://tracking.bring.com/tracking/${n}` },
  budbee: { name: "Budbee" },
  gls: { name: "GLS" },
  dpd: { name: "DPD" },
  instabox: { name: "Instabox" },
  usps: { name: "USPS", trackingPage: (n) => `https://tools.usps.com/go/TrackConfirmAction?tLabels=${n}` },
}

function carrierOf(shippingCompany: string | undefined): Carrier | undefined {
  if (!shippingCompany) return undefined
  return CARRIERS[
    shippingCompany
      .trim()
      .toLowerCase()
      .replace(/[\s_-]+/g, "")
  ]
}

/** "postnord" → "PostNord"; an unknown code is returned as it is. */
export function carrierName(shippingCompany: string | undefined): string | undefined {
  if (!shippingCompany) return undefined
  return carrierOf(shippingCompany)?.name ?? shippingCompany
}

/** The carrier's public tracking page for the number, or undefined (unknown carrier, no public page, no number). */
export function carrierTrackingUrl(shippingCompany: string | undefined, trackingNumber: string | undefined): string | undefined {
  const number = trackingNumber?.trim()
  const page = carrierOf(shippingCompany)?.trackingPage
  if (!number || !page) return undefined
  return page(encodeURIComponent(number))
}

const isWebUrl = (url: string | undefined): url is string => Boolean(url && /^https?:\/\/\S+$/i.test(url.trim()))

/**
 * Where a customer follows a parcel: the URL the store recorded for it (an http(s) one; anything else
 * would be a broken or unsafe link), else the carrier's tracking page for the number, else none.
 */
export function trackingUrlFor(tracking: { trackingNumber?: string; trackingUrl?: string; shippingCompany?: string }): string | undefined {
  if (isWebUrl(tracking.trackingUrl)) return tracking.trackingUrl.trim()
  return carrierTrackingUrl(tracking.shippingCompany, tracking.trackingNumber)
}
