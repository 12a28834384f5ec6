/**
 * Reconcile: reads Klarna's order and repairs our tables where they drifted (a capture or refund Klarna
 * has that we did not record, e.g. after a crash between Klarna's answer and our write). It only reads
 * Klarna; it never repeats a mutation Klarna already applied.
 */
import type { KlarnaOm } from "./klarna-port"
import type { KlarnaOrderRecord, SyncStore } from "./ports"

export interface ReconcileReport {
  order_id: string
  klarna_order_id: string
  changes: string[]
  klarna: { status: string; order_amount: number; captured_amount: number; refunded_amount: number; remaining_authorized_amount?: number }
}

export async function reconcileOrder(
  store: SyncStore,
  klarna: Pick<KlarnaOm, "getOrder">,
  mapping: KlarnaOrderRecord,
): Promise<ReconcileReport> {
  const remote = await klarna.getOrder(mapping.klarna_order_id)
  const changes: string[] = []
  const { platform, platform_order_id: orderId } = mapping
  const captures = await store.listCaptures(platform, orderId)

  for (const remoteCapture of remote.captures ?? []) {
    if (captures.some((capture) => capture.capture_id === remoteCapture.capture_id)) continue
    // Our captures send the platform object's id as `reference`: a pending row with that source is the one.
    const pending = captures.find(
      (capture) => capture.status === "pending" && remoteCapture.reference !== undefined && capture.source_id === remoteCapture.reference,
    )
    if (pending) {
      await store.markCaptured(
        pending.id,
        remoteCapture.capture_id,
        remoteCapture.shipping_info ?? [],
        remoteCapture.klarna_reference ?? null,
      )
      changes.push(`capture ${remoteCapture.capture_id} (${remoteCapture.captured_amount}) recorded for ${pending.source_id}`)
    } else {
      await store.insertCapturedCapture({
        platform,
        platform_order_id: orderId,
        klarna_order_id: mapping.klarna_order_id,
        source_type: "fulfillment",
        source_id: remoteCapture.reference || `klarna:${remoteCapture.capture_id}`,
        capture_id: remoteCapture.capture_id,
        klarna_reference: remoteCapture.klarna_reference ?? null,
        captured_amount: remoteCapture.captured_amount,
        order_lines: remoteCapture.order_lines ?? [],
        shipping_info: remoteCapture.shipping_info ?? [],
        status: "captured",
        idempotency_key: "reconciled",
        captured_at: remoteCapture.captured_at ? new Date(remoteCapture.captured_at) : new Date(),
      })
      changes.push(`capture ${remoteCapture.capture_id} (${remoteCapture.captured_amount}) made outside the plugin recorded`)
    }
  }
  for (const capture of await store.listCaptures(platform, orderId)) {
    const remoteCapture = (remote.captures ?? []).find((candidate) => candidate.capture_id === capture.capture_id)
    const remoteTracking = remoteCapture?.shipping_info ?? []
    if (remoteCapture && remoteTracking.length !== capture.shipping_info.length) {
      await store.setShippingInfo(capture.id, remoteTracking)
      changes.push(`shipping info of capture ${capture.capture_id} set to Klarna's ${remoteTracking.length} entries`)
    }
  }

  const refunds = await store.listRefunds(platform, orderId)
  for (const remoteRefund of remote.refunds ?? []) {
    if (remoteRefund.refund_id && refunds.some((refund) => refund.refund_id === remoteRefund.refund_id)) continue
    const pending = refunds.find((refund) => refund.status === "pending" && refund.platform_refund_id === remoteRefund.reference)
    if (pending && remoteRefund.refund_id) {
      await store.markRefunded(pending.id, remoteRefund.refund_id)
      changes.push(`refund ${remoteRefund.refund_id} (${remoteRefund.refunded_amount}) recorded for ${pending.platform_refund_id}`)
    } else if (!refunds.some((refund) => refund.platform_refund_id === remoteRefund.reference && refund.status === "refunded")) {
      await store.insertRefundedRefund({
        platform,
        platform_order_id: orderId,
        klarna_order_id: mapping.klarna_order_id,
        platform_refund_id: remoteRefund.reference || `klarna:${remoteRefund.refund_id ?? remoteRefund.refunded_at}`,
        refund_id: remoteRefund.refund_id ?? null,
        refunded_amount: remoteRefund.refunded_amount,
        order_lines: remoteRefund.order_lines ?? [],
        status: "refunded",
        idempotency_key: "reconciled",
        refunded_at: remoteRefund.refunded_at ? new Date(remoteRefund.refunded_at) : new Date(),
      })
      changes.push(`refund ${remoteRefund.refund_id ?? "(no id)"} (${remoteRefund.refunded_amount}) made outside the plugin recorded`)
    }
  }

  // Whatever of our authorization Klarna no longer holds, and did not capture, was released.
  const remaining = remote.remaining_authorized_amount ?? remote.order_amount - remote.captured_amount
  const released = remote.status === "CANCELLED" ? 0 : Math.max(mapping.authorized_amount - remote.captured_amount - remaining, 0)
  const target = {
    status: remote.status,
    captured_amount: remote.captured_amount,
    refunded_amount: remote.refunded_amount,
    released_amount: released,
    klarna_reference: remote.klarna_reference ?? mapping.klarna_reference,
  }
  const drift = (Object.keys(target) as (keyof typeof target)[]).filter((key) => target[key] !== mapping[key])
  if (drift.length > 0) {
    await store.updateMapping(mapping.id, target)
    for (const key of drift) changes.push(`${key}: ${String(mapping[key])} -> ${String(target[key])}`)
  }
  return {
    order_id: orderId,
    klarna_order_id: mapping.klarna_order_id,
    changes,
    klarna: {
      status: remote.status,
      order_amount: remote.order_amount,
      captured_amount: remote.captured_amount,
      refunded_amount: remote.refunded_amount,
      remaining_authorized_amount: remote.remaining_authorized_amount,
    },
  }
}
