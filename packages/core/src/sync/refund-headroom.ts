/**
 * What Klarna can still refund for a platform order, and the refusal a refund beyond it gets (pure: each
 * platform counts the figures from its own tables). The platform's refunds count as soon as the platform
 * recorded them (the Klarna refund follows through the outbox), plus Klarna refunds made outside it.
 */
export interface RefundHeadroom {
  klarnaOrderId: string
  captured: number
  /** Refunded or to be refunded: Medusa's refunds of the order plus Klarna refunds made outside Medusa. */
  refunded: number
  refundable: number
  /** A capture is queued or running: the captured amount is about to grow. */
  capturesUnderWay: boolean
}

/** Why Klarna would refuse a refund of `amount`, or null when it fits (or a capture under way may make it fit). */
export function refundRefusal(headroom: RefundHeadroom, amount: number): string | null {
  if (amount <= headroom.refundable || headroom.capturesUnderWay) return null
  return (
    `Klarna can refund at most ${Math.max(headroom.refundable, 0)} of Klarna order ${headroom.klarnaOrderId} ` +
    `(captured ${headroom.captured}, refunded ${headroom.refunded}); a refund of ${amount} would be rejected`
  )
}
