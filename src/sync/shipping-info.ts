/**
 * Klarna shipping_info entries from a fulfillment's tracking: one entry per tracking number, so a
 * parcel split over several tracking numbers shows as several parcels in the Klarna app.
 */
import type { KlarnaShippingInfo, ShippingMethod } from "../klarna/types"
import { trackingUrlFor } from "./carriers"
import type { FulfillmentSnapshot } from "./order-model"

const SHIPPING_METHODS: readonly string[] = [
  "PickUpStore", "Home", "BoxReg", "BoxUnreg", "PickUpPoint", "Own", "Postal", "DHLPackstation", "Digital",
  "Undefined", "PickUpWarehouse", "ClickCollect", "PalletDelivery",
]

/** Klarna's limits (om-api-notes §2): longer values would be rejected with 422. */
const MAX_COMPANY = 100
const MAX_TRACKING_NUMBER = 100
const MAX_TRACKING_URI = 1024

export function shippingInfoFor(fulfillment: FulfillmentSnapshot): KlarnaShippingInfo[] {
  const method = fulfillment.shippingMethod && SHIPPING_METHODS.includes(fulfillment.shippingMethod)
    ? (fulfillment.shippingMethod as ShippingMethod)
    : undefined
  return fulfillment.trackings
    .filter((tracking) => tracking.trackingNumber.trim() !== "")
    .map((tracking) => {
      const entry: KlarnaShippingInfo = { tracking_number: tracking.trackingNumber.trim().slice(0, MAX_TRACKING_NUMBER) }
      if (fulfillment.shippingCompany) entry.shipping_company = fulfillment.shippingCompany.slice(0, MAX_COMPANY)
      if (method) entry.shipping_method = method
      // The fulfillment's own tracking URL, else the carrier's page for the number (carriers.ts, the
      // table the widget links with). A cut URL would be a wrong link: leave it out instead.
      const trackingUri = trackingUrlFor({ ...tracking, shippingCompany: fulfillment.shippingCompany })
      if (trackingUri && trackingUri.length <= MAX_TRACKING_URI) entry.tracking_uri = trackingUri
      return entry
    })
}

/** The entries Klarna does not have yet, matched by tracking number. */
export function newShippingInfo(wanted: KlarnaShippingInfo[], sent: KlarnaShippingInfo[]): KlarnaShippingInfo[] {
  const known = new Set(sent.map((entry) => entry.tracking_number))
  return wanted.filter((entry) => !known.has(entry.tracking_number))
}
