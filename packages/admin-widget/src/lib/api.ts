/**
 * What the shared widget needs from its admin: the plugin's admin API (/admin/klarna/..., the same routes
 * and JSON in Medusa v1 and v2) as React hooks. Each plugin provides them over its admin's own client and
 * React Query (v1: medusa-react, React Query 4; v2: fetch with the session cookie, React Query 5) through
 * KlarnaApiProvider; the components only see this interface.
 */
import { createContext, useContext, useEffect, useRef } from "react"
import { jobsUnderWay, orderFingerprint, POLL_MS, shouldPoll, type WatchedOrder } from "./freshness"
import type { KlarnaOrderResponse, QueuedJobsResponse, ReconcileResponse, RetryResponse } from "./types"

/** Paths relative to the admin API's /admin. */
export const klarnaPaths = {
  order: (orderId: string) => `/klarna/orders/${encodeURIComponent(orderId)}`,
  retry: (jobId: string) => `/klarna/jobs/${encodeURIComponent(jobId)}/retry`,
  release: (orderId: string) => `${klarnaPaths.order(orderId)}/release`,
  refund: (orderId: string) => `${klarnaPaths.order(orderId)}/refund`,
  reconcile: (orderId: string) => `${klarnaPaths.order(orderId)}/reconcile`,
  sendOut: (orderId: string, captureId: string) => `${klarnaPaths.order(orderId)}/captures/${encodeURIComponent(captureId)}/send-out`,
}

/**
 * The HTTP status of a failed call, if there was a response. Both admins' clients reject with an error that
 * carries `response.status` and `response.data` (v1: medusa-js's axios error; v2: the plugin's fetch error).
 */
export function statusOf(error: unknown): number | undefined {
  return (error as { response?: { status?: number } } | null)?.response?.status
}

/** The API's own message for a failed call, else the transport's. */
export function messageOf(error: unknown): string {
  const body = (error as { response?: { data?: { message?: unknown } } } | null)?.response?.data
  if (body && typeof body.message === "string" && body.message) return body.message
  return error instanceof Error ? error.message : "Unknown error"
}

export type NoBody = Record<string, never>

/** A POST the widget makes: React Query's mutation, as far as the widget uses it. */
export interface KlarnaMutation<Body, Result> {
  mutate: (body: Body, callbacks?: { onSuccess?: (data: Result) => void; onError?: (error: unknown) => void }) => void
  /** The call is under way (React Query 4's isLoading, 5's isPending). */
  isLoading: boolean
}

/** GET /admin/klarna/orders/:id, as far as the widget uses it. */
export interface KlarnaOrderQuery {
  data?: KlarnaOrderResponse
  error: unknown
  isLoading: boolean
  isError: boolean
  refetch: () => unknown
}

export interface KlarnaAdminApi {
  useKlarnaOrder(order: WatchedOrder): KlarnaOrderQuery
  useRetryJob(jobId: string): KlarnaMutation<NoBody, RetryResponse>
  useReleaseRemaining(orderId: string): KlarnaMutation<NoBody, QueuedJobsResponse>
  useResendToCustomer(orderId: string, captureId: string): KlarnaMutation<NoBody, QueuedJobsResponse>
  /** A refund in Klarna for a canceled order that kept a capture. */
  useRefundInKlarna(orderId: string): KlarnaMutation<{ amount: number; description?: string }, QueuedJobsResponse>
  useReconcile(orderId: string): KlarnaMutation<NoBody, ReconcileResponse>
}

const KlarnaApiContext = createContext<KlarnaAdminApi | null>(null)

export const KlarnaApiProvider = KlarnaApiContext.Provider

export function useKlarnaApi(): KlarnaAdminApi {
  const api = useContext(KlarnaApiContext)
  if (!api) throw new Error("klarna-order-sync: the Klarna widget needs a KlarnaApiProvider")
  return api
}

/** The parts of a React Query result (4 or 5) the freshness rules follow. */
interface ReadState {
  data?: KlarnaOrderResponse
  dataUpdatedAt: number
  errorUpdatedAt: number
  refetch: () => unknown
}

/**
 * Keeps the Klarna view of the order the page shows current without a reload (see freshness.ts): read
 * again at once when the admin's own order changes (after Create fulfillment, Mark shipped, Refund, …),
 * then every POLL_MS while Klarna's answer is still to come. When nothing is pending no timer runs.
 * `onKlarnaMoved`: Klarna's side moved (a capture went through, a release): Medusa's payment may have moved
 * with it, so the admin reloads the order page's own cards (Payment, Summary).
 */
export function useFollowOrder(order: WatchedOrder, query: ReadState, onKlarnaMoved: () => void): void {
  const view = query.data?.klarna_order
  const { refetch, dataUpdatedAt, errorUpdatedAt } = query

  // The query key is the order id, which an action on the order does not change: the widget re-renders
  // with the new order but would keep showing what it read before. Its fingerprint says it changed.
  const fingerprint = orderFingerprint(order)
  const seen = useRef(fingerprint)
  const changedAt = useRef<number | null>(null)
  useEffect(() => {
    if (seen.current === fingerprint) return
    seen.current = fingerprint
    changedAt.current = Date.now()
    void refetch()
  }, [fingerprint, refetch])

  // One timer per answer: each read (dataUpdatedAt/errorUpdatedAt move) decides on the next one. When
  // nothing is pending no timer is set, so polling stops until the order changes again.
  const poll = view !== undefined && shouldPoll(view, order, changedAt.current, Date.now())
  useEffect(() => {
    if (!poll) return undefined
    const timer = setTimeout(() => void refetch(), POLL_MS)
    return () => clearTimeout(timer)
  }, [poll, dataUpdatedAt, errorUpdatedAt, refetch])

  const state = view
    ? `${view.status}|${view.amounts.captured}|${view.amounts.refunded}|${view.amounts.released}|${jobsUnderWay(view)}`
    : undefined
  const previous = useRef(state)
  const moved = useRef(onKlarnaMoved)
  moved.current = onKlarnaMoved
  useEffect(() => {
    if (state && previous.current && previous.current !== state) moved.current()
    previous.current = state
  }, [state])
}
