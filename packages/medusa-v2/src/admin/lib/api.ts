/**
 * The shared widget's admin API (packages/admin-widget/src/lib/api.ts) in the Medusa v2 dashboard: fetch
 * with the admin's session cookie (credentials "include") against the dashboard's backend URL, cached with
 * the dashboard's own React Query 5 (@tanstack/react-query is external to the plugin's admin bundle, so it
 * is the dashboard's copy and its QueryClient).
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query"
import {
  klarnaPaths,
  statusOf,
  useFollowOrder,
  type KlarnaAdminApi,
  type KlarnaMutation,
  type NoBody,
} from "../../../../admin-widget/src/lib/api"
import type { WatchedOrder } from "../../../../admin-widget/src/lib/freshness"
import type { KlarnaOrderResponse, QueuedJobsResponse, ReconcileResponse, RetryResponse } from "../../../../admin-widget/src/lib/types"

/** Defined by the dashboard's build (admin.backendUrl); "/" when the admin is served by the server itself. */
declare const __BACKEND_URL__: string | undefined

function adminUrl(path: string): string {
  const base = typeof __BACKEND_URL__ === "string" && __BACKEND_URL__ ? __BACKEND_URL__ : "/"
  return `${base.replace(/\/+$/, "")}/admin${path}`
}

/** A refused call, shaped like v1's client errors (response.status, response.data) for statusOf/messageOf. */
export class KlarnaAdminHttpError extends Error {
  readonly response: { status: number; data: unknown }
  constructor(status: number, data: unknown) {
    const message = (data as { message?: unknown } | null)?.message
    super(typeof message === "string" && message ? message : `The Klarna admin API answered ${status}`)
    this.response = { status, data }
  }
}

async function request<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
  const response = await fetch(adminUrl(path), {
    method,
    credentials: "include",
    headers: { accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  let data: unknown = undefined
  try {
    data = text ? JSON.parse(text) : undefined
  } catch {
    data = { message: text }
  }
  if (!response.ok) throw new KlarnaAdminHttpError(response.status, data)
  return data as T
}

function useKlarnaOrder(order: WatchedOrder) {
  const query = useQuery({
    queryKey: ["klarna-order-sync", order.id],
    queryFn: () => request<KlarnaOrderResponse>("GET", klarnaPaths.order(order.id)),
    // 404: the order is not paid with Klarna. Nothing to retry.
    retry: (failures, error) => statusOf(error) !== 404 && failures < 1,
    staleTime: 0,
  })
  const queryClient = useQueryClient()
  // The dashboard's order queries are keyed ["orders", ...]: its Payment and Summary cards read again.
  useFollowOrder(order, query, () => void queryClient.invalidateQueries({ queryKey: ["orders"] }))
  return query
}

function usePost<Body, Result>(path: string): KlarnaMutation<Body, Result> {
  const mutation = useMutation({ mutationFn: (body: Body) => request<Result>("POST", path, body) })
  return { mutate: mutation.mutate, isLoading: mutation.isPending }
}

export const v2KlarnaApi: KlarnaAdminApi = {
  useKlarnaOrder,
  useRetryJob: (jobId) => usePost<NoBody, RetryResponse>(klarnaPaths.retry(jobId)),
  useReleaseRemaining: (orderId) => usePost<NoBody, QueuedJobsResponse>(klarnaPaths.release(orderId)),
  useResendToCustomer: (orderId, captureId) => usePost<NoBody, QueuedJobsResponse>(klarnaPaths.sendOut(orderId, captureId)),
  useRefundInKlarna: (orderId) => usePost<{ amount: number; description?: string }, QueuedJobsResponse>(klarnaPaths.refund(orderId)),
  useReconcile: (orderId) => usePost<NoBody, ReconcileResponse>(klarnaPaths.reconcile(orderId)),
}
