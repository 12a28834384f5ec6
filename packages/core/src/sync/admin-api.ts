/**
 * The merchant's admin API (/admin/klarna/..., Medusa v1 and v2 alike): what each route accepts and
 * answers, in one place, so both plugins refuse the same input with the same words and answer in the same
 * JSON shapes (their widgets share one presentation). Platform-neutral: no HTTP framework here. A route is
 * an adapter of a few lines: it hands its path parameters and body to a handler and sends the AdminAnswer.
 */
import type { KlarnaProvider } from "../klarna/config"
import type { OrphanListing } from "./authorizations"
import type { EventOutcome } from "./engine"
import { codePointLength } from "./order-lines/text"
import type { KlarnaOrderView } from "./order-view"
import type { JobRecord } from "./ports"
import type { ReconcileReport } from "./reconcile"

/** Medusa's ids are ~30 characters, Klarna's capture ids 36; this leaves room without accepting junk. */
export const MAX_ID_LENGTH = 256
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/ // eslint-disable-line no-control-regex -- matching them is the point

/** Why `id` (one decoded URL segment) cannot be an id, or null when it can. */
export function malformedIdReason(id: string): string | null {
  if (id.length === 0) return "is empty"
  if (id.length > MAX_ID_LENGTH) return `is ${id.length} characters long (at most ${MAX_ID_LENGTH})`
  if (CONTROL_CHARACTER.test(id)) return "contains a control character"
  return null
}

/**
 * Why a URL path cannot carry the ids of a Klarna admin route, or null. Decodes segment by segment:
 * broken percent-encoding (`%`, `%E0%A4%A`, `%FF`) is refused here rather than becoming a server error in
 * the framework's parameter decoding, a NUL byte rather than in PostgreSQL.
 */
export function malformedPathReason(path: string): string | null {
  for (const segment of path.split("/").filter(Boolean)) {
    let decoded: string
    try {
      decoded = decodeURIComponent(segment)
    } catch {
      return "The id in the URL is not valid percent-encoding"
    }
    const reason = malformedIdReason(decoded)
    if (reason) return `The id in the URL ${reason}`
  }
  return null
}

/** Klarna's limit for a refund's description: longer text is refused, never cut. */
export const MAX_REFUND_DESCRIPTION = 255

export type RefundRequest = { ok: true; amount: number; description?: string } | { ok: false; message: string }

/** POST /admin/klarna/orders/:id/refund's body: {amount (minor units), description?}. */
export function parseRefundRequest(body: unknown): RefundRequest {
  const { amount, description } = (body && typeof body === "object" ? body : {}) as { amount?: unknown; description?: unknown }
  if (typeof amount !== "number" || !Number.isSafeInteger(amount) || amount <= 0) {
    return { ok: false, message: "amount must be a positive integer in minor units (e.g. 1250 for 12.50)" }
  }
  if (description !== undefined && (typeof description !== "string" || codePointLength(description) > MAX_REFUND_DESCRIPTION)) {
    return { ok: false, message: `description must be text of at most ${MAX_REFUND_DESCRIPTION} characters` }
  }
  return description === undefined ? { ok: true, amount } : { ok: true, amount, description }
}

/** GET /admin/klarna/orphans?limit=: 200 by default, 1 to 1000. */
export function orphanListLimit(value: unknown): number {
  return Math.min(Math.max(Number(value ?? 200) || 200, 1), 1000)
}

/** One row of GET /admin/klarna/orphans (cart_id: the checkout the Klarna order was created for). */
export function orphanAuthorizationJson(row: OrphanListing) {
  return {
    cart_id: row.checkout_id,
    klarna_order_id: row.klarna_order_id,
    status: row.status,
    amount: Number(row.amount),
    currency: row.currency,
    reason: row.reason,
    order_id: row.platform_order_id,
    created_at: row.created_at,
    cancelled_at: row.cancelled_at,
    job: row.job_id ? { id: row.job_id, state: row.job_state, last_error: row.job_last_error } : null,
  }
}

/** An admin route's answer: HTTP status and JSON body. */
export interface AdminAnswer {
  status: number
  body: Record<string, unknown>
}

export function notKlarnaOrderAnswer(orderId: string): AdminAnswer {
  return { status: 404, body: { type: "not_found", message: `Order ${orderId} is not paid with Klarna` } }
}

/** 202: the operation is queued in the outbox; the job says how it went (poll the order view). 404: nothing to do it on. */
export function queuedAnswer(orderId: string, outcome: EventOutcome): AdminAnswer {
  if (!outcome.handled) return { status: 404, body: { type: "not_found", message: outcome.reason } }
  return {
    status: 202,
    body: { order_id: orderId, jobs: outcome.jobs.map((job) => ({ id: job.id, operation: job.operation, state: job.state })) },
  }
}

