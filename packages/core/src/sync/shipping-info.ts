/**
 * Klarna shipping_info entries from a fulfillment's tracking: one entry per tracking number, so a
 * parcel split over several tracking numbers shows as several parcels in the Klarna app.
 *
 * A tracking value is sent exactly as typed or not at all: a cut tracking number is a wrong tracking
 * number, a cut carrier or link a wrong one. A value Klarna would refuse is left out of what is sent
 * (everything else still goes) and reported as a refusal, which the actions park as a failed job the
 * merchant sees (refusals.ts).
 */
import type { KlarnaShippingInfo, ShippingMethod } from "../klarna/types"
import { trackingUrlFor } from "./carriers"
import type { FulfillmentSnapshot } from "./order-model"
import { codePointLength, isWellFormed } from "./order-lines/text"

/** Klarna's shipping_method values (the plugin options' `shippingMethod` is one of them). */
export const SHIPPING_METHODS: readonly ShippingMethod[] = [
  "PickUpStore",
  "Home",
  "BoxReg",
  "BoxUnreg",
  "PickUpPoint",
  "Own",
  "Postal",
  "DHLPackstation",
  "Digital",
  "Undefined",
  "PickUpWarehouse",
  "ClickCollect",
  "PalletDelivery",
]

/**
 * Klarna's limits (om-api-notes §2, the OM schema's maxLength): longer values are refused with 422.
 * JSON Schema counts code points (an emoji is one), so do we; so does the simulator (Ajv).
 */
export const TRACKING_LIMITS = { tracking_number: 100, shipping_company: 100, tracking_uri: 1024 } as const

export type TrackingField = keyof typeof TRACKING_LIMITS

/** A tracking value that cannot reach Klarna intact. */
export interface RefusedTrackingValue {
  field: TrackingField
  value: string
  /** Why, for the merchant: `tracking_number "…" is 200 characters; Klarna accepts at most 100: not sent`. */
  message: string
}

export interface ShippingInfoPlan {
  entries: KlarnaShippingInfo[]
  refused: RefusedTrackingValue[]
}

/** Why `value` cannot be sent in `field`, or null when it can. */
function refusal(field: TrackingField, value: string): RefusedTrackingValue | null {
  if (!isWellFormed(value)) {
    return { field, value, message: `${field} ${JSON.stringify(value)} contains a broken character: not sent` }
  }
  const length = codePointLength(value)
  const max = TRACKING_LIMITS[field]
  if (length <= max) return null
  return { field, value, message: `${field} "${value}" is ${length} characters; Klarna accepts at most ${max}: not sent` }
}

/** What can be sent of a fulfillment's tracking, and what cannot (each refused value once). */
export function planShippingInfo(fulfillment: FulfillmentSnapshot): ShippingInfoPlan {
  const method =
    fulfillment.shippingMethod && (SHIPPING_METHODS as readonly string[]).includes(fulfillment.shippingMethod)
      ? (fulfillment.shippingMethod as ShippingMethod)
      : undefined
  const refused: RefusedTrackingValue[] = []
  const refuse = (field: TrackingField, value: string): boolean => {
    const found = refusal(field, value)
    if (found && !refused.some((known) => known.field === field && known.value === value)) refused.push(found)
    return found !== null
  }
  const company =
    fulfillment.shippingCompany && !refuse("shipping_company", fulfillment.shippingCompany) ? fulfillment.shippingCompany : undefined
  const entries: KlarnaShippingInfo[] = []
  for (const tracking of fulfillment.trackings) {
    const trackingNumber = tracking.trackingNumber.trim()
    if (trackingNumber === "" || refuse("tracking_number", trackingNumber)) continue
    const entry: KlarnaShippingInfo = { tracking_number: trackingNumber }
    if (company) entry.shipping_company = company
    if (method) entry.shipping_method = method
    // The fulfillment's own tracking URL, else the carrier's page for the number (carriers.ts, the
    // table the widget links with). A URL Klarna would refuse is left out, never cut.
    const trackingUri = trackingUrlFor({ ...tracking, shippingCompany: company })
    if (trackingUri && !refuse("tracking_uri", trackingUri)) entry.tracking_uri = trackingUri
    entries.push(entry)
  }
  return { entries, refused }
}

/** The entries that can be sent (see planShippingInfo for what cannot). */
export function shippingInfoFor(fulfillment: FulfillmentSnapshot): KlarnaShippingInfo[] {
  return planShippingInfo(fulfillment).entries
}

/** The entries Klarna does not have yet, matched by tracking number. */
export function newShippingInfo(wanted: KlarnaShippingInfo[], sent: KlarnaShippingInfo[]): KlarnaShippingInfo[] {
  const known = new Set(sent.map((entry) => entry.tracking_number))
  return wanted.filter((entry) => !known.has(entry.tracking_number))
}

/**
 * The entries Klarna does not have yet with this carrier: after a refused carrier was fixed, the
 * tracking numbers that went without it go again with it.
 */
export function newShippingInfoWithCarrier(wanted: KlarnaShippingInfo[], sent: KlarnaShippingInfo[]): KlarnaShippingInfo[] {
  const keyOf = (entry: KlarnaShippingInfo) => `${entry.tracking_number}\u0000${entry.shipping_company ?? ""}`
  const known = new Set(sent.map(keyOf))
  return wanted.filter((entry) => !known.has(keyOf(entry)))
}
