/**
 * A canceled order that still has captured money: Medusa will not refund a canceled order, so the
 * money stays with the merchant unless refunded in Klarna. Says so, with the amount, and offers the
 * refund here (POST /admin/klarna/orders/:id/refund, a sync job like every Klarna call).
 */
import { Alert, Button, Input, Label, usePrompt } from "@medusajs/ui"
import { useState } from "react"
import { parseMinorUnits } from "../lib/amount-input"
import { messageOf, useKlarnaApi } from "../lib/api"
import { currencyDigits, formatMoney, minorToDecimalString } from "../lib/money"
import type { KlarnaOrder } from "../lib/types"
import type { Notify } from "./notify"

export function CanceledOrderRefund(props: { view: KlarnaOrder; orderCanceled: boolean; notify: Notify; onChanged: () => void }) {
  const { view, notify, onChanged } = props
  const refundable = Math.max(view.amounts.captured - view.amounts.refunded, 0)
  const [amountText, setAmountText] = useState(() => minorToDecimalString(refundable, currencyDigits(view.currency)))
  const refund = useKlarnaApi().useRefundInKlarna(view.order_id)
  const prompt = usePrompt()
  if (!props.orderCanceled || refundable <= 0) return null

  const amount = parseMinorUnits(amountText, view.currency)
  const valid = amount !== null && amount > 0 && amount <= refundable
  const refundUnderWay = view.jobs.some((job) => job.operation === "refund" && (job.state === "pending" || job.state === "running"))

  const onRefund = async () => {
    if (!valid || amount === null) return
    const confirmed = await prompt({
      title: "Refund in Klarna?",
      description: `Klarna refunds ${formatMoney(amount, view.currency)} to the customer. This cannot be undone.`,
      confirmText: "Refund",
      cancelText: "Cancel",
    })
    if (!confirmed) return
    refund.mutate(
      { amount, description: "Refund of a canceled order" },
      {
        onSuccess: () => {
          notify.success("Klarna", `Refunding ${formatMoney(amount, view.currency)} in Klarna`)
          onChanged()
        },
        onError: (error) => notify.error("Klarna", messageOf(error)),
      },
    )
  }

  return (
    <Alert variant="warning" className="mt-6" data-testid="klarna-canceled-captured">
      <p className="txt-compact-small-plus">
        This order is canceled, but the customer was charged {formatMoney(refundable, view.currency)} in Klarna.
      </p>
      <p className="txt-compact-small mt-1">
        Medusa does not refund a canceled order. Refund it in Klarna here, or keep it if the goods were delivered.
      </p>
      <div className="mt-3 flex items-end gap-x-2">
        <div className="flex flex-col gap-y-1">
          <Label htmlFor="klarna-refund-amount" size="small">
            Amount ({view.currency.toUpperCase()})
          </Label>
          <Input
            id="klarna-refund-amount"
            size="small"
            inputMode="decimal"
            value={amountText}
            onChange={(event) => setAmountText(event.target.value)}
            aria-invalid={!valid}
            data-testid="klarna-refund-amount"
          />
        </div>
        <Button
          variant="secondary"
          size="small"
          disabled={!valid || refundUnderWay}
          isLoading={refund.isLoading}
          onClick={() => void onRefund()}
          data-testid="klarna-refund-in-klarna"
        >
          Refund in Klarna
        </Button>
      </div>
      {!valid && (
        <p className="txt-compact-small mt-1 text-ui-fg-error" data-testid="klarna-refund-amount-error">
          Enter an amount up to {formatMoney(refundable, view.currency)}
        </p>
      )}
    </Alert>
  )
}
