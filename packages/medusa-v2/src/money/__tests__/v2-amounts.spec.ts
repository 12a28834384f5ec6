/**
 * v2 amounts -> Klarna minor units: named examples (the measured 448.875 SEK line, every form an amount takes
 * in a v2 order) and properties against a BigInt reference written independently of the module.
 */
import fc from "fast-check"
import BigNumberJS from "bignumber.js"
// The BigNumber class of @medusajs/utils present here is 1.11.11 (no toString yet); v2.21's reads the same
// raw/bigNumber/numeric fields, and its toString() prints raw.value (the "2.x-like" cases below).
import { BigNumber as MedusaBigNumber } from "@medusajs/utils"
import {
  type ExactDecimal,
  allocateMinorUnits,
  formatExactDecimal,
  parseV2Amount,
  v2AmountToExactMinorUnits,
  v2AmountToMinorUnits,
} from "../v2-amounts"

const CURRENCIES = [
  { code: "JPY", decimals: 0 },
  { code: "SEK", decimals: 2 },
  { code: "KWD", decimals: 3 },
] as const

// ---- the reference: rationals num/den in BigInt, nothing shared with the module ----------------------------
interface Rational {
  num: bigint
  den: bigint
}
const pow10 = (n: number) => 10n ** BigInt(n)
const sameValue = (a: ExactDecimal, b: Rational) => a.units * b.den === b.num * pow10(a.scale)
/** round half away from zero of num/den (den > 0), by quotient and remainder. */
function refRound({ num, den }: Rational): bigint {
  const abs = num < 0n ? -num : num
  const q = abs / den
  const up = 2n * (abs % den) >= den ? 1n : 0n
  return num < 0n ? -(q + up) : q + up
}
const inMinorUnits = (r: Rational, decimals: number): Rational => ({ num: r.num * pow10(decimals), den: r.den })
/** The decimal text of units/10^scale, written by hand (trailing zeros kept). */
function decimalText(units: bigint, scale: number): string {
  const sign = units < 0n ? "-" : ""
  const digits = (units < 0n ? -units : units).toString().padStart(scale + 1, "0")
  return scale === 0 ? `${sign}${digits}` : `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`
}
/** The same value in exponential notation, as bignumber.js prints small raw values: "1.25e-3". */
function exponentialText(units: bigint, scale: number): string {
  if (units === 0n) return "0e+0"
  const sign = units < 0n ? "-" : ""
  const digits = (units < 0n ? -units : units).toString()
  const exponent = digits.length - 1 - scale
  return `${sign}${digits[0]}.${digits.slice(1) || "0"}e${exponent >= 0 ? "+" : ""}${exponent}`
}

const decimalArb = (maxScale: number, maxUnits = 10n ** 12n) =>
  fc.record({ units: fc.bigInt(-maxUnits, maxUnits), scale: fc.integer({ min: 0, max: maxScale }) })

describe("parseV2Amount: every form a v2 amount takes", () => {
  const value448875: Rational = { num: 448875n, den: 1000n }

  test.each([
    ["raw_* column", { value: "448.87500000000000000", precision: 20 }],
    ["raw_* with a number value", { value: 448.875, precision: 20 }],
    ["decimal string", "448.875"],
    ["JS number", 448.875],
    ["bignumber.js (MathBN result)", new BigNumberJS("448.875")],
    ["Medusa BigNumber from a string", new MedusaBigNumber("448.875")],
    ["Medusa BigNumber from raw", new MedusaBigNumber({ value: "448.87500000000000000", precision: 20 })],
    ["2.x-like BigNumber known only by toString()", { toString: () => "448.87500000000000000" }],
    ["exponential notation", "4.48875e+2"],
  ])("%s", (_name, amount) => {
    expect(sameValue(parseV2Amount(amount), value448875)).toBe(true)
  })

  test("a raw value below 1e-6 is in exponential notation and still exact", () => {
    const raw = new MedusaBigNumber("0.0000001").raw
    expect(raw?.value).toBe("1.0000000000000000000e-7")
    expect(parseV2Amount(raw)).toEqual({ units: 1n, scale: 7 })
  })

  test("the unrounded bignumber.js value wins over raw.value, which keeps only 20 significant digits", () => {
    const ratio = new MedusaBigNumber(new BigNumberJS(100).div("1.12"))
    expect(ratio.raw?.value).toBe("89.285714285714285714")
    expect(formatExactDecimal(parseV2Amount(ratio))).toBe("89.28571428571428571429")
  })

  test.each([
    ["text", "abc"],
    ["empty", ""],
    ["a lone dot", "."],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["bignumber.js NaN", new BigNumberJS(Number.NaN)],
    ["null", null],
    ["undefined", undefined],
    ["a plain object", {}],
    ["an absurd exponent", "1e1000"],
  ])("%s is refused with the label", (_name, amount) => {
    expect(() => parseV2Amount(amount, "item 7 total")).toThrow(/item 7 total/)
  })

  test("property: exact for every notation (normal, trailing zeros, exponential, raw, bignumber.js, Medusa)", () => {
    fc.assert(
      fc.property(decimalArb(8, 10n ** 18n), fc.integer({ min: 0, max: 4 }), ({ units, scale }, padding) => {
        const reference: Rational = { num: units, den: pow10(scale) }
        const text = decimalText(units, scale)
        const forms: unknown[] = [
          text,
          decimalText(units * pow10(padding), scale + padding),
          exponentialText(units, scale),
          { value: text, precision: 20 },
          new BigNumberJS(text),
          new MedusaBigNumber(text),
        ]
        for (const form of forms) {
          const parsed = parseV2Amount(form)
          expect(sameValue(parsed, reference)).toBe(true)
          // normalised: one representation per value
          expect(parsed.scale === 0 || parsed.units % 10n !== 0n).toBe(true)
        }
      }),
    )
  })
})

