/**
 * Captures made by another integration (on Shopify: Klarna's own payments app, which captures once per
 * authorization and sends no order lines). The engine never makes these; it only needs one to attach
 * tracking to. Reads Klarna's order (a GET, never a mutation) and records its latest capture, so the
 * shipping-info action can append to it and remember what it sent.
 */
import type { CaptureRecord } from "../ports"
import type { ActionContext } from "./action"

/** Klarna holds no capture yet (the merchant has not captured in Shopify): retried with backoff. */
export class NoCaptureYetError extends Error {
  override readonly name = "NoCaptureYetError"
  readonly retryable = true
  readonly code = "NO_CAPTURE_YET"
}

export async function externalCaptureFor(context: ActionContext): Promise<CaptureRecord> {
  const { order, store, klarnaOrder } = context
  const remote = await context.klarna.getOrder(klarnaOrder.klarna_order_id)
  const captures = [...(remote.captures ?? [])].sort((a, b) => (a.captured_at ?? "").localeCompare(b.captured_at ?? ""))
  const latest = captures[captures.length - 1]
  await store.updateMapping(klarnaOrder.id, {
    captured_amount: remote.captured_amount,
    refunded_amount: remote.refunded_amount,
    status: remote.status,
  })
  if (!latest) {
    throw new NoCaptureYetError(
      `Klarna order ${klarnaOrder.klarna_order_id} has no capture yet; the tracking is sent once the capture made outside this plugin exists`,
    )
  }
  const known = (await store.listCaptures(order.platform, order.orderId)).find((capture) => capture.capture_id === latest.capture_id)
  if (known) return known
  return store.insertCapturedCapture({
    platform: order.platform,
    platform_order_id: order.orderId,
    klarna_order_id: klarnaOrder.klarna_order_id,
    source_type: "fulfillment",
    source_id: `klarna:${latest.capture_id}`,
    capture_id: latest.capture_id,
    klarna_reference: latest.klarna_reference ?? null,
    captured_amount: latest.captured_amount,
    order_lines: latest.order_lines ?? [],
    shipping_info: latest.shipping_info ?? [],
    status: "captured",
    idempotency_key: "external",
    captured_at: latest.captured_at ? new Date(latest.captured_at) : new Date(),
  })
}
