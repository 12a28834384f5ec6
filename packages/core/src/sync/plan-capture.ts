import type { KlarnaOrderLine } from "../klarna/types"
import { validateOrderLines } from "./line-validation"
import type { OrderSnapshot } from "./order-model"
import { type CaptureContent, captureLines, giftCardAmount, roundingAmount } from "./order-lines/capture-lines"
import { FulfillmentNotFoundError } from "./order-lines/errors"
import { fitLineLimit } from "./order-lines/line-limit"
import { allocateOrder } from "./order-lines/order-allocation"

/**
 * Why a plan has nothing to send. Klarna refuses a capture of 0 (a capture's captured_amount is at
 * least 1), so the engine records the plan and sends nothing when `skip` is set.
 */
export type CaptureSkipReason =
  | "order_canceled"
  | "fulfillment_canceled"
  /** Lines exist but add up to 0 (e.g. the gift card paid for this shipment). */
  | "zero_amount"
  /** planRemainingCapture: everything is captured already. */
  | "nothing_remaining"
  /** planRemainingCapture: earlier captures add up to more than the order's total. */
  | "over_captured"

export interface CapturePlan {
  /** The fulfillment this capture mirrors; null for the remaining capture. */
  fulfillmentId: string | null
  /** captured_amount: sum(orderLines.total_amount), exactly. */
  capturedAmount: number
  orderLines: KlarnaOrderLine[]
  /** True when the order's shipping lines are in this capture. */
  includesShipping: boolean
  /** Gift-card credit used by this capture (positive; the lines carry it negative). */
  giftCardAmount: number
  /** Signed platform rounding adjustment carried by this capture (0 almost always). */
  roundingAdjustment: number
  /** Item lines folded into "N more items" lines to stay within 1000 lines (0 almost always). */
  mergedLineCount: number
  skip?: CaptureSkipReason
}

function emptyPlan(fulfillmentId: string | null, skip: CaptureSkipReason): CapturePlan {
  return {
    fulfillmentId,
    capturedAmount: 0,
    orderLines: [],
    includesShipping: false,
    giftCardAmount: 0,
    roundingAdjustment: 0,
    mergedLineCount: 0,
    skip,
  }
}

/**
 * Builds, limits (1000 lines) and self-checks the lines of some capture content. `extraLines` (e.g.
 * a reconciliation line) are appended before the limit is applied and `amount` must be their sum
 * with the content's.
 */
export function buildCapturePlan(
  fulfillmentId: string | null,
  content: CaptureContent,
  context: string,
  extraLines: readonly KlarnaOrderLine[] = [],
  amount: number = content.amount,
): CapturePlan {
  const { lines, mergedLineCount } = fitLineLimit([...captureLines(content), ...extraLines])
  validateOrderLines(amount, lines, context)
  const plan: CapturePlan = {
    fulfillmentId,
    capturedAmount: amount,
    orderLines: lines,
    includesShipping: content.shipping.length > 0,
    giftCardAmount: giftCardAmount(content),
    roundingAdjustment: roundingAmount(content),
    mergedLineCount,
  }
  if (amount === 0) plan.skip = "zero_amount"
  return plan
}

/**
 * The Klarna capture for one fulfillment: exactly its units as order lines, the shipping lines if it
 * is the first non-canceled fulfillment, its share of gift cards as negative `gift_card` lines, and
 * the platform's rounding difference if it is the first capture (see order-lines/order-allocation.ts
 * for every rule).
 *
 * A pure function of the order state: it does not depend on what was captured before, and a
 * fulfillment's plan depends only on the non-canceled fulfillments before it, so planning it again,
 * later, or after other events gives the same capture. The lines pass validateOrderLines (checked
 * here before returning).
 *
 * @throws FulfillmentNotFoundError, OrderSnapshotError (inconsistent snapshot),
 *   OrderLineValidationError (e.g. an amount above Klarna's 200000000 limit).
 */
export function planCapture(order: OrderSnapshot, fulfillmentId: string): CapturePlan {
  const fulfillment = order.fulfillments.find((f) => f.id === fulfillmentId)
  if (!fulfillment) throw new FulfillmentNotFoundError(order.orderId, fulfillmentId)
  if (order.canceled) return emptyPlan(fulfillmentId, "order_canceled")
  if (fulfillment.canceled) return emptyPlan(fulfillmentId, "fulfillment_canceled")
  const allocation = allocateOrder(order)
  const part = allocation.parts.find((p) => p.key.kind === "fulfillment" && p.key.fulfillmentId === fulfillmentId)
  if (!part) throw new FulfillmentNotFoundError(order.orderId, fulfillmentId)
  return buildCapturePlan(fulfillmentId, part, `capture for fulfillment ${fulfillmentId} of order ${order.orderId}`)
}

export { emptyPlan as emptyCapturePlan }
