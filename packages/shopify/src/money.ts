/**
 * Shopify sends money as decimal strings ("159.99", in `*_set.presentment_money.amount`) and, in a few
 * deprecated fields, as JSON numbers. Both become integer minor units here, without float arithmetic.
 */

export { currencyDecimals } from "@klarna-order-sync/core"

export class ShopifyMoneyError extends Error {
  override readonly name = "ShopifyMoneyError"
  readonly retryable = false
}

/**
 * "159.99" → 15999 (decimals 2). Accepts an optional sign, any number of integer digits and at most as
 * many significant fraction digits as the currency has ("10.5" → 1050, "1000" → 100000, "12.000" with
 * decimals 2 → 1200). More significant fraction digits throw: they cannot be represented exactly.
 */
export function toMinorUnits(value: string | number | null | undefined, decimals: number, label: string): number {
  if (value === null || value === undefined || value === "") return 0
  const text = typeof value === "number" ? numberText(value, label) : value.trim()
  const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text)
  if (!match || (match[2] === "" && (match[3] ?? "") === "")) throw new ShopifyMoneyError(`${label}: "${text}" is not a decimal amount`)
  const [, sign, whole, fraction = ""] = match
  const significant = fraction.replace(/0+$/, "")
  if (significant.length > decimals) {
    throw new ShopifyMoneyError(`${label}: "${text}" has more than ${decimals} decimals`)
  }
  const minor = BigInt(whole || "0") * 10n ** BigInt(decimals) + BigInt((significant + "0".repeat(decimals)).slice(0, decimals) || "0")
  const result = Number(sign === "-" ? -minor : minor)
  if (!Number.isSafeInteger(result)) throw new ShopifyMoneyError(`${label}: "${text}" is too large`)
  return result
}

function numberText(value: number, label: string): string {
  if (!Number.isFinite(value)) throw new ShopifyMoneyError(`${label}: ${value} is not a finite amount`)
  // Shortest round-trip representation ("89.99"), never exponent notation for money-sized numbers.
  const text = String(value)
  if (/e/i.test(text)) throw new ShopifyMoneyError(`${label}: ${text} is not a plain decimal amount`)
  return text
}

/** A Shopify MoneyBag (`{shop_money, presentment_money}`) or its legacy scalar twin. */
export interface MoneySet {
  shop_money?: { amount?: string | null; currency_code?: string | null } | null
  presentment_money?: { amount?: string | null; currency_code?: string | null } | null
}

/**
 * The amount in the currency the customer paid (presentment money: what Klarna authorized), falling
 * back to the legacy scalar field, which is in the shop's currency (the same currency unless the
 * store sells in several currencies; toSnapshot refuses that case when a set is missing).
 */
export function moneyOf(
  set: MoneySet | null | undefined,
  legacy: string | number | null | undefined,
  decimals: number,
  label: string,
): number {
  const presentment = set?.presentment_money?.amount
  if (presentment !== undefined && presentment !== null && presentment !== "") return toMinorUnits(presentment, decimals, label)
  return toMinorUnits(legacy, decimals, label)
}

/** Tax rate (Shopify: a fraction, 0.25) → basis points (2500). */
export function basisPoints(rate: number | string | null | undefined): number {
  if (rate === null || rate === undefined || rate === "") return 0
  const value = typeof rate === "number" ? rate : Number(rate)
  if (!Number.isFinite(value) || value < 0) return 0
  return Math.round(value * 10_000)
}

/** round(a * b / c), half away from zero, in integers (a, b, c >= 0; c > 0). */
export function mulDivRound(a: number, b: number, c: number): number {
  const numerator = BigInt(a) * BigInt(b) * 2n + BigInt(c)
  return Number(numerator / (BigInt(c) * 2n))
}
