/**
 * What GET /admin/klarna/orders/:id answers, as the browser receives it (JSON: dates are ISO strings).
 * Derived from the server's KlarnaOrderView so the two cannot drift apart; `import type` keeps the
 * server code out of the admin bundle.
 */
import type { KlarnaOrderView } from "../../../core/src/sync/order-view"

/** A value after JSON.stringify/JSON.parse: Date becomes string, recursively. */
export type Jsonified<T> = T extends Date
  ? string
  : T extends (infer U)[]
    ? Jsonified<U>[]
    : T extends object
      ? { [K in keyof T]: Jsonified<T[K]> }
      : T

export type KlarnaOrder = Jsonified<KlarnaOrderView>
export type KlarnaCapture = KlarnaOrder["captures"][number]
export type KlarnaRefund = KlarnaOrder["refunds"][number]
export type KlarnaJob = KlarnaOrder["jobs"][number]
export type KlarnaOrderLine = KlarnaCapture["order_lines"][number]
export type KlarnaShippingInfo = KlarnaCapture["shipping_info"][number]

export interface KlarnaOrderResponse {
  klarna_order: KlarnaOrder
}

/** 202 answers of release / send-out: the queued jobs (poll the order view for their outcome). */
export interface QueuedJobsResponse {
  order_id: string
  jobs: { id: string; operation: string; state: string }[]
}

export interface RetryResponse {
  job: { id: string; operation: string; state: string }
}

export interface ReconcileResponse {
  reconcile: { order_id: string; klarna_order_id: string; changes: string[]; klarna: { status: string } }
}
