/**
 * Integer money helpers. Every amount is an integer number of minor units (cents, öre, yen, fils);
 * nothing here multiplies or divides money as floating point. Products and quotients go through
 * BigInt, so `total * units` cannot silently lose precision above 2^53.
 *
 * Rounding rules used across the engine (all documented at the call sites too):
 * - {@link cumulativeShare}: units [from, to) of a line worth `total` over `count` units get
 *   floor(total*to/count) - floor(total*from/count). Any partition of 0..count sums to `total`.
 * - {@link ceilDiv}: unit prices are rounded up, the difference goes into the line's discount.
 * - {@link divRoundHalfAwayFromZero}: the net amount in the tax formula.
 */

/** Thrown when a value is not a valid amount of minor units, or an integer computation overflows. */
export class MoneyError extends Error {
  override readonly name = "MoneyError"
}

/** Klarna's maximum for every amount field (captured_amount, unit_price, total_amount, ...). */
export const KLARNA_MAX_AMOUNT = 200_000_000

/** Asserts `value` is a safe integer (an amount of minor units). */
export function assertMinorUnits(value: unknown, label: string): asserts value is number {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new MoneyError(`${label} must be a safe integer amount of minor units, got ${describe(value)}`)
  }
}

/** Asserts `value` is a safe integer >= 0. */
export function assertNonNegativeMinorUnits(value: unknown, label: string): asserts value is number {
  assertMinorUnits(value, label)
  if (value < 0) throw new MoneyError(`${label} must be >= 0, got ${value}`)
}

/** Converts a BigInt result back to a number, refusing anything outside the safe-integer range. */
export function toSafeNumber(value: bigint, label: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new MoneyError(`${label} overflows the safe-integer range: ${value.toString()}`)
  }
  return Number(value)
}

/** floor(a / b) for b > 0 (BigInt `/` truncates toward zero, which is wrong for negative a). */
export function floorDivBig(a: bigint, b: bigint): bigint {
  if (b <= 0n) throw new MoneyError(`divisor must be > 0, got ${b.toString()}`)
  const q = a / b
  return a % b !== 0n && a < 0n ? q - 1n : q
}

/** ceil(a / b) for b > 0. */
export function ceilDivBig(a: bigint, b: bigint): bigint {
  return -floorDivBig(-a, b)
}

/** ceil(a / b) for integer a and integer b > 0. */
export function ceilDiv(a: number, b: number): number {
  assertMinorUnits(a, "dividend")
  assertMinorUnits(b, "divisor")
  return toSafeNumber(ceilDivBig(BigInt(a), BigInt(b)), "ceilDiv")
}

/**
 * a / b rounded to the nearest integer, ties away from zero (so the result is symmetric:
 * f(-a, b) = -f(a, b)). b > 0.
 */
export function divRoundHalfAwayFromZero(a: bigint, b: bigint): bigint {
  if (b <= 0n) throw new MoneyError(`divisor must be > 0, got ${b.toString()}`)
  const negative = a < 0n
  const abs = negative ? -a : a
  const q = (2n * abs + b) / (2n * b) // floor((abs + b/2) / b), ties round up in magnitude
  return negative ? -q : q
}

/** The product a*b as a safe integer (throws instead of losing precision). */
export function mulMinorUnits(a: number, b: number, label = "product"): number {
  return toSafeNumber(BigInt(a) * BigInt(b), label)
}

/** Exact sum of integer amounts; throws if any term is not a safe integer or the sum overflows. */
export function sumMinorUnits(values: Iterable<number>, label = "sum"): number {
  let acc = 0n
  let i = 0
  for (const v of values) {
    assertMinorUnits(v, `${label}[${i}]`)
    acc += BigInt(v)
    i++
  }
  return toSafeNumber(acc, label)
}

/**
 * Cumulative allocation: the part of `total` that belongs to units [from, to) out of `count` units,
 * floor(total*to/count) - floor(total*from/count).
 *
 * Because each boundary is rounded once, and the same way, any partition of 0..count into ranges
 * adds up to exactly `total`; the cents of a non-divisible total are spread deterministically over
 * the units (unit i gets floor(total*(i+1)/count) - floor(total*i/count)), and no range ever
 * "absorbs the remainder". For total >= 0 every share is >= 0.
 */
export function cumulativeShare(total: number, count: number, from: number, to: number): number {
  assertMinorUnits(total, "total")
  if (!Number.isSafeInteger(count) || count <= 0) throw new MoneyError(`unit count must be an integer > 0, got ${describe(count)}`)
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || to < from || to > count) {
    throw new MoneyError(`unit range [${describe(from)}, ${describe(to)}) is not inside [0, ${count})`)
  }
  const t = BigInt(total)
  const n = BigInt(count)
  return toSafeNumber(floorDivBig(t * BigInt(to), n) - floorDivBig(t * BigInt(from), n), "cumulativeShare")
}

/**
 * Formats minor units as a decimal string without floating point: (1234, 2, "EUR") -> "12.34 EUR",
 * (-5, 3) -> "-0.005", (700, 0, "JPY") -> "700 JPY". For messages only.
 */
export function formatMinorUnits(amount: number, decimals: number, currency?: string): string {
  const negative = amount < 0
  const digits = BigInt(amount < 0 ? -amount : amount).toString()
  let text: string
  if (!Number.isInteger(decimals) || decimals <= 0) {
    text = digits
  } else {
    const padded = digits.padStart(decimals + 1, "0")
    text = `${padded.slice(0, padded.length - decimals)}.${padded.slice(padded.length - decimals)}`
  }
  return `${negative ? "-" : ""}${text}${currency ? ` ${currency}` : ""}`
}

/** Formats a tax rate in basis points as a percentage string: 2500 -> "25%", 1250 -> "12.5%", 705 -> "7.05%". */
export function formatTaxRate(basisPoints: number): string {
  const whole = Math.trunc(basisPoints / 100)
  const frac = Math.abs(basisPoints % 100)
  if (frac === 0) return `${whole}%`
  const fracText = frac.toString().padStart(2, "0").replace(/0$/, "")
  return `${whole}.${fracText}%`
}

function describe(value: unknown): string {
  if (typeof value === "number") return String(value)
  if (typeof value === "bigint") return `${value.toString()}n`
  if (typeof value === "string") return JSON.stringify(value)
  return typeof value
}
