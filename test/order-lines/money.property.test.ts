/** Properties of the integer money helpers: cumulative allocation and the one tax rounding rule. */
import fc from "fast-check"
import { cumulativeShare, divRoundHalfAwayFromZero } from "../../packages/core/src/sync/money"
import { taxIncluded } from "../../packages/core/src/sync/order-lines/tax"
import { RUNS } from "./arbitraries"

describe("money properties", () => {
  test("cumulative allocation: any partition of the units sums to the total; shares are >= 0 and within 1 of each other per unit", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.nat({ max: 1_000_000 }), fc.nat()),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.nat({ max: 50 }), { maxLength: 10 }),
        (total, count, cutsRaw) => {
          const cuts = [...new Set([0, count, ...cutsRaw.map((c) => c % (count + 1))])].sort((a, b) => a - b)
          let sum = 0
          for (let i = 0; i + 1 < cuts.length; i++) {
            const share = cumulativeShare(total, count, cuts[i], cuts[i + 1])
            expect(share).toBeGreaterThanOrEqual(0)
            sum += share
          }
          expect(sum).toBe(total)
          for (let u = 0; u < count; u++) {
            const s = cumulativeShare(total, count, u, u + 1)
            expect(s === Math.floor(total / count) || s === Math.floor(total / count) + 1).toBe(true)
          }
        },
      ),
      { numRuns: RUNS },
    )
  })

  test("cumulative allocation is exact beyond 2^53 intermediate products", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2 ** 40, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: 2, max: 100000 }),
        fc.nat({ max: 99999 }),
        (total, count, cutRaw) => {
          const cut = cutRaw % count
          expect(cumulativeShare(total, count, 0, cut) + cumulativeShare(total, count, cut, count)).toBe(total)
          const exact = (BigInt(total) * BigInt(cut)) / BigInt(count)
          expect(BigInt(cumulativeShare(total, count, 0, cut))).toBe(exact)
        },
      ),
      { numRuns: RUNS },
    )
  })

  test("tax: one rounding rule (net half away from zero), symmetric for negative lines, |tax| <= |total|", () => {
    fc.assert(
      fc.property(fc.integer({ min: -200_000_000, max: 200_000_000 }), fc.integer({ min: 0, max: 10000 }), (total, rate) => {
        const tax = taxIncluded(total, rate)
        expect(taxIncluded(-total, rate)).toBe(-tax === 0 ? 0 : -tax)
        expect(Math.abs(tax)).toBeLessThanOrEqual(Math.abs(total))
        // |net - exact net| <= 1/2, i.e. |2*(total-tax)*(10000+rate) - 2*total*10000| <= 10000+rate
        const d = 2n * BigInt(total - tax) * BigInt(10000 + rate) - 2n * BigInt(total) * 10000n
        expect(d <= BigInt(10000 + rate) && d >= -BigInt(10000 + rate)).toBe(true)
        if (rate === 0) expect(tax).toBe(0)
      }),
      { numRuns: RUNS },
    )
  })

  test("divRoundHalfAwayFromZero is the nearest integer, ties away from zero", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), fc.bigInt({ min: 1n, max: 10n ** 6n }), (a, b) => {
        const q = divRoundHalfAwayFromZero(a, b)
        const twice = 2n * a - 2n * q * b // 2*(a/b - q)*b
        expect(twice <= b && twice >= -b).toBe(true)
        if (twice === b) expect(a < 0n).toBe(true)
        if (twice === -b) expect(a > 0n).toBe(true)
      }),
      { numRuns: RUNS },
    )
  })
})
