import type { KlarnaOrderLine } from "../../klarna/types"
import { ceilDiv, mulMinorUnits } from "../money"
import { taxIncluded } from "./tax"
import { klarnaName, klarnaReference, klarnaUrl } from "./text"
import type { ItemShare } from "./unit-allocation"

/**
 * The Klarna line for some units of an item.
 *
 * - quantity = the number of units; total_amount = their cumulative share of item.total (see
 *   unit-allocation.ts), tax included, after discounts.
 * - unit_price = ceil(max(gross share, total share) / quantity), where the gross share is the
 *   same units' cumulative share of item.originalTotal: the gross unit price before discounts,
 *   rounded UP. When item.originalTotal is a multiple of item.quantity (the usual case) this is
 *   exactly the item's unit price, in every capture and refund. (The max only matters in rare
 *   rounding cases where the cumulative gross share is 1 below the total share.)
 * - total_discount_amount = quantity*unit_price - total_amount: the discount share (gross share -
 *   total share) plus the units added by rounding the unit price up; >= 0 by construction of the max.
 * - total_tax_amount from taxIncluded(total_amount, item.taxRate) (one rounding rule, see tax.ts).
 * So total_amount = quantity*unit_price - total_discount_amount holds exactly, by construction.
 */
export function itemShareLine(share: ItemShare): KlarnaOrderLine {
  const { item } = share
  const unitPrice = share.quantity > 0 ? ceilDiv(Math.max(share.gross, share.total), share.quantity) : 0
  const discount = mulMinorUnits(share.quantity, unitPrice, "quantity*unit_price") - share.total
  const line: KlarnaOrderLine = {
    type: item.type,
    reference: klarnaReference(item.reference) ?? klarnaReference(item.id),
    name: klarnaName(item.name, "Item"),
    quantity: share.quantity,
    unit_price: unitPrice,
    tax_rate: item.taxRate,
    total_amount: share.total,
    total_discount_amount: discount,
    total_tax_amount: taxIncluded(share.total, item.taxRate),
  }
  const productUrl = klarnaUrl(item.productUrl)
  const imageUrl = klarnaUrl(item.imageUrl)
  if (productUrl) line.product_url = productUrl
  if (imageUrl) line.image_url = imageUrl
  return line
}

/** Adds up shares of the same item (e.g. several not-yet-captured fulfillments), in items order. */
export function combineItemShares(groups: readonly (readonly ItemShare[])[]): ItemShare[] {
  const byIndex = new Map<number, ItemShare>()
  for (const shares of groups) {
    for (const s of shares) {
      const prev = byIndex.get(s.itemIndex)
      byIndex.set(
        s.itemIndex,
        prev ? { ...prev, quantity: prev.quantity + s.quantity, total: prev.total + s.total, gross: prev.gross + s.gross } : { ...s },
      )
    }
  }
  return [...byIndex.values()].sort((a, b) => a.itemIndex - b.itemIndex)
}
