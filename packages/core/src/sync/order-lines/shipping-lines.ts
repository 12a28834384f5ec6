import type { KlarnaOrderLine } from "../../klarna/types"
import type { ShippingLine } from "../order-model"
import { taxIncluded } from "./tax"
import { klarnaName, klarnaReference } from "./text"

/**
 * A shipping method as a `shipping_fee` line: quantity 1, unit_price = gross before discounts,
 * total_discount_amount = its discount (a free-shipping discount makes total_amount 0; the line is
 * still sent so the customer sees the shipping was free), tax at the method's own rate.
 */
export function shippingLine(s: ShippingLine): KlarnaOrderLine {
  return {
    type: "shipping_fee",
    reference: klarnaReference(s.id),
    name: klarnaName(s.name, "Shipping"),
    quantity: 1,
    unit_price: s.originalTotal,
    tax_rate: s.taxRate,
    total_amount: s.total,
    total_discount_amount: s.discountTotal,
    total_tax_amount: taxIncluded(s.total, s.taxRate),
  }
}

/**
 * The shipping part of a refund (`RefundSnapshot.shippingAmount`): one `shipping_fee` line with
 * quantity 1 and unit_price = total_amount = the amount. Name, reference and tax rate come from the
 * order's shipping method when there is exactly one; with several methods the line is "Shipping",
 * taxed at their common rate if they share one, otherwise sent without tax fields (the platform does
 * not say which method is refunded, and a guessed rate would be wrong).
 */
export function shippingRefundLine(shippingLines: readonly ShippingLine[], amount: number): KlarnaOrderLine {
  const single = shippingLines.length === 1 ? shippingLines[0] : undefined
  const rates = new Set(shippingLines.map((s) => s.taxRate))
  const rate = rates.size === 1 ? shippingLines[0].taxRate : undefined
  const line: KlarnaOrderLine = {
    type: "shipping_fee",
    reference: klarnaReference(single?.id),
    name: klarnaName(single?.name, "Shipping"),
    quantity: 1,
    unit_price: amount,
    total_amount: amount,
    total_discount_amount: 0,
  }
  if (line.reference === undefined) delete line.reference
  if (rate !== undefined) {
    line.tax_rate = rate
    line.total_tax_amount = taxIncluded(amount, rate)
  }
  return line
}
