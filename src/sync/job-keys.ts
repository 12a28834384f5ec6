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
  refund: (platform: Platform, refundId: string) => `${platform}:refund:${refundId}`,
  release: (platform: Platform, orderId: string) => `${platform}:release:${orderId}`,
  cancel: (platform: Platform, orderId: string) => `${platform}:cancel:${orderId}`,
  /** A checkout's Klarna order that never became an order: one cancel per Klarna order. */
  cancelOrphan: (platform: Platform, checkoutId: string, klarnaOrderId: string) => `${platform}:cancel_orphan:${checkoutId}:${klarnaOrderId}`,
  /** Resending is a merchant action that may be repeated: each request carries its own nonce. */
  triggerSendOut: (platform: Platform, captureId: string, nonce: string) => `${platform}:trigger_send_out:${captureId}:${nonce}`,
}

/** Jobs of one Klarna order run one at a time, oldest first. */
export function queueKeyFor(platform: Platform, platformOrderId: string): string {
  return `${platform}:${platformOrderId}`
}
