import type { KlarnaOrderLine } from "../../klarna/types"
import { sumMinorUnits } from "../money"
import type { GiftCardLine } from "../order-model"
import { klarnaName, klarnaReference } from "./text"

/**
 * A credit that lowers what Klarna collects: a gift card, or a negative platform rounding
 * difference (see order-allocation.ts).
 */
export type CreditSource = { kind: "gift_card"; giftCard: GiftCardLine; amount: number } | { kind: "rounding"; amount: number }

export interface CreditUse {
  /** Index in the order's credit sources (gift cards in `order.giftCards` order, then rounding). */
  sourceIndex: number
  source: CreditSource
  /** Positive amount of the credit used. */
  amount: number
}

/**
 * Greedy credit consumption: parts are visited in order (active fulfillments in
 * `order.fulfillments` order, then what is not fulfilled), credits in source order; each part takes
 * min(credit left, part gross left). A capture therefore never goes below 0, credits are used as
 * early as possible, and a part's credits depend only on the parts before it (so a fulfillment's
 * capture does not change when later fulfillments arrive).
 * Returns the uses per part and the credit no part could absorb.
 */
export function consumeCredits(
  partGross: readonly number[],
  sources: readonly CreditSource[],
): { uses: CreditUse[][]; unallocated: number } {
  const left = sources.map((s) => s.amount)
  let cursor = 0
  const uses = partGross.map((gross) => {
    let room = Math.max(0, gross)
    const partUses: CreditUse[] = []
    while (room > 0 && cursor < sources.length) {
      const take = Math.min(room, left[cursor])
      if (take > 0) {
        partUses.push({ sourceIndex: cursor, source: sources[cursor], amount: take })
        left[cursor] -= take
        room -= take
      }
      if (left[cursor] === 0) cursor++
    }
    return partUses
  })
  return { uses, unallocated: sumMinorUnits(left, "unallocated credit") }
}

/**
 * A gift card as a negative `gift_card` line: quantity 1, unit_price = total_amount = -amount,
 * no discount, tax_rate 0 (a gift card is a means of payment, not a taxable supply). The name shows
 * only the last 4 characters of the code: a gift card code is a bearer secret.
 */
export function giftCardLine(giftCard: GiftCardLine, amount: number): KlarnaOrderLine {
  return {
    type: "gift_card",
    reference: klarnaReference(giftCard.id),
    name: klarnaName(`Gift card ${maskCode(giftCard.code)}`, "Gift card"),
    quantity: 1,
    unit_price: -amount,
    tax_rate: 0,
    total_amount: -amount,
    total_discount_amount: 0,
    total_tax_amount: 0,
  }
}

/** "GIFT-ABCD-1234" -> "****1234"; codes of 4 characters or fewer are fully masked. */
export function maskCode(code: string): string {
  const chars = Array.from(code.trim())
  if (chars.length <= 4) return "****"
  return `****${chars.slice(-4).join("")}`
}

/** Merges credit uses of the same source (for the remaining capture), in source order. */
export function combineCreditUses(groups: readonly (readonly CreditUse[])[]): CreditUse[] {
  const bySource = new Map<number, CreditUse>()
  for (const uses of groups) {
    for (const u of uses) {
      const prev = bySource.get(u.sourceIndex)
      bySource.set(u.sourceIndex, prev ? { ...prev, amount: prev.amount + u.amount } : { ...u })
    }
  }
  return [...bySource.values()].sort((a, b) => a.sourceIndex - b.sourceIndex)
}
