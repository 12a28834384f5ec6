/** Integer money helpers: named examples. */
import {
  MoneyError,
  assertMinorUnits,
  ceilDiv,
  cumulativeShare,
  divRoundHalfAwayFromZero,
  formatMinorUnits,
  formatTaxRate,
  sumMinorUnits,
} from "../money"

describe("money", () => {
  test.each([
    ["1 of 3 units of 10.00", 1000, 3, 0, 1, 333],
    ["units 1..3 of 10.00", 1000, 3, 1, 3, 667],
    ["all units", 1000, 3, 0, 3, 1000],
    ["no units", 1000, 3, 2, 2, 0],
    ["second of 3 units of 0.02", 2, 3, 1, 2, 1],
    ["negative total (floor, not truncation)", -1000, 3, 0, 1, -334],
    ["beyond 2^53 intermediate product", Number.MAX_SAFE_INTEGER, 7, 3, 5, 2573485501354569],
  ])("cumulativeShare: %s", (_name, total, count, from, to, expected) => {
    expect(cumulativeShare(total, count, from, to)).toBe(expected)
  })

  test("cumulativeShare refuses a range outside the units", () => {
    expect(() => cumulativeShare(100, 3, 2, 4)).toThrow(MoneyError)
    expect(() => cumulativeShare(100, 0, 0, 0)).toThrow(/unit count must be an integer > 0/)
  })

  test.each([
    ["ceil", 7, 2, 4],
    ["exact", 8, 2, 4],
    ["negative", -7, 2, -3],
  ])("ceilDiv: %s", (_name, a, b, expected) => {
    expect(ceilDiv(a, b)).toBe(expected)
  })

  test.each([
    ["tie up", 3n, 2n, 2n],
    ["tie away from zero (negative)", -3n, 2n, -2n],
    ["below half", 4n, 3n, 1n],
    ["above half", 5n, 3n, 2n],
    ["negative above half", -5n, 3n, -2n],
  ])("divRoundHalfAwayFromZero: %s", (_name, a, b, expected) => {
    expect(divRoundHalfAwayFromZero(a, b)).toBe(expected)
  })

  test.each([1.5, NaN, Infinity, 2 ** 53, "10", null])("assertMinorUnits refuses %p", (value) => {
    expect(() => assertMinorUnits(value, "amount")).toThrow(MoneyError)
  })

  test("sumMinorUnits is exact and refuses overflow", () => {
    expect(sumMinorUnits([1, 2, 3])).toBe(6)
    expect(() => sumMinorUnits([Number.MAX_SAFE_INTEGER, 1])).toThrow(/overflows/)
  })

  test.each([
    [1234, 2, "EUR", "12.34 EUR"],
    [5, 2, "EUR", "0.05 EUR"],
    [-5, 3, "KWD", "-0.005 KWD"],
    [700, 0, "JPY", "700 JPY"],
    [12345, 3, undefined, "12.345"],
  ])("formatMinorUnits(%p, %p, %p) = %p", (amount, decimals, currency, expected) => {
    expect(formatMinorUnits(amount, decimals, currency)).toBe(expected)
  })

  test.each([
    [2500, "25%"],
    [1250, "12.5%"],
    [705, "7.05%"],
    [0, "0%"],
  ])("formatTaxRate(%p) = %p", (bp, expected) => {
    expect(formatTaxRate(bp)).toBe(expected)
  })
})
