/** The small order-line modules: tax, text limits, credits, line-limit merging. */
import type { KlarnaOrderLine } from "../../klarna/types"
import { validateOrderLines } from "../line-validation"
import { consumeCredits, maskCode } from "../order-lines/gift-card-lines"
import { fitLineLimit } from "../order-lines/line-limit"
import { taxIncluded } from "../order-lines/tax"
import { klarnaName, klarnaReference, klarnaUrl, truncateText } from "../order-lines/text"

describe("taxIncluded", () => {
  test.each([
    ["25% of 125.00", 12500, 2500, 2500],
    ["19% of 35.66 (net 29.966 -> 29.97)", 3566, 1900, 569],
    ["7% of 21.40", 2140, 700, 140],
    ["tie: 100% of 0.03 (net 1.5 -> 2)", 3, 10000, 1],
    ["tie, negative line: -0.03 at 100% (net -1.5 -> -2)", -3, 10000, -1],
    ["0% rate", 999, 0, 0],
    ["negative gift-card-like line at 25%", -1000, 2500, -200],
    ["zero total", 0, 2500, 0],
  ])("%s", (_name, total, rate, expected) => {
    expect(taxIncluded(total, rate)).toBe(expected)
  })
})

describe("text limits", () => {
  test.each([
    ["short name unchanged", "Mug", "Mug"],
    ["long ASCII cut with ellipsis to 255", "a".repeat(300), `${"a".repeat(254)}\u2026`],
    ["emoji not split (surrogate pairs)", "😀".repeat(200), `${"😀".repeat(127)}\u2026`],
    ["family emoji (ZWJ grapheme) not split", `${"x".repeat(250)}👨‍👩‍👧`, `${"x".repeat(250)}\u2026`],
    ["combining accent kept with its letter", `${"x".repeat(253)}e\u0301e\u0301`, `${"x".repeat(253)}\u2026`],
    ["lone surrogate replaced", "Mug \uD83D", "Mug \uFFFD"],
    ["blank name falls back", "   ", "Item"],
  ])("klarnaName: %s", (_name, input, expected) => {
    const out = klarnaName(input, "Item")
    expect(out).toBe(expected)
    expect(out.length).toBeLessThanOrEqual(255)
  })

  test("references are never cut: one that does not fit is dropped, as are empty ones", () => {
    expect(klarnaReference("r".repeat(300))).toBeUndefined()
    expect(klarnaReference("r".repeat(255))).toBe("r".repeat(255))
    expect(klarnaReference("  ")).toBeUndefined()
    expect(klarnaReference(undefined)).toBeUndefined()
  })

  test("a URL that does not fit is dropped, not cut", () => {
    expect(klarnaUrl(`https://x.test/${"p".repeat(1100)}`)).toBeUndefined()
    expect(klarnaUrl("https://x.test/p")).toBe("https://x.test/p")
  })

  test("truncateText without ellipsis", () => {
    expect(truncateText("abcdef", 3)).toBe("abc")
  })
})

describe("gift cards", () => {
  test.each([
    ["long code", "GIFT-ABCD-1234", "****1234"],
    ["short code fully masked", "1234", "****"],
  ])("maskCode: %s", (_name, code, expected) => {
    expect(maskCode(code)).toBe(expected)
  })

  test("credits are used greedily, capped at each part's gross, in source order", () => {
    const sources = [
      { kind: "gift_card" as const, giftCard: { id: "g1", code: "c1", amount: 500 }, amount: 500 },
      { kind: "rounding" as const, amount: 1 },
    ]
    const { uses, unallocated } = consumeCredits([300, 0, 1000], sources)
    expect(uses.map((u) => u.map((x) => [x.sourceIndex, x.amount]))).toEqual([
      [[0, 300]],
      [],
      [
        [0, 200],
        [1, 1],
      ],
    ])
    expect(unallocated).toBe(0)
    expect(consumeCredits([100], sources).unallocated).toBe(401)
  })
})

describe("fitLineLimit", () => {
  const line = (i: number, rate: number): KlarnaOrderLine => ({
    type: "physical",
    reference: `sku-${i}`,
    name: `Item ${i}`,
    quantity: 2,
    unit_price: 1000,
    tax_rate: rate,
    total_amount: 1900,
    total_discount_amount: 100,
    total_tax_amount: taxIncluded(1900, rate),
  })
  const shippingLine: KlarnaOrderLine = {
    type: "shipping_fee",
    name: "Shipping",
    quantity: 1,
    unit_price: 500,
    tax_rate: 0,
    total_amount: 500,
    total_discount_amount: 0,
    total_tax_amount: 0,
  }
  const gift: KlarnaOrderLine = {
    type: "gift_card",
    name: "Gift card",
    quantity: 1,
    unit_price: -100,
    tax_rate: 0,
    total_amount: -100,
    total_discount_amount: 0,
    total_tax_amount: 0,
  }

  test("1000 lines or fewer: unchanged", () => {
    const lines = Array.from({ length: 1000 }, (_, i) => line(i, 2500))
    expect(fitLineLimit(lines)).toEqual({ lines, mergedLineCount: 0 })
  })

  test("1500 item lines + shipping + gift card, one tax rate: first 997 kept, the other 503 become one '1002 more items' line", () => {
    const lines = [...Array.from({ length: 1500 }, (_, i) => line(i, 2500)), shippingLine, gift]
    const { lines: out, mergedLineCount } = fitLineLimit(lines)
    expect(out).toHaveLength(1000)
    expect(mergedLineCount).toBe(1500 - 997)
    const merged = out[997]
    expect(merged).toEqual({
      type: "physical",
      reference: "merged-items",
      name: "1006 more items",
      quantity: 1,
      unit_price: 503 * 2000,
      tax_rate: 2500,
      total_amount: 503 * 1900,
      total_discount_amount: 503 * 100,
      total_tax_amount: taxIncluded(503 * 1900, 2500),
    })
    expect(out.slice(998)).toEqual([shippingLine, gift])
    const sum = lines.reduce((s, l) => s + l.total_amount, 0)
    validateOrderLines(sum, out)
  })

  test("two tax rates: one merged line per rate, labelled with the rate", () => {
    const lines = Array.from({ length: 1200 }, (_, i) => line(i, i % 2 === 0 ? 2500 : 1200))
    const { lines: out } = fitLineLimit(lines)
    expect(out).toHaveLength(1000)
    expect(out.slice(998).map((l) => [l.name, l.tax_rate])).toEqual([
      ["202 more items (25% tax)", 2500],
      ["202 more items (12% tax)", 1200],
    ])
    validateOrderLines(1200 * 1900, out)
  })
})
