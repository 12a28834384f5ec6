/**
 * The Klarna view of one platform order, as the admin API and widget show it. Built only from our
 * tables (no Klarna call, so the order page stays fast and works when Klarna is down). No secrets.
 */
import type { KlarnaProvider } from "../klarna/config"
import type { KlarnaOrderLine, KlarnaShippingInfo } from "../klarna/types"
import type { JobState, Platform, SyncStore } from "./ports"
import { openAmount } from "./required-jobs"

export interface KlarnaOrderView {
  platform: Platform
  order_id: string
  klarna_order_id: string
  klarna_reference: string | null
  /** Klarna's merchant_reference1 (the store's order number) and 2 (its order id), as the engine set them; null: not set yet. */
  merchant_references: { merchant_reference1: string | null; merchant_reference2: string | null }
  /** Who serves the order's Order Management API: the admin names it, and hides what Kustom deprecated. */
  provider: KlarnaProvider
  currency: string
  status: string
  amounts: { authorized: number; captured: number; refunded: number; released: number; remaining: number }
  captures: {
    id: string
    capture_id: string | null
    source_type: string
    source_id: string
    status: string
    captured_amount: number
    captured_at: Date | null
    order_lines: KlarnaOrderLine[]
    shipping_info: KlarnaShippingInfo[]
  }[]
  refunds: {
    id: string
    refund_id: string | null
    platform_refund_id: string
    status: string
    refunded_amount: number
    refunded_at: Date | null
    order_lines: KlarnaOrderLine[]
  }[]
  jobs: {
    id: string
    operation: string
    /** The platform object the job mirrors (a fulfillment, refund or capture id), when it has one. */
    subject: string | null
    state: JobState
    attempts: number
    max_attempts: number
    run_at: Date
    created_at: Date
    finished_at: Date | null
    idempotency_key: string
    /** Why a skipped job sent nothing to Klarna, in words for the merchant. */
    reason: string | null
    error: null | {
      http_status: number | null
      error_code: string | null
      error_messages: string[] | null
      correlation_id: string | null
      message: string | null
    }
    attempts_log: {
      attempt: number
      outcome: string
      http_status: number | null
      error_code: string | null
      error_messages: string[] | null
      correlation_id: string | null
      error: string | null
      /** A skipped attempt: why. */
      reason: string | null
      created_at: Date
    }[]
  }[]
  has_failures: boolean
  /** A job is queued or running: Klarna's answer is still to come (the widget polls while true). */
  pending: boolean
}

/** The provider of the credentials serving a currency (the platform adapter knows its credentials). */
export type ProviderOfCurrency = (currency: string) => KlarnaProvider

export async function buildOrderView(
  store: SyncStore,
  platform: Platform,
  orderId: string,
  providerOf: ProviderOfCurrency = () => "klarna",
): Promise<KlarnaOrderView | null> {
  const order = await store.findMapping(platform, orderId)
  if (!order) return null
  const [captures, refunds, jobs] = await Promise.all([
    store.listCaptures(platform, orderId),
    store.listRefunds(platform, orderId),
    store.listJobs(platform, orderId),
  ])
  const attempts = await store.listAttempts(jobs.map((job) => job.id))
  const remaining = Math.max(openAmount(order), 0)
  return {
    platform,
    order_id: orderId,
    klarna_order_id: order.klarna_order_id,
    klarna_reference: order.klarna_reference,
    merchant_references: {
      merchant_reference1: order.merchant_reference1 ?? null,
      merchant_reference2: order.merchant_reference2 ?? null,
    },
    provider: providerOf(order.currency),
    currency: order.currency,
    status: order.status,
    amounts: {
      authorized: order.authorized_amount,
      captured: order.captured_amount,
      refunded: order.refunded_amount,
      released: order.released_amount,
      remaining: order.status === "CANCELLED" ? 0 : remaining,
    },
    captures: captures.map((capture) => ({
      id: capture.id,
      capture_id: capture.capture_id,
      source_type: capture.source_type,
      source_id: capture.source_id,
      status: capture.status,
      captured_amount: capture.captured_amount,
      captured_at: capture.captured_at,
      order_lines: capture.order_lines,
      shipping_info: capture.shipping_info,
    })),
    refunds: refunds.map((refund) => ({
      id: refund.id,
      refund_id: refund.refund_id,
      platform_refund_id: refund.platform_refund_id,
      status: refund.status,
      refunded_amount: refund.refunded_amount,
      refunded_at: refund.refunded_at,
      order_lines: refund.order_lines,
    })),
    jobs: jobs.map((job) => ({
      id: job.id,
      operation: job.operation,
      subject: subjectOf(job.payload),
      state: job.state,
      attempts: job.attempts,
      max_attempts: job.max_attempts,
      run_at: job.run_at,
      created_at: job.created_at,
      finished_at: job.finished_at,
      idempotency_key: job.idempotency_key,
      reason: job.state === "skipped" ? reasonIn(job.result) : null,
      error:
        job.last_error || job.last_error_code
          ? {
              http_status: job.last_http_status,
              error_code: job.last_error_code,
              error_messages: job.last_error_messages,
              correlation_id: job.last_correlation_id,
              message: job.last_error,
            }
          : null,
      attempts_log: attempts
        .filter((attempt) => attempt.job_id === job.id)
        .map((attempt) => ({
          attempt: attempt.attempt,
          outcome: attempt.outcome,
          http_status: attempt.http_status,
          error_code: attempt.error_code,
          error_messages: attempt.error_messages,
          correlation_id: attempt.correlation_id,
          error: attempt.error,
          reason: attempt.outcome === "skipped" ? reasonIn(attempt.request_summary) : null,
          created_at: attempt.created_at,
        })),
    })),
    has_failures: jobs.some((job) => job.state === "failed"),
    pending: jobs.some((job) => job.state === "pending" || job.state === "running"),
  }
}

function subjectOf(payload: Record<string, unknown>): string | null {
  const subject = payload.fulfillmentId ?? payload.refundId ?? payload.captureId
  return typeof subject === "string" ? subject : null
}

/** A skipped job's result (and its attempt's summary) is `{ reason }` (engine.ts). */
function reasonIn(result: Record<string, unknown> | null): string | null {
  return typeof result?.reason === "string" ? result.reason : null
}
