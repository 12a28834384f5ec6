/**
 * The shared widget's admin API (packages/admin-widget/src/lib/api.ts) in the Medusa v1 admin: through
 * medusa-react (the admin's own client: its session cookie, base URL and React Query 4 cache). Both
 * packages are the admin's own copies at run time (the admin build aliases them).
 */
import { useQueryClient } from "@tanstack/react-query"
import { adminOrderKeys, useAdminCustomPost, useAdminCustomQuery } from "medusa-react"
import { klarnaPaths, statusOf, useFollowOrder, type KlarnaAdminApi, type NoBody } from "../../../../admin-widget/src/lib/api"
import type { WatchedOrder } from "../../../../admin-widget/src/lib/freshness"
import type { KlarnaOrderResponse, QueuedJobsResponse, ReconcileResponse, RetryResponse } from "../../../../admin-widget/src/lib/types"

function useKlarnaOrder(order: WatchedOrder) {
  const query = useAdminCustomQuery<Record<string, never>, KlarnaOrderResponse>(
    klarnaPaths.order(order.id),
    ["klarna-order-sync", order.id],
    undefined,
    {
      // 404: the order is not paid with Klarna. Nothing to retry.
      retry: (failures, error) => statusOf(error) !== 404 && failures < 1,
      staleTime: 0,
    },
  )
  const queryClient = useQueryClient()
  useFollowOrder(order, query, () => void queryClient.invalidateQueries(adminOrderKeys.detail(order.id)))
  return query
}

export const v1KlarnaApi: KlarnaAdminApi = {
  useKlarnaOrder,
  useRetryJob: (jobId) => useAdminCustomPost<NoBody, RetryResponse>(klarnaPaths.retry(jobId), []),
  useReleaseRemaining: (orderId) => useAdminCustomPost<NoBody, QueuedJobsResponse>(klarnaPaths.release(orderId), []),
  useResendToCustomer: (orderId, captureId) => useAdminCustomPost<NoBody, QueuedJobsResponse>(klarnaPaths.sendOut(orderId, captureId), []),
  useRefundInKlarna: (orderId) =>
    useAdminCustomPost<{ amount: number; description?: string }, QueuedJobsResponse>(klarnaPaths.refund(orderId), []),
  useReconcile: (orderId) => useAdminCustomPost<NoBody, ReconcileResponse>(klarnaPaths.reconcile(orderId), []),
}
