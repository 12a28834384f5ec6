import { assertMinorUnits, divRoundHalfAwayFromZero, toSafeNumber } from "../money"

/**
 * The tax contained in a tax-inclusive line total, Klarna's formula
 *   total_tax_amount = total_amount - total_amount*10000/(10000+tax_rate)
 * rounded ONE way, always: the net amount total_amount*10000/(10000+tax_rate) is rounded to the
 * nearest minor unit with ties away from zero, and the tax is total_amount minus that net.
 * Consequences: the tax of a negative line is exactly minus the tax of the positive line, tax_rate 0
 * gives tax 0, and |tax| <= |total|. Computed with BigInt (no float).
 */
export function taxIncluded(totalAmount: number, taxRate: number): number {
  assertMinorUnits(totalAmount, "total_amount")
  if (!Number.isSafeInteger(taxRate) || taxRate < 0) {
    throw new RangeError(`tax_rate must be an integer >= 0 (basis points), got ${String(taxRate)}`)
  }
  const total = BigInt(totalAmount)
  const net = divRoundHalfAwayFromZero(total * 10000n, 10000n + BigInt(taxRate))
  return toSafeNumber(total - net, "total_tax_amount")
}
