/**
 * Medusa v2 amounts -> Klarna minor units, exactly.
 *
 * Medusa v2 keeps money as decimals in MAJOR units and does not round them to the currency (a line total of
 * 448.875 SEK was measured, /work/shared/DESIGN.md "Medusa v2 facts"). An amount reaches us as one of:
 * - a `raw_*` column: `{ value: "448.87500000000000000", precision: 20 }` (`value` is bignumber.js
 *   `toPrecision(precision)`: 20 SIGNIFICANT digits, exponential notation below 1e-6, e.g. "1.0000000000000000000e-7");
 * - a Medusa `BigNumber` (totals): `.bigNumber` (bignumber.js, unrounded), `.raw` (as above), `.numeric` (float);
 * - a bignumber.js value (what `MathBN` returns), a decimal string, or a JS number.
 * Everything becomes an {@link ExactDecimal} (BigInt units and a power-of-ten scale): no floating point after
 * parsing. A JS number is taken as the decimal it prints as (`String(n)`, the shortest round-trip form), which
 * is also how bignumber.js reads numbers; prefer the raw or BigNumber forms, which carry the stored digits.
 */
import { MoneyError, currencyDecimals, divRoundHalfAwayFromZero, floorDivBig, toSafeNumber } from "@klarna-order-sync/core"

/** An exact decimal number: `units / 10^scale`, normalised (no trailing zero digits when scale > 0). */
export interface ExactDecimal {
  readonly units: bigint
  /** Number of fraction digits, >= 0. */
  readonly scale: number
}

/** A `raw_*` value as Medusa v2 stores it (BigNumberRawValue in @medusajs/types). */
export interface V2RawAmount {
  value: string | number
  precision?: number
  [key: string]: unknown
}

/** What a v2 order object may hold where an amount is: see the module comment. */
export type V2Amount = string | number | V2RawAmount | object

