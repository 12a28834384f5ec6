/**
 * Where the authorization stands: one bar (captured, of which refunded; released or cancelled; still
 * open), the five amounts under it in the order's currency, and in words what will not be captured.
 */
import type { KlarnaOrder } from "../lib/types"
import { formatMoney } from "../lib/money"
import { notCapturedForGood, settlementNote } from "../lib/settlement"

const SEGMENTS = {
  captured: "bg-ui-tag-green-icon",
  refunded: "bg-ui-tag-orange-icon",
  released: "bg-ui-tag-neutral-icon",
  remaining: "bg-ui-bg-component",
} as const

function share(part: number, whole: number): string {
  if (whole <= 0 || part <= 0) return "0%"
  return `${Math.min(100, (part / whole) * 100)}%`
}

export function AmountsSummary({ view }: { view: KlarnaOrder }) {
  const { authorized, captured, refunded, remaining } = view.amounts
  const money = (minor: number) => formatMoney(minor, view.currency)
  const keptCaptured = Math.max(captured - refunded, 0)
  const cancelled = view.status === "CANCELLED"
  const released = notCapturedForGood(view)
  const note = settlementNote(view)
  const items: { key: string; label: string; amount: number; dot?: string }[] = [
    { key: "authorized", label: "Authorized", amount: authorized },
    { key: "captured", label: "Captured", amount: captured, dot: SEGMENTS.captured },
    { key: "refunded", label: "Refunded", amount: refunded, dot: SEGMENTS.refunded },
    { key: "released", label: cancelled ? "Cancelled" : "Released", amount: released, dot: SEGMENTS.released },
    { key: "remaining", label: "Remaining", amount: remaining, dot: "bg-ui-tag-neutral-border" },
  ]
  return (
    <div className="mt-6" data-testid="klarna-amounts">
      <div
        className="bg-ui-bg-component flex h-2 w-full overflow-hidden rounded-full"
        role="img"
        aria-label={`Captured ${money(captured)} of ${money(authorized)} authorized, refunded ${money(refunded)}, ${cancelled ? "cancelled" : "released"} ${money(released)}, remaining ${money(remaining)}`}
      >
        <div className={SEGMENTS.captured} style={{ width: share(keptCaptured, authorized) }} />
        <div className={SEGMENTS.refunded} style={{ width: share(Math.min(refunded, captured), authorized) }} />
        <div className={SEGMENTS.released} style={{ width: share(released, authorized) }} />
      </div>
      <dl className="mt-4 grid grid-cols-5 divide-x divide-ui-border-base">
        {items.map((item, index) => (
          <div key={item.key} className={index === 0 ? "pr-4" : "px-4"} data-testid={`klarna-amount-${item.key}`}>
            <dt className="txt-compact-small text-ui-fg-subtle mb-1 flex items-center gap-x-1.5">
              {item.dot && <span className={`inline-block h-2 w-2 rounded-full ${item.dot}`} />}
              {item.label}
            </dt>
            <dd className="txt-compact-medium-plus text-ui-fg-base whitespace-nowrap">{money(item.amount)}</dd>
          </div>
        ))}
      </dl>
      {note && (
        <p className="txt-compact-small text-ui-fg-subtle mt-3" data-testid="klarna-settlement">
          {note}
        </p>
      )}
    </div>
  )
}
