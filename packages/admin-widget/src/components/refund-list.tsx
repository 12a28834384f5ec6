/** Klarna refunds of the order, with their lines. */
import { Badge } from "@medusajs/ui"
import type { KlarnaRefund } from "../lib/types"
import { formatMoney } from "../lib/money"
import { formatDateTime } from "../lib/labels"
import { OrderLines } from "./order-lines"
import { Section } from "./section"

export function RefundList({ refunds, currency }: { refunds: KlarnaRefund[]; currency: string }) {
  if (refunds.length === 0) return null
  return (
    <Section title={`Refunds (${refunds.length})`} testId="klarna-refunds">
      <ul className="flex flex-col gap-y-3">
        {refunds.map((refund, index) => (
          <li key={refund.id} className="rounded-lg border-ui-border-base border p-4" data-testid="klarna-refund">
            <div className="flex items-start justify-between gap-x-4">
              <div className="min-w-0">
                <div className="flex items-center gap-x-2">
                  <span className="txt-compact-small-plus text-ui-fg-base">Refund {index + 1}</span>
                  {refund.status !== "refunded" && (
                    <Badge size="2xsmall" color="orange">
                      {refund.status === "pending" ? "Pending" : refund.status}
                    </Badge>
                  )}
                </div>
                <div className="txt-compact-small text-ui-fg-subtle mt-0.5 truncate">
                  {[formatDateTime(refund.refunded_at), refund.refund_id].filter(Boolean).join(" · ")}
                </div>
              </div>
              <span className="txt-compact-small-plus text-ui-fg-base whitespace-nowrap">−{formatMoney(refund.refunded_amount, currency)}</span>
            </div>
            {refund.order_lines.length > 0 && (
              <div className="mt-3">
                <OrderLines lines={refund.order_lines} currency={currency} />
              </div>
            )}
          </li>
        ))}
      </ul>
    </Section>
  )
}
