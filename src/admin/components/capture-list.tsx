/** One row per Klarna capture: what was captured (lines), where it is (tracking), and Resend. */
import { Badge, Button, Tooltip } from "@medusajs/ui"
import { EnvelopeSolid } from "@medusajs/icons"
import type { KlarnaCapture } from "../lib/types"
import { formatMoney } from "../lib/money"
import { formatDateTime } from "../lib/labels"
import { messageOf, useResendToCustomer } from "../lib/api"
import type { Notify } from "./notify"
import { OrderLines } from "./order-lines"
import { Section } from "./card"
import { TrackingList } from "./tracking-list"

function ResendButton(props: { orderId: string; captureId: string; notify: Notify; onQueued: () => void }) {
  const resend = useResendToCustomer(props.orderId, props.captureId)
  return (
    <Tooltip content="Klarna sends the customer the payment details for this capture again">
      <Button
        variant="transparent"
        size="small"
        className="text-ui-fg-subtle"
        isLoading={resend.isLoading}
        data-testid="klarna-resend"
        onClick={() =>
          resend.mutate({} as Record<string, never>, {
            onSuccess: () => {
              props.notify.success("Klarna", "Klarna will send the customer communication again")
              props.onQueued()
            },
            onError: (error) => props.notify.error("Klarna", messageOf(error)),
          })
        }
      >
        <EnvelopeSolid className="text-ui-fg-muted" />
        Resend
      </Button>
    </Tooltip>
  )
}

function CaptureRow(props: { index: number; capture: KlarnaCapture; currency: string; orderId: string; notify: Notify; onChanged: () => void }) {
  const { capture } = props
  const captured = capture.status === "captured" && capture.capture_id
  return (
    <li
      className="rounded-rounded border-grey-20 border p-4"
      data-testid="klarna-capture"
      data-capture-id={capture.capture_id ?? ""}
      data-capture-status={capture.status}
    >
      <div className="flex items-start justify-between gap-x-4">
        <div className="min-w-0">
          <div className="flex items-center gap-x-2">
            <span className="inter-small-semibold text-grey-90">Capture {props.index + 1}</span>
            {!captured && (
              <Badge size="2xsmall" color="orange">
                {capture.status === "pending" ? "Not captured yet" : capture.status}
              </Badge>
            )}
          </div>
          <div className="inter-small-regular text-grey-50 mt-0.5 truncate">
            {[formatDateTime(capture.captured_at), capture.capture_id].filter(Boolean).join(" · ")}
          </div>
        </div>
        <div className="flex shrink-0 items-center gap-x-2">
          <span className={captured ? "inter-small-semibold text-grey-90" : "inter-small-semibold text-grey-40"} data-testid="klarna-capture-amount">
            {formatMoney(capture.captured_amount, props.currency)}
          </span>
          {captured && (
            <ResendButton orderId={props.orderId} captureId={capture.capture_id as string} notify={props.notify} onQueued={props.onChanged} />
          )}
        </div>
      </div>
      <div className="mt-3">
        <OrderLines lines={capture.order_lines} currency={props.currency} />
      </div>
      <div className="border-grey-20 mt-3 border-t border-dashed pt-3">
        <TrackingList entries={capture.shipping_info} />
      </div>
    </li>
  )
}

/** In the order Klarna took them; those not captured yet last. */
function inCaptureOrder(captures: KlarnaCapture[]): KlarnaCapture[] {
  const at = (capture: KlarnaCapture) => (capture.captured_at ? Date.parse(capture.captured_at) : Number.POSITIVE_INFINITY)
  return [...captures].sort((a, b) => at(a) - at(b))
}

export function CaptureList(props: { captures: KlarnaCapture[]; currency: string; orderId: string; notify: Notify; onChanged: () => void }) {
  return (
    <Section title={`Captures (${props.captures.length})`} testId="klarna-captures">
      {props.captures.length === 0 ? (
        <p className="inter-small-regular text-grey-50">Nothing captured yet. Each fulfillment becomes a capture.</p>
      ) : (
        <ul className="flex flex-col gap-y-3">
          {inCaptureOrder(props.captures).map((capture, index) => (
            <CaptureRow
              key={capture.id}
              index={index}
              capture={capture}
              currency={props.currency}
              orderId={props.orderId}
              notify={props.notify}
              onChanged={props.onChanged}
            />
          ))}
        </ul>
      )}
    </Section>
  )
}
