/**
 * The Klarna section of the order page. Renders nothing for orders not paid with Klarna (the API
 * answers 404), a quiet card while loading one that is, and otherwise what Klarna holds.
 */
import { Button, Copy, StatusBadge } from "@medusajs/ui"
import type { ComponentType } from "react"
import type { KlarnaOrder } from "../lib/types"
import { fulfillmentTitles, type OrderWithFulfillments } from "../lib/fulfillment-titles"
import type { WatchedOrder } from "../lib/freshness"
import { orderStatus } from "../lib/labels"
import { offersResend, providerName } from "../lib/provider"
import { noCapturesText } from "../lib/settlement"
import { messageOf, statusOf, useKlarnaApi } from "../lib/api"
import { AmountsSummary } from "./amounts-summary"
import { CanceledOrderRefund } from "./canceled-order-refund"
import { CaptureList } from "./capture-list"
import type { CardProps } from "./section"
import { FailedJobs } from "./failed-jobs"
import { MerchantReferences } from "./merchant-references"
import type { Notify } from "./notify"
import { OrderActions } from "./order-actions"
import { RefundList } from "./refund-list"
import { SyncLog } from "./sync-log"

export type PanelOrder = OrderWithFulfillments & WatchedOrder & { payments?: { provider_id: string }[] | null }

/** A hint only (provider ids are configurable): decides whether to show a loading card. */
function looksLikeKlarna(order: PanelOrder): boolean {
  return (order.payments ?? []).some((payment) => payment.provider_id.toLowerCase().includes("klarna"))
}

function Subtitle({ view }: { view: KlarnaOrder }) {
  return (
    <span className="inline-flex items-center gap-x-1" data-testid="klarna-order-id">
      {providerName(view.provider)} order <span className="text-ui-fg-base font-mono">{view.klarna_order_id}</span>
      <Copy content={view.klarna_order_id} className="text-ui-fg-muted" />
      {view.klarna_reference && <span className="ml-2">· Reference {view.klarna_reference}</span>}
    </span>
  )
}

function Status({ view }: { view: KlarnaOrder }) {
  const status = orderStatus(view.status)
  return (
    <StatusBadge color={status.color} data-testid="klarna-status">
      {status.label}
    </StatusBadge>
  )
}

/**
 * `Card`: the admin's own card frame (each admin draws its order-page sections its own way), with
 * data-testid="klarna-widget" on its outermost element.
 */
export function KlarnaPanel({ order, notify, Card }: { order: PanelOrder; notify: Notify; Card: ComponentType<CardProps> }) {
  const query = useKlarnaApi().useKlarnaOrder(order)
  const refetch = () => void query.refetch()

  if (query.isLoading) {
    if (!looksLikeKlarna(order)) return null
    return (
      <Card title="Klarna" subtitle="Loading what Klarna holds…">
        <div className="mt-6 flex flex-col gap-y-3" aria-busy="true">
          <div className="bg-ui-bg-component h-2 w-full animate-pulse rounded-full" />
          <div className="bg-ui-bg-component h-16 w-full animate-pulse rounded" />
        </div>
      </Card>
    )
  }
  if (query.isError || !query.data) {
    if (statusOf(query.error) === 404) return null
    return (
      <Card title="Klarna" subtitle="The Klarna details of this order could not be loaded">
        <div className="mt-4 flex items-center justify-between gap-x-4" data-testid="klarna-load-error">
          <p className="txt-compact-small text-ui-fg-error">{messageOf(query.error)}</p>
          <Button variant="secondary" size="small" onClick={refetch}>
            Try again
          </Button>
        </div>
      </Card>
    )
  }
  const view = query.data.klarna_order
  return (
    <Card
      title={providerName(view.provider)}
      subtitle={<Subtitle view={view} />}
      status={<Status view={view} />}
      footer={<OrderActions view={view} notify={notify} onChanged={refetch} />}
    >
      <AmountsSummary view={view} />
      <MerchantReferences view={view} />
      <CanceledOrderRefund view={view} orderCanceled={order.status === "canceled"} notify={notify} onChanged={refetch} />
      <FailedJobs jobs={view.jobs} notify={notify} onChanged={refetch} />
      <CaptureList
        captures={view.captures}
        fulfillmentTitles={fulfillmentTitles(order)}
        currency={view.currency}
        orderId={view.order_id}
        resendable={offersResend(view.provider)}
        emptyText={noCapturesText(view)}
        notify={notify}
        onChanged={refetch}
      />
      <RefundList refunds={view.refunds} currency={view.currency} />
      <SyncLog jobs={view.jobs} />
    </Card>
  )
}
