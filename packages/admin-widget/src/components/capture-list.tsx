/** One row per Klarna capture: what was captured (lines), where it is (tracking), and Resend (not for Kustom). */
import { Badge, Button, Tooltip } from "@medusajs/ui"
import { EnvelopeSolid } from "@medusajs/icons"
import type { KlarnaCapture } from "../lib/types"
import { formatMoney } from "../lib/money"
import { formatDateTime } from "../lib/labels"
import { messageOf, useKlarnaApi } from "../lib/api"
import type { Notify } from "./notify"
import { OrderLines } from "./order-lines"
import { Section } from "./section"
import { TrackingList } from "./tracking-list"

function ResendButton(props: { orderId: string; captureId: string; notify: Notify; onQueued: () => void }) {
  const resend = useKlarnaApi().useResendToCustomer(props.orderId, props.captureId)
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

function captureTitle(capture: KlarnaCapture, titles: Map<string, string>): string {
  if (capture.source_type === "remaining") return "Remaining amount"
  // Recorded by reconcile: a capture someone made at Klarna, not from a fulfillment of this store.
  if (capture.source_id.startsWith("klarna:")) return "Captured at Klarna"
  return titles.get(capture.source_id) ?? "Fulfillment"
}

function CaptureRow(props: {
  title: string
  capture: KlarnaCapture
  currency: string
  orderId: string
  resendable: boolean
  notify: Notify
  onChanged: () => void
}) {
  const { capture } = props
  const captured = capture.status === "captured" && capture.capture_id
  return (
    <li
      className="rounded-lg border-ui-border-base border p-4"
      data-testid="klarna-capture"
      data-capture-id={capture.capture_id ?? ""}
      data-capture-status={capture.status}
    >
      <div className="flex items-start justify-between gap-x-4">
        <div className="min-w-0">
          <div className="flex items-center gap-x-2">
            <span className="txt-compact-small-plus text-ui-fg-base" data-testid="klarna-capture-title">
              {props.title}
            </span>
            {!captured && (
              <Badge size="2xsmall" color="orange">
                {capture.status === "pending" ? "Not captured yet" : capture.status}
              </Badge>
            )}
          </div>
          <div className="txt-compact-small text-ui-fg-subtle mt-0.5 truncate">
            {[formatDateTime(capture.captured_at), capture.capture_id].filter(Boolean).join(" · ")}
          </div>
        </div>
        <div className="flex shrink-0 items-center gap-x-2">
          <span
            className={captured ? "txt-compact-small-plus text-ui-fg-base" : "txt-compact-small-plus text-ui-fg-muted"}
            data-testid="klarna-capture-amount"
          >
            {formatMoney(capture.captured_amount, props.currency)}
          </span>
          {captured && props.resendable && (
            <ResendButton
              orderId={props.orderId}
              captureId={capture.capture_id as string}
              notify={props.notify}
              onQueued={props.onChanged}
            />
          )}
        </div>
      </div>
      <div className="mt-3">
        <OrderLines lines={capture.order_lines} currency={props.currency} />
      </div>
      <div className="border-ui-border-base mt-3 border-t border-dashed pt-3">
        <TrackingList entries={capture.shipping_info} />
      </div>
    </li>
  )
}

/** In the order of the Fulfillment card; captures of no fulfillment of the order after them, oldest first. */
function inFulfillmentOrder(captures: KlarnaCapture[], titles: Map<string, string>): KlarnaCapture[] {
  const position = [...titles.keys()]
  const rank = (capture: KlarnaCapture) => {
    const index = capture.source_type === "fulfillment" ? position.indexOf(capture.source_id) : -1
    return index === -1 ? position.length : index
  }
  const at = (capture: KlarnaCapture) => (capture.captured_at ? Date.parse(capture.captured_at) : Number.POSITIVE_INFINITY)
  return [...captures].sort((a, b) => rank(a) - rank(b) || at(a) - at(b))
}

export function CaptureList(props: {
  captures: KlarnaCapture[]
  fulfillmentTitles: Map<string, string>
  currency: string
  orderId: string
  /** False for Kustom orders: Kustom deprecated trigger-send-out. */
  resendable: boolean
  /** What to say when there is no capture (e.g. that the order was cancelled). */
  emptyText: string
  notify: Notify
  onChanged: () => void
}) {
  return (
    <Section title={`Captures (${props.captures.length})`} testId="klarna-captures">
      {props.captures.length === 0 ? (
        <p className="txt-compact-small text-ui-fg-subtle" data-testid="klarna-no-captures">
          {props.emptyText}
        </p>
      ) : (
        <ul className="flex flex-col gap-y-3">
          {inFulfillmentOrder(props.captures, props.fulfillmentTitles).map((capture) => (
            <CaptureRow
              key={capture.id}
              title={captureTitle(capture, props.fulfillmentTitles)}
              capture={capture}
              currency={props.currency}
              orderId={props.orderId}
              resendable={props.resendable}
              notify={props.notify}
              onChanged={props.onChanged}
            />
          ))}
        </ul>
      )}
    </Section>
  )
}