/** Decimal strings in normal or exponential notation, as bignumber.js prints them. */
const DECIMAL_TEXT = /^([+-])?(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i
/** Bounds that keep BigInt arithmetic small: far beyond any amount, far below any denial of service. */
const MAX_EXPONENT = 100
const MAX_DIGITS = 200

/** Parses any form of a v2 amount into an exact decimal; throws MoneyError naming `label` otherwise. */
export function parseV2Amount(amount: unknown, label = "amount"): ExactDecimal {
  if (typeof amount === "string") return parseDecimalText(amount, label)
  if (typeof amount === "number") {
    if (!Number.isFinite(amount)) throw new MoneyError(`${label} is not a finite number: ${String(amount)}`)
    return parseDecimalText(String(amount), label)
  }
  if (typeof amount === "bigint") return { units: amount, scale: 0 }
  if (amount !== null && typeof amount === "object") return parseAmountObject(amount as Record<string, unknown>, label)
  throw new MoneyError(`${label} is not an amount: ${describe(amount)}`)
}

function parseAmountObject(amount: Record<string, unknown>, label: string): ExactDecimal {
  // bignumber.js: toFixed() without arguments prints every digit, unrounded, in normal notation.
  if (amount._isBigNumber === true && typeof amount.toFixed === "function") {
    return parseDecimalText(String((amount.toFixed as () => unknown).call(amount)), label)
  }
  // Medusa's BigNumber: the bignumber.js value first (raw.value is rounded to `precision` significant digits),
  // then raw, then the float. Its getters live on the prototype, hence `in`.
  if ("bigNumber" in amount || "raw" in amount || "numeric" in amount) {
    const source = amount.bigNumber ?? amount.raw ?? amount.numeric
    if (source !== undefined && source !== null) return parseV2Amount(source, label)
  }
  if ("value" in amount) return parseV2Amount(amount.value, `${label}.value`)
  // Medusa 2.x BigNumber also prints its raw value; a plain object would print "[object Object]" and fail below.
  if (typeof amount.toString === "function" && amount.toString !== Object.prototype.toString) {
    return parseDecimalText(String(amount), label)
  }
  throw new MoneyError(`${label} is not an amount: an object without value, raw, bigNumber or numeric`)
}

function parseDecimalText(text: string, label: string): ExactDecimal {
  const match = DECIMAL_TEXT.exec(text.trim())
  const intDigits = match?.[2] ?? ""
  const fracDigits = match?.[3] ?? ""
  if (!match || (intDigits === "" && fracDigits === "")) {
    throw new MoneyError(`${label} is not a decimal number: ${JSON.stringify(text)}`)
  }
  const exponent = match[4] === undefined ? 0 : Number(match[4])
  if (Math.abs(exponent) > MAX_EXPONENT || intDigits.length + fracDigits.length > MAX_DIGITS) {
    throw new MoneyError(`${label} is out of range for an amount: ${JSON.stringify(text)}`)
  }
  const magnitude = BigInt(`${intDigits}${fracDigits}` || "0")
  const units = match[1] === "-" ? -magnitude : magnitude
  return withScale(units, fracDigits.length - exponent)
}

/** units / 10^scale for any integer scale (a negative scale multiplies), normalised. */
function withScale(units: bigint, scale: number): ExactDecimal {
  if (scale < 0) return { units: units * 10n ** BigInt(-scale), scale: 0 }
  let u = units
  let s = scale
  while (s > 0 && u % 10n === 0n) {
    u /= 10n
    s--
  }
  return { units: u, scale: s }
}

/** The same amount counted in minor units of a currency with `decimals` digits: 448.875 SEK -> 44887.5 öre. */
export function toMinorUnitDecimal(amount: ExactDecimal, decimals: number): ExactDecimal {
  return withScale(amount.units, amount.scale - decimals)
}

/** Rounds an exact decimal to an integer, ties away from zero (symmetric: -0.5 -> -1, 0.5 -> 1). */
export function roundHalfAwayFromZero(amount: ExactDecimal): bigint {
  return amount.scale === 0 ? amount.units : divRoundHalfAwayFromZero(amount.units, 10n ** BigInt(amount.scale))
}

/**
 * One v2 amount in Klarna minor units, rounded half away from zero: 448.875 SEK -> 44888, -0.125 SEK -> -13.
 * For a single amount (an order total, an authorization); an order's parts go through {@link allocateMinorUnits}
 * so that they add up to the rounded total.
 */
export function v2AmountToMinorUnits(amount: unknown, currencyCode: string, label = "amount"): number {
  const minor = toMinorUnitDecimal(parseV2Amount(amount, label), currencyDecimals(currencyCode))
  return toSafeNumber(roundHalfAwayFromZero(minor), label)
}

/**
 * One v2 amount in Klarna minor units, refusing to round: for an amount that must be sent as it is (e.g. a
 * refund Medusa records, which Klarna must refund to the cent or not at all). Throws on a sub-minor remainder.
 */
export function v2AmountToExactMinorUnits(amount: unknown, currencyCode: string, label = "amount"): number {
  const decimals = currencyDecimals(currencyCode)
  const minor = toMinorUnitDecimal(parseV2Amount(amount, label), decimals)
  if (minor.scale !== 0) {
    throw new MoneyError(
      `${label} ${formatExactDecimal(parseV2Amount(amount, label))} ${currencyCode.toUpperCase()} has more than ${decimals} decimals: it is not a whole number of minor units`,
    )
  }
  return toSafeNumber(minor.units, label)
}

/**
 * Splits an order's total into whole minor units over its parts (item totals, shipping, discounts as negative
 * parts, taxes...), so that Σ result = round-half-away-from-zero(total), the amount Klarna authorized.
 *
 * The rule (largest remainder): each part gets floor(part) minor units; the D = round(total) − Σ floor(part)
 * units left over go, one each, to the D parts with the largest sub-minor remainders (equal remainders: the
 * earlier part first). Hence:
 * - Σ result = round(total), exactly;
 * - every part gets floor(part) or floor(part) + 1: within one minor unit of its exact value, and a part that
 *   already is a whole number of minor units is never changed when the parts sum to the total exactly;
 * - the result does not depend on the parts' order, except between equal remainders;
 * - negative parts (discounts) follow the same floor/remainder rule, so -0.125 SEK is -13 or -12 öre.
 * Rounding each part on its own would not add up (3 × 0.005 rounds to 3 × 1 = 3, not round(0.015) = 2), and the
 * core's cumulative floor(T·b/n) − floor(T·a/n) split is for n equal units of one total, not for unequal parts.
 *
 * Parts that do not sum to the total: a gap g = total − Σ parts of less than half a minor unit (e.g. the
 * 1e-18-sized differences of v2's 20-digit division) is absorbed by the same rule, which stays well defined
 * (0 <= D <= number of parts) and keeps every part within one minor unit. A gap of half a minor unit or more
 * means the parts are not a decomposition of the total (a missing line, a discount counted twice): that throws
 * a MoneyError stating both sums, rather than moving a whole minor unit onto some line.
 */
export function allocateMinorUnits(parts: readonly unknown[], total: unknown, currencyCode: string, label = "order"): number[] {
  const decimals = currencyDecimals(currencyCode)
  const exactParts = parts.map((part, i) => toMinorUnitDecimal(parseV2Amount(part, `${label} part ${i}`), decimals))
  const exactTotal = toMinorUnitDecimal(parseV2Amount(total, `${label} total`), decimals)
  const scale = Math.max(exactTotal.scale, ...exactParts.map((p) => p.scale))
  const one = 10n ** BigInt(scale) // one minor unit at the common scale
  const atScale = (d: ExactDecimal) => d.units * 10n ** BigInt(scale - d.scale)
  const partUnits = exactParts.map(atScale)
  const totalUnits = atScale(exactTotal)

  const partSum = partUnits.reduce((a, b) => a + b, 0n)
  const gap = totalUnits - partSum
  if (2n * (gap < 0n ? -gap : gap) >= one) {
    const fmt = (units: bigint) => formatExactDecimal(withScale(units, scale + decimals))
    throw new MoneyError(
      `${label}: the parts sum to ${fmt(partSum)} but the total is ${fmt(totalUnits)} ${currencyCode.toUpperCase()} ` +
        `(a gap of ${fmt(gap)}, half a minor unit or more): the parts do not make up the total`,
    )
  }

  const rounded = divRoundHalfAwayFromZero(totalUnits, one)
  const floors = partUnits.map((p) => floorDivBig(p, one))
  const remainders = partUnits.map((p, i) => p - floors[i] * one)
  const leftOver = rounded - floors.reduce((a, b) => a + b, 0n)
  // Proved in the comment above for |gap| < 1/2; checked so a mistake cannot send a wrong amount.
  if (leftOver < 0n || leftOver > BigInt(parts.length)) {
    throw new MoneyError(`${label}: cannot allocate ${leftOver.toString()} minor units over ${parts.length} parts`)
  }
  const byRemainder = partUnits
    .map((_, i) => i)
    .sort((a, b) => (remainders[b] > remainders[a] ? 1 : remainders[b] < remainders[a] ? -1 : a - b))
  const result = [...floors]
  for (let k = 0; k < Number(leftOver); k++) result[byRemainder[k]] += 1n
  return result.map((units, i) => toSafeNumber(units, `${label} part ${i}`))
}

/** An exact decimal as text, without floating point: {44887.5 -> "44887.5"}, for messages and tests. */
export function formatExactDecimal(amount: ExactDecimal): string {
  const negative = amount.units < 0n
  const digits = (negative ? -amount.units : amount.units).toString()
  if (amount.scale === 0) return `${negative ? "-" : ""}${digits}`
  const padded = digits.padStart(amount.scale + 1, "0")
  return `${negative ? "-" : ""}${padded.slice(0, -amount.scale)}.${padded.slice(-amount.scale)}`
}

function describe(value: unknown): string {
  if (value === null) return "null"
  if (typeof value === "bigint") return `${value.toString()}n`
  return typeof value === "symbol" || typeof value === "function" ? typeof value : String(value)
}