describe("one amount in minor units", () => {
  test("the measured 448.875 SEK line total is 44888 öre (half away from zero); -448.875 is -44888", () => {
    expect(v2AmountToMinorUnits({ value: "448.87500000000000000", precision: 20 }, "SEK")).toBe(44888)
    expect(v2AmountToMinorUnits("-448.875", "sek")).toBe(-44888)
  })

  test("0-, 2- and 3-decimal currencies", () => {
    expect(v2AmountToMinorUnits("1234.5", "JPY")).toBe(1235)
    expect(v2AmountToMinorUnits("12.345", "EUR")).toBe(1235)
    expect(v2AmountToMinorUnits("1.2345", "KWD")).toBe(1235)
  })

  test("a float is taken as the decimal it prints as: 0.1 + 0.2 is 0.30000000000000004, 30 öre", () => {
    expect(formatExactDecimal(parseV2Amount(0.1 + 0.2))).toBe("0.30000000000000004")
    expect(v2AmountToMinorUnits(0.1 + 0.2, "SEK")).toBe(30)
    expect(() => v2AmountToExactMinorUnits(0.1 + 0.2, "SEK")).toThrow(/more than 2 decimals/)
  })

  test("exact conversion refuses sub-minor amounts instead of rounding them", () => {
    expect(v2AmountToExactMinorUnits("448.880000", "SEK")).toBe(44888)
    expect(() => v2AmountToExactMinorUnits("448.875", "SEK", "refund")).toThrow(
      "refund 448.875 SEK has more than 2 decimals: it is not a whole number of minor units",
    )
    expect(v2AmountToExactMinorUnits("0.125", "KWD")).toBe(125)
  })

  test("property: equals the BigInt reference (round half away from zero) in every currency", () => {
    fc.assert(
      fc.property(decimalArb(6), fc.constantFrom(...CURRENCIES), ({ units, scale }, currency) => {
        const expected = refRound(inMinorUnits({ num: units, den: pow10(scale) }, currency.decimals))
        expect(BigInt(v2AmountToMinorUnits(decimalText(units, scale), currency.code))).toBe(expected)
      }),
    )
  })
})

