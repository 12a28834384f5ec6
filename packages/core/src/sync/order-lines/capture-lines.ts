import type { KlarnaOrderLine } from "../../klarna/types"
import { sumMinorUnits } from "../money"
import { ROUNDING_ADJUSTMENT_NAME, roundingAdjustmentLine } from "./adjustment-lines"
import { type CreditUse, combineCreditUses, giftCardLine } from "./gift-card-lines"
import { combineItemShares, itemShareLine } from "./item-lines"
import type { OrderPart } from "./order-allocation"
import { shippingLine } from "./shipping-lines"

/** What one or more parts of the order contain, ready to become capture lines. */
export interface CaptureContent {
  items: OrderPart["items"]
  shipping: OrderPart["shipping"]
  surcharge: number
  adjustmentName: string
  credits: CreditUse[]
  amount: number
}

/** Several parts captured together (the remaining capture): same items added up, credits per source. */
export function combineParts(parts: readonly OrderPart[]): CaptureContent {
  return {
    items: combineItemShares(parts.map((p) => p.items)),
    shipping: parts.flatMap((p) => p.shipping),
    surcharge: sumMinorUnits(
      parts.map((p) => p.surcharge),
      "surcharge",
    ),
    adjustmentName: parts[0]?.adjustmentName ?? ROUNDING_ADJUSTMENT_NAME,
    credits: combineCreditUses(parts.map((p) => p.credits)),
    amount: sumMinorUnits(
      parts.map((p) => p.amount),
      "amount",
    ),
  }
}

/**
 * Capture lines, in this order: item lines (in `order.items` order), shipping lines, the positive
 * rounding adjustment, then credits (gift cards, then a negative rounding adjustment).
 * Their total_amount adds up to content.amount by construction.
 */
export function captureLines(content: CaptureContent): KlarnaOrderLine[] {
  const lines: KlarnaOrderLine[] = content.items.map(itemShareLine)
  lines.push(...content.shipping.map(shippingLine))
  if (content.surcharge > 0) lines.push(roundingAdjustmentLine(content.surcharge, content.adjustmentName))
  for (const use of content.credits) {
    lines.push(
      use.source.kind === "gift_card"
        ? giftCardLine(use.source.giftCard, use.amount)
        : roundingAdjustmentLine(-use.amount, content.adjustmentName),
    )
  }
  return lines
}

/** Sum of gift-card credit in the content (positive). */
export function giftCardAmount(content: CaptureContent): number {
  return sumMinorUnits(
    content.credits.filter((c) => c.source.kind === "gift_card").map((c) => c.amount),
    "gift card amount",
  )
}

/** Signed platform rounding adjustment in the content. */
export function roundingAmount(content: CaptureContent): number {
  return (
    content.surcharge -
    sumMinorUnits(
      content.credits.filter((c) => c.source.kind === "rounding").map((c) => c.amount),
      "rounding",
    )
  )
}
