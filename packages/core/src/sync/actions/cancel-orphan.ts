/**
 * `cancel_orphan`: a Klarna order created at checkout whose checkout never became a platform order (the
 * completion failed after the authorization, or was abandoned). Cancelling it frees the shopper's money
 * at once instead of when Klarna's authorization expires. There is no platform order to load: the job
 * carries the checkout id, the Klarna order id and its currency, and the platform confirms the orphan
 * right before Klarna is called.
 */
import type { KlarnaOm } from "../klarna-port"
import type { OrphanVerdict } from "../authorizations"
import type { JobRecord, SyncLogger } from "../ports"
import { skipped, type ActionOutcome } from "./action"

export interface OrphanPayload {
  checkoutId: string
  klarnaOrderId: string
  currency: string
  /** Why it is cancelled (the completion's error, or no order after the grace period). */
  reason: string
}

export interface OrphanContext {
  job: JobRecord
  klarna: KlarnaOm
  logger: SyncLogger
  /** The platform's verdict; an orphan is marked so that no order can be placed on it any more. */
  claimOrphan(payload: OrphanPayload): Promise<OrphanVerdict>
  markCancelled(klarnaOrderId: string): Promise<void>
  freezeRequest<T extends object>(build: () => T): Promise<T>
}

export async function cancelOrphan(context: OrphanContext): Promise<ActionOutcome> {
  const payload = context.job.payload as unknown as OrphanPayload
  const { checkoutId, klarnaOrderId } = payload
  const verdict = await context.claimOrphan(payload)
  if (!verdict.orphan) {
    context.logger.info(`klarna-order-sync: Klarna order ${klarnaOrderId} of checkout ${checkoutId} is kept: ${verdict.reason}`)
    return skipped(verdict.reason)
  }
  await context.freezeRequest(() => ({ cancel: true, reason: payload.reason }))
  await context.klarna.cancelOrder(klarnaOrderId, { idempotencyKey: context.job.idempotency_key })
  await context.markCancelled(klarnaOrderId)
  context.logger.info(
    `klarna-order-sync: cancelled Klarna order ${klarnaOrderId} of checkout ${checkoutId}, which never became an order (${payload.reason})`,
  )
  return { kind: "succeeded", result: { cancelled: true, klarna_order_id: klarnaOrderId } }
}
