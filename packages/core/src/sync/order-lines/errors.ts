/**
 * Typed errors of the order-line planner. All are thrown (never returned) and none is retryable:
 * they describe an order state or a request that retrying cannot fix.
 */

/** The OrderSnapshot an adapter built is inconsistent (e.g. item total != original - discount). */
export class OrderSnapshotError extends Error {
  override readonly name = "OrderSnapshotError"
  readonly retryable = false
  constructor(
    readonly orderId: string,
    /** Where in the snapshot, e.g. `items[2].total`. */
    readonly path: string,
    detail: string,
  ) {
    super(`Order ${orderId}: ${path}: ${detail}`)
  }
}

export class FulfillmentNotFoundError extends Error {
  override readonly name = "FulfillmentNotFoundError"
  readonly retryable = false
  constructor(
    readonly orderId: string,
    readonly fulfillmentId: string,
  ) {
    super(`Order ${orderId} has no fulfillment ${fulfillmentId}`)
  }
}

export class RefundNotFoundError extends Error {
  override readonly name = "RefundNotFoundError"
  readonly retryable = false
  constructor(
    readonly orderId: string,
    readonly refundId: string,
  ) {
    super(`Order ${orderId} has no refund ${refundId}`)
  }
}

/**
 * A refund larger than what is captured and not yet refunded. Raised before Klarna is called;
 * Klarna would answer 403 REFUND_NOT_ALLOWED (or fail the whole refund).
 */
export class RefundExceedsCapturedError extends Error {
  override readonly name = "RefundExceedsCapturedError"
  readonly retryable = false
  constructor(
    readonly orderId: string,
    readonly refundId: string,
    readonly refundAmount: number,
    readonly capturedAmount: number,
    readonly alreadyRefundedAmount: number,
    readonly currency: string,
    formatted: { refund: string; captured: string; refunded: string; refundable: string },
  ) {
    super(
      `Refund ${refundId} of order ${orderId} is ${formatted.refund}, more than what is captured and not yet refunded: ` +
        `captured ${formatted.captured} - already refunded ${formatted.refunded} = ${formatted.refundable} refundable`,
    )
  }

  get refundableAmount(): number {
    return this.capturedAmount - this.alreadyRefundedAmount
  }
}

/** More non-item lines (shipping, gift cards, adjustments) than Klarna's 1000-line limit allows. */
export class LineLimitError extends Error {
  override readonly name = "LineLimitError"
  readonly retryable = false
}
