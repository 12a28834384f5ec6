/**
 * Job keys: one per platform object and operation. The unique index on klarna_sync_job.job_key turns a
 * duplicate intent (the same event twice, two servers) into a no-op, and the key's UUIDv5 is the
 * Klarna-Idempotency-Key.
 */
import type { Platform } from "./ports"

export const jobKeys = {
  capture: (platform: Platform, fulfillmentId: string) => `${platform}:capture:${fulfillmentId}`,
  captureRemaining: (platform: Platform, orderId: string) => `${platform}:capture_remaining:${orderId}`,
  /** One job per set of tracking numbers: a tracking number that appears later gets a job of its own. */
  shippingInfo: (platform: Platform, fulfillmentId: string, trackingNumbers: string[]) =>
    `${platform}:shipping_info:${fulfillmentId}:${[...trackingNumbers].sort().join(",")}`,
  /**
   * A tracking value Klarna cannot take intact: one parked job per fulfillment, field and value (hashed,
   * values may be long), so the same refusal seen again by another event is the same job.
   */
  shippingInfoRefused: (platform: Platform, fulfillmentId: string, field: string, valueHash: string) =>
    `${platform}:shipping_info:${fulfillmentId}:refused:${field}:${valueHash}`,
  refund: (platform: Platform, refundId: string) => `${platform}:refund:${refundId}`,
  /**
   * A refund asked for in the Klarna panel: the same amount and description pressed again before the
   * first one changed the order's refunded total is the same job (a double click refunds once); once it
   * did, pressing again is a new refund.
   */
  merchantRefund: (platform: Platform, orderId: string, refundedSoFar: number, amount: number, descriptionHash: string) =>
    `${platform}:refund:panel:${orderId}:${refundedSoFar}:${amount}:${descriptionHash}`,
  release: (platform: Platform, orderId: string) => `${platform}:release:${orderId}`,
  cancel: (platform: Platform, orderId: string) => `${platform}:cancel:${orderId}`,
  /** One per order: its references are set once (what was set is kept on the mapping). */
  updateReferences: (platform: Platform, orderId: string) => `${platform}:update_references:${orderId}`,
  /** A checkout's Klarna order that never became an order: one cancel per Klarna order. */
  cancelOrphan: (platform: Platform, checkoutId: string, klarnaOrderId: string) =>
    `${platform}:cancel_orphan:${checkoutId}:${klarnaOrderId}`,
  /** Resending is a merchant action that may be repeated: each request carries its own nonce. */
  triggerSendOut: (platform: Platform, captureId: string, nonce: string) => `${platform}:trigger_send_out:${captureId}:${nonce}`,
}

/** Jobs of one Klarna order run one at a time, oldest first. */
export function queueKeyFor(platform: Platform, platformOrderId: string): string {
  return `${platform}:${platformOrderId}`
}