/** The sync service's admin methods (Medusa v1's KlarnaSyncService, v2's klarnaSync module). */
export interface KlarnaAdminService {
  getOrderView(orderId: string): Promise<KlarnaOrderView | null>
  isKlarnaOrder(orderId: string): Promise<boolean>
  orderProvider(orderId: string): Promise<KlarnaProvider | null>
  getJob(jobId: string): Promise<JobRecord | null>
  retryJob(jobId: string): Promise<JobRecord | null>
  releaseRemaining(orderId: string): Promise<EventOutcome>
  /** Throws KlarnaRefundRefused (its status is the answer's) when the refund cannot be made. */
  refundInKlarna(orderId: string, refund: { amount: number; description?: string }): Promise<EventOutcome>
  hasCapture(orderId: string, captureId: string): Promise<boolean>
  triggerSendOut(orderId: string, captureId: string): Promise<EventOutcome>
  reconcile(orderId: string): Promise<ReconcileReport | null>
  listOrphans(limit: number): Promise<OrphanListing[]>
}

/** A KlarnaRefundRefused (plugin/plugin-sync.ts), by shape: the routes need not load the sync service's module. */
function refusalOf(error: unknown): { status: 400 | 409; message: string } | null {
  const candidate = error as { name?: unknown; status?: unknown; message?: unknown } | null
  if (candidate?.name !== "KlarnaRefundRefused" || (candidate.status !== 400 && candidate.status !== 409)) return null
  return { status: candidate.status, message: String(candidate.message) }
}

/** GET /admin/klarna/orders/:id — what Klarna holds for the order, from the plugin's tables. */
export async function orderViewAnswer(service: KlarnaAdminService, orderId: string): Promise<AdminAnswer> {
  const view = await service.getOrderView(orderId)
  return view ? { status: 200, body: { klarna_order: view } } : notKlarnaOrderAnswer(orderId)
}

/** POST /admin/klarna/jobs/:id/retry — run a parked (failed) sync job again, after its cause was fixed. */
export async function retryJobAnswer(service: KlarnaAdminService, jobId: string): Promise<AdminAnswer> {
  const existing = await service.getJob(jobId)
  if (!existing) return { status: 404, body: { type: "not_found", message: `Klarna sync job ${jobId} does not exist` } }
  const job = await service.retryJob(jobId)
  if (!job)
    return { status: 409, body: { type: "not_allowed", message: `Job ${jobId} is ${existing.state}; only failed jobs can be retried` } }
  return { status: 202, body: { job: { id: job.id, operation: job.operation, state: job.state } } }
}

/** POST /admin/klarna/orders/:id/release — release the remaining authorization now. */
export async function releaseAnswer(service: KlarnaAdminService, orderId: string): Promise<AdminAnswer> {
  return queuedAnswer(orderId, await service.releaseRemaining(orderId))
}

/**
 * POST /admin/klarna/orders/:id/refund {amount, description?} — refund an amount in Klarna for a canceled
 * order that kept captured money (Medusa refuses to refund a canceled order). Queued as a sync job: the
 * same request pressed twice is one refund; the outcome shows in the order view (refunds, sync log).
 */
export async function refundAnswer(service: KlarnaAdminService, orderId: string, body: unknown): Promise<AdminAnswer> {
  if (!(await service.isKlarnaOrder(orderId))) return notKlarnaOrderAnswer(orderId)
  const request = parseRefundRequest(body)
  if (!request.ok) return { status: 400, body: { type: "invalid_data", message: request.message } }
  try {
    return queuedAnswer(orderId, await service.refundInKlarna(orderId, { amount: request.amount, description: request.description }))
  } catch (error) {
    const refused = refusalOf(error)
    if (!refused) throw error
    return { status: refused.status, body: { type: refused.status === 400 ? "invalid_data" : "not_allowed", message: refused.message } }
  }
}

/** POST /admin/klarna/orders/:id/captures/:capture_id/send-out — Klarna resends the customer communication. */
export async function sendOutAnswer(service: KlarnaAdminService, orderId: string, captureId: string): Promise<AdminAnswer> {
  if (!(await service.hasCapture(orderId, captureId))) {
    return { status: 404, body: { type: "not_found", message: `Order ${orderId} has no Klarna capture ${captureId}` } }
  }
  // Refused here, before a job is queued, so the order does not collect a failed job nobody can fix.
  if ((await service.orderProvider(orderId)) === "kustom") {
    return {
      status: 400,
      body: {
        type: "not_allowed",
        message: `Order ${orderId} is served by Kustom, which deprecated trigger-send-out: Kustom cannot resend the customer communication`,
      },
    }
  }
  return queuedAnswer(orderId, await service.triggerSendOut(orderId, captureId))
}

/** POST /admin/klarna/orders/:id/reconcile — read Klarna's order and repair the local tables. */
export async function reconcileAnswer(service: KlarnaAdminService, orderId: string): Promise<AdminAnswer> {
  const report = await service.reconcile(orderId)
  return report ? { status: 200, body: { reconcile: report } } : notKlarnaOrderAnswer(orderId)
}

/**
 * GET /admin/klarna/orphans — Klarna orders created at checkout whose cart did not become an order:
 * awaiting one (status authorized), being cancelled, or cancelled; newest first, with the cancel job.
 */
export async function orphansAnswer(service: KlarnaAdminService, limit: unknown): Promise<AdminAnswer> {
  const rows = await service.listOrphans(orphanListLimit(limit))
  return { status: 200, body: { authorizations: rows.map(orphanAuthorizationJson) } }
}
