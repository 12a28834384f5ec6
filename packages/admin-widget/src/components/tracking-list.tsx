/** A capture's parcels: carrier and tracking number, linked to the tracking page. */
import { ArrowUpRightMini } from "@medusajs/icons"
import type { KlarnaShippingInfo } from "../lib/types"
import { carrierName, trackingHref } from "../lib/tracking"

export function TrackingList({ entries }: { entries: KlarnaShippingInfo[] }) {
  if (entries.length === 0) {
    return (
      <p className="txt-compact-small text-ui-fg-subtle" data-testid="klarna-no-tracking">
        Not shipped yet: no tracking number
      </p>
    )
  }
  return (
    <ul className="flex flex-col gap-y-1" data-testid="klarna-tracking">
      {entries.map((entry, index) => {
        const href = trackingHref(entry)
        const carrier = carrierName(entry.shipping_company)
        return (
          <li key={`${entry.tracking_number ?? ""}-${index}`} className="txt-compact-small flex items-center gap-x-2">
            <span className="text-ui-fg-subtle w-24 shrink-0 truncate" data-testid="klarna-carrier">
              {carrier ?? "Carrier not set"}
            </span>
            {href ? (
              <a
                href={href}
                target="_blank"
                rel="noopener noreferrer"
                className="text-ui-fg-interactive hover:text-ui-fg-interactive-hover inline-flex items-center"
                data-testid="klarna-tracking-link"
              >
                {entry.tracking_number}
                <ArrowUpRightMini className="-my-1 -ml-0.5 shrink-0" />
              </a>
            ) : (
              <span className="text-ui-fg-base">{entry.tracking_number}</span>
            )}
            {entry.shipping_method && <span className="text-ui-fg-muted">{entry.shipping_method}</span>}
          </li>
        )
      })}
    </ul>
  )
}
