/**
 * Why a job sent nothing to Klarna, in words a merchant reads in the widget's sync log (the engine
 * completes a skipped job with `{ reason }`). The planner's codes stay machine-readable; these say them.
 */
import type { CaptureSkipReason } from "../plan-capture"

const CAPTURE_SKIPS: Record<CaptureSkipReason, string> = {
  order_canceled: "the order was canceled, so nothing is charged",
  fulfillment_canceled: "the fulfillment was canceled before it was captured",
  zero_amount: "its lines add up to 0 (e.g. a gift card or discount paid for them), so there is nothing to charge",
  nothing_remaining: "the fulfillments already captured the whole order",
  over_captured: "earlier captures already add up to more than the order's total",
}

export function captureSkipReason(skip: CaptureSkipReason): string {
  return CAPTURE_SKIPS[skip] ?? skip
}
