/**
 * Carriers and tracking links in the widget: the engine's carrier table (src/sync/carriers.ts), so the
 * link on a tracking number is the page Klarna was sent as tracking_uri.
 */
import { trackingUrlFor } from "../../../core/src/sync/carriers"

export { carrierName } from "../../../core/src/sync/carriers"

/** The URL the store gave (what Klarna shows the customer), else the carrier's tracking page, else none. */
export function trackingHref(entry: { tracking_number?: string; tracking_uri?: string; shipping_company?: string }): string | undefined {
  return trackingUrlFor({ trackingNumber: entry.tracking_number, trackingUrl: entry.tracking_uri, shippingCompany: entry.shipping_company })
}
