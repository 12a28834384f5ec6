/** The order lines Klarna holds for one capture or refund: "2 × Tomatoes ....... 24,00 kr". */
import type { KlarnaOrderLine } from "../lib/types"
import { formatMoney } from "../lib/money"

function lineName(line: KlarnaOrderLine): string {
  if (line.type === "shipping_fee") return line.name ? `Shipping · ${line.name}` : "Shipping"
  return line.name
}

export function OrderLines({ lines, currency }: { lines: KlarnaOrderLine[]; currency: string }) {
  if (lines.length === 0) return <p className="txt-compact-small text-ui-fg-subtle">No order lines</p>
  return (
    <ul className="flex flex-col gap-y-1" data-testid="klarna-order-lines">
      {lines.map((line, index) => (
        <li key={`${line.reference ?? line.name}-${index}`} className="txt-compact-small flex items-baseline justify-between gap-x-4">
          <span className="text-ui-fg-base min-w-0 truncate">
            {line.type === "shipping_fee" ? null : <span className="text-ui-fg-subtle">{line.quantity} × </span>}
            {lineName(line)}
            {line.reference && line.type !== "shipping_fee" && <span className="text-ui-fg-muted ml-2">{line.reference}</span>}
          </span>
          <span className="text-ui-fg-base whitespace-nowrap">{formatMoney(line.total_amount, currency)}</span>
        </li>
      ))}
    </ul>
  )
}
