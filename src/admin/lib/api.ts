/**
 * The widget's calls to the plugin's admin API, through medusa-react (the admin's own client: its
 * session cookie, base URL and React Query cache). Paths are relative to /admin.
 * Both packages are the admin's own copies at run time (the admin build aliases them).
 */
import { useQueryClient } from "@tanstack/react-query"
import { adminOrderKeys, useAdminCustomPost, useAdminCustomQuery } from "medusa-react"
import { useEffect, useRef } from "react"
import type { KlarnaOrderResponse, QueuedJobsResponse, ReconcileResponse, RetryResponse } from "./types"

const POLL_MS = 1500

export const klarnaOrderPath = (orderId: string) => `/klarna/orders/${encodeURIComponent(orderId)}`

/** The HTTP status of a failed medusa-js call (an axios error), if there was a response. */
export function statusOf(error: unknown): number | undefined {
  return (error as { response?: { status?: number } } | null)?.response?.status
}

/** The API's own message for a failed call, else the transport's. */
export function messageOf(error: unknown): string {
  const body = (error as { response?: { data?: { message?: unknown } } } | null)?.response?.data
  if (body && typeof body.message === "string" && body.message) return body.message
  return error instanceof Error ? error.message : "Unknown error"
}

/** The Klarna view of an order. Polls while sync jobs are queued or running, so outcomes show up by themselves. */
export function useKlarnaOrder(orderId: string) {
  const query = useAdminCustomQuery<Record<string, never>, KlarnaOrderResponse>(
    klarnaOrderPath(orderId),
    ["klarna-order-sync", orderId],
    undefined,
    {
      // 404: the order is not paid with Klarna. Nothing to retry.
      retry: (failures, error) => statusOf(error) !== 404 && failures < 1,
      staleTime: 0,
    },
  )
  const view = query.data?.klarna_order
  const busy = view?.jobs.some((job) => job.state === "pending" || job.state === "running") ?? false
  const { refetch } = query
  useEffect(() => {
    if (!busy) return undefined
    const timer = setInterval(() => void refetch(), POLL_MS)
    return () => clearInterval(timer)
  }, [busy, refetch])

  // When Klarna's side moves (a capture went through, a release), Medusa's payment may have moved with it:
  // let the order page's own cards (Payment, Summary) reload too.
  const queryClient = useQueryClient()
  const state = view ? `${view.status}|${view.amounts.captured}|${view.amounts.refunded}|${view.amounts.released}|${busy}` : undefined
  const previous = useRef(state)
  useEffect(() => {
    if (state && previous.current && previous.current !== state) void queryClient.invalidateQueries(adminOrderKeys.detail(orderId))
    previous.current = state
  }, [state, orderId, queryClient])
  return query
}

type NoBody = Record<string, never>

export function useRetryJob(jobId: string) {
  return useAdminCustomPost<NoBody, RetryResponse>(`/klarna/jobs/${encodeURIComponent(jobId)}/retry`, [])
}

export function useReleaseRemaining(orderId: string) {
  return useAdminCustomPost<NoBody, QueuedJobsResponse>(`${klarnaOrderPath(orderId)}/release`, [])
}

export function useResendToCustomer(orderId: string, captureId: string) {
  return useAdminCustomPost<NoBody, QueuedJobsResponse>(
    `${klarnaOrderPath(orderId)}/captures/${encodeURIComponent(captureId)}/send-out`,
    [],
  )
}

/** POST /admin/klarna/orders/:id/refund: a refund in Klarna for a canceled order that kept a capture. */
export function useRefundInKlarna(orderId: string) {
  return useAdminCustomPost<{ amount: number; description?: string }, QueuedJobsResponse>(`${klarnaOrderPath(orderId)}/refund`, [])
}

export function useReconcile(orderId: string) {
  return useAdminCustomPost<NoBody, ReconcileResponse>(`${klarnaOrderPath(orderId)}/reconcile`, [])
}