describe("allocateMinorUnits: the parts add up to the rounded total", () => {
  test("two 448.875 SEK lines: 44888 + 44887 = 89775 (rounding each would send 89776)", () => {
    expect(allocateMinorUnits(["448.875", "448.875"], "897.75", "SEK")).toEqual([44888, 44887])
    expect(v2AmountToMinorUnits("448.875", "SEK") * 2).toBe(89776)
  })

  test("items, shipping, a negative discount and tax: each part is its floor or floor + 1", () => {
    // 448.875 + 49.005 - 0.125 + 112.2225 = 609.9775 -> 60998 öre
    const parts = [{ value: "448.875", precision: 20 }, "49.005", new BigNumberJS("-0.125"), 112.2225]
    const result = allocateMinorUnits(parts, new MedusaBigNumber("609.9775"), "SEK")
    expect(result.reduce((a, b) => a + b, 0)).toBe(60998)
    expect(result).toEqual([44888, 4901, -13, 11222])
  })

  test("whole minor-unit parts are left as they are", () => {
    expect(allocateMinorUnits(["100", "-20.50", "0"], "79.5", "SEK")).toEqual([10000, -2050, 0])
  })

  test("no parts: the total must round to zero", () => {
    expect(allocateMinorUnits([], "0.004", "SEK")).toEqual([])
    expect(() => allocateMinorUnits([], "0.005", "SEK")).toThrow(/gap of 0.005/)
  })

  const partsArb = (maxScale: number) => fc.array(decimalArb(maxScale, 10n ** 10n), { minLength: 1, maxLength: 12 })
  const exactSum = (parts: { units: bigint; scale: number }[]): Rational => {
    const den = pow10(6)
    return { num: parts.reduce((acc, p) => acc + p.units * pow10(6 - p.scale), 0n), den }
  }
  const asMinor = (p: { units: bigint; scale: number }, decimals: number) => inMinorUnits({ num: p.units, den: pow10(p.scale) }, decimals)

  test("property: Σ parts = round(total), each part within one minor unit, exact parts unchanged", () => {
    fc.assert(
      fc.property(partsArb(6), fc.constantFrom(...CURRENCIES), (parts, currency) => {
        const total = exactSum(parts)
        const result = allocateMinorUnits(
          parts.map((p) => decimalText(p.units, p.scale)),
          decimalText(total.num, 6),
          currency.code,
        )
        expect(BigInt(result.reduce((a, b) => a + b, 0))).toBe(refRound(inMinorUnits(total, currency.decimals)))
        parts.forEach((p, i) => {
          const exact = asMinor(p, currency.decimals)
          const m = BigInt(result[i])
          // floor(exact) <= m <= floor(exact) + 1, and |m - exact| < 1
          expect(m * exact.den - exact.num < exact.den).toBe(true)
          expect(exact.num - m * exact.den < exact.den).toBe(true)
          if (exact.num % exact.den === 0n) expect(m).toBe(exact.num / exact.den)
        })
      }),
    )
  })

  test("property: idempotent (the result, as decimals, allocates to itself)", () => {
    fc.assert(
      fc.property(partsArb(5), fc.constantFrom(...CURRENCIES), (parts, currency) => {
        const once = allocateMinorUnits(
          parts.map((p) => decimalText(p.units, p.scale)),
          decimalText(exactSum(parts).num, 6),
          currency.code,
        )
        const asMajor = once.map((m) => decimalText(BigInt(m), currency.decimals))
        const total = decimalText(BigInt(once.reduce((a, b) => a + b, 0)), currency.decimals)
        expect(allocateMinorUnits(asMajor, total, currency.code)).toEqual(once)
      }),
    )
  })

  test("property: reordering the parts reorders the result when no two remainders are equal", () => {
    fc.assert(
      fc.property(partsArb(4), fc.constantFrom(...CURRENCIES), fc.integer(), (parts, currency, seed) => {
        const remainderKey = (p: { units: bigint; scale: number }) => {
          const { num, den } = asMinor(p, currency.decimals)
          return (((num % den) + den) % den) * (pow10(10) / den)
        }
        fc.pre(new Set(parts.map(remainderKey)).size === parts.length)
        const order = parts.map((_, i) => i).sort((a, b) => ((a * 7919 + seed) % 13) - ((b * 7919 + seed) % 13) || a - b)
        const total = decimalText(exactSum(parts).num, 6)
        const direct = allocateMinorUnits(
          parts.map((p) => decimalText(p.units, p.scale)),
          total,
          currency.code,
        )
        const shuffled = allocateMinorUnits(
          order.map((i) => decimalText(parts[i].units, parts[i].scale)),
          total,
          currency.code,
        )
        expect(shuffled).toEqual(order.map((i) => direct[i]))
      }),
    )
  })

  test("property: a gap under half a minor unit is absorbed (Σ = round(total), each part within one unit)", () => {
    fc.assert(
      fc.property(partsArb(6), fc.constantFrom(...CURRENCIES), fc.bigInt(-499_999n, 499_999n), (parts, currency, gapMillionths) => {
        // gap = gapMillionths / 10^6 minor units, strictly inside (-1/2, 1/2)
        const sum = exactSum(parts)
        const den = pow10(12 + currency.decimals)
        const totalNum = sum.num * pow10(12 + currency.decimals - 6) + gapMillionths * pow10(6)
        const total: Rational = { num: totalNum, den }
        const result = allocateMinorUnits(
          parts.map((p) => decimalText(p.units, p.scale)),
          decimalText(totalNum, 12 + currency.decimals),
          currency.code,
        )
        expect(BigInt(result.reduce((a, b) => a + b, 0))).toBe(refRound(inMinorUnits(total, currency.decimals)))
        parts.forEach((p, i) => {
          const exact = asMinor(p, currency.decimals)
          const m = BigInt(result[i])
          expect(m * exact.den - exact.num <= exact.den).toBe(true)
          expect(exact.num - m * exact.den < exact.den).toBe(true)
        })
      }),
    )
  })

  test("property: a gap of half a minor unit or more is refused, naming both sums", () => {
    fc.assert(
      fc.property(
        partsArb(6),
        fc.constantFrom(...CURRENCIES),
        fc.bigInt(1n, 10n ** 9n),
        fc.boolean(),
        (parts, currency, extra, negative) => {
          // |gap| = 1/2 minor unit + extra / 10^9 minor units... or exactly 1/2 when extra is small enough to be cut
          const gapNum = (pow10(9) / 2n + extra - 1n) * (negative ? -1n : 1n)
          const scale = 9 + currency.decimals
          const totalNum = exactSum(parts).num * pow10(scale - 6) + gapNum
          expect(() =>
            allocateMinorUnits(
              parts.map((p) => decimalText(p.units, p.scale)),
              decimalText(totalNum, scale),
              currency.code,
            ),
          ).toThrow(/the parts sum to .* but the total is .*half a minor unit or more/)
        },
      ),
    )
  })

  test("a missing line is refused: 448.875 + 49 against a total of 448.875", () => {
    expect(() => allocateMinorUnits(["448.875", "49"], "448.875", "SEK", "order_01")).toThrow(
      "order_01: the parts sum to 497.875 but the total is 448.875 SEK (a gap of -49, half a minor unit or more): the parts do not make up the total",
    )
  })
})
