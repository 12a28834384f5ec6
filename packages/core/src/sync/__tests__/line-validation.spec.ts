/** validateOrderLines: one named row per rule, and the error names the line and the rule. */
import type { KlarnaOrderLine } from "../../klarna/types"
import { describeError } from "../errors"
import { OrderLineValidationError, type OrderLineRule, findOrderLineViolations, validateOrderLines } from "../line-validation"

const good: KlarnaOrderLine = {
  type: "physical",
  reference: "sku-1",
  name: "Mug",
  quantity: 2,
  unit_price: 1000,
  tax_rate: 2500,
  total_amount: 1900,
  total_discount_amount: 100,
  total_tax_amount: 380, // 1900/1.25 = 1520
}

describe("validateOrderLines", () => {
  test("a valid request passes", () => {
    expect(() => validateOrderLines(1900, [good])).not.toThrow()
    expect(findOrderLineViolations(0, [])).toEqual([])
  })

  test.each<[string, number, KlarnaOrderLine[], OrderLineRule, number | undefined]>([
    ["amount is fractional", 19.5, [good], "amount", undefined],
    [
      "amount above 200000000",
      200_000_001,
      [
        {
          ...good,
          quantity: 1,
          unit_price: 200_000_001,
          total_amount: 200_000_001,
          total_discount_amount: 0,
          tax_rate: 0,
          total_tax_amount: 0,
        },
      ],
      "amount",
      undefined,
    ],
    [
      "more than 1000 lines",
      0,
      Array.from({ length: 1001 }, () => ({ name: "x", quantity: 0, unit_price: 0, total_amount: 0 })),
      "line_count",
      undefined,
    ],
    ["empty name", 1900, [{ ...good, name: "" }], "name", 0],
    ["name of 256 characters", 1900, [{ ...good, name: "x".repeat(256) }], "name", 0],
    ["name with a lone surrogate", 1900, [{ ...good, name: "Mug \uD83D" }], "name", 0],
    ["reference of 256 characters", 1900, [{ ...good, reference: "r".repeat(256) }], "reference", 0],
    [
      "negative quantity",
      1900,
      [{ ...good, quantity: -2, unit_price: -1000, total_discount_amount: 100, total_amount: 1900 }],
      "quantity",
      0,
    ],
    ["fractional unit price", 1900, [{ ...good, unit_price: 1000.5 }], "unit_price", 0],
    [
      "negative discount",
      2100,
      [{ ...good, total_discount_amount: -100, total_amount: 2100, total_tax_amount: 420 }],
      "total_discount_amount",
      0,
    ],
    ["total != quantity*unit_price - discount", 1901, [{ ...good, total_amount: 1901, total_tax_amount: 380 }], "line_formula", 0],
    ["tax off by one cent", 1900, [{ ...good, total_tax_amount: 381 }], "tax_formula", 0],
    ["tax rate without tax amount", 1900, [{ ...good, total_tax_amount: undefined }], "tax_fields", 0],
    ["negative tax rate", 1900, [{ ...good, tax_rate: -2500, total_tax_amount: 380 }], "tax_rate", 0],
    ["quantity_unit of 11 characters", 1900, [{ ...good, quantity_unit: "kilograms!!" }], "quantity_unit", 0],
    ["product_url of 1025 characters", 1900, [{ ...good, product_url: "h".repeat(1025) }], "url", 0],
    ["lines add up to 1 cent less than the amount", 1901, [good], "sum", undefined],
  ])("rule violated: %s", (_name, amount, lines, rule, lineIndex) => {
    let error: unknown
    try {
      validateOrderLines(amount, lines, "capture for fulfillment ful_1")
    } catch (err: unknown) {
      error = err
    }
    expect(error).toBeInstanceOf(OrderLineValidationError)
    const e = error as OrderLineValidationError
    expect(e.violations.map((v) => v.rule)).toContain(rule)
    expect(e.message.startsWith("capture for fulfillment ful_1: ")).toBe(true)
    const v = e.violations.find((x) => x.rule === rule)
    expect(v?.lineIndex).toBe(lineIndex)
    // The field and the value at fault come first: "order_lines[0].unit_price: 1000.5 (…)".
    if (lineIndex !== undefined) expect(v?.message).toMatch(/^order_lines\[0\]\.[a-z_]+: \S.* \(.+\)$/)
  })

  test("the message names the field and the value at fault, what it must be, and the line", () => {
    expect(() => validateOrderLines(1901, [good, { ...good, name: "Plate", total_amount: 1901 }], "refund re_1")).toThrow(
      'refund re_1: order_lines[1].total_amount: 1901 (must be quantity 2 × unit_price 1000 − total_discount_amount 100 = 1900; line "Plate")',
    )
    expect(() => validateOrderLines(1901, [good])).toThrow("amount 1901: the order_lines' total_amount add up to 1900 (difference 1)")
    const messages = (lines: KlarnaOrderLine[], amount = 1900) => findOrderLineViolations(amount, lines).map((v) => v.message)
    expect(messages([good, { ...good, name: "Saucer", quantity: -1 }])).toContain(
      'order_lines[1].quantity: -1 (must be an integer ≥ 0; line "Saucer")',
    )
    expect(messages([{ ...good, total_discount_amount: -5, total_amount: 2005, total_tax_amount: 401 }], 2005)).toEqual([
      'order_lines[0].total_discount_amount: -5 (must be an integer in 0..200000000; line "Mug")',
    ])
    expect(messages([{ ...good, total_tax_amount: 381 }])).toEqual([
      'order_lines[0].total_tax_amount: 381 (must be total_amount 1900 − round(1900 × 10000 / (10000 + tax_rate 2500)) = 380; line "Mug")',
    ])
    expect(messages([{ ...good, tax_rate: undefined }])).toEqual([
      'order_lines[0].tax_rate: missing (required with total_tax_amount 380: both or neither; line "Mug")',
    ])
    expect(messages([{ ...good, quantity_unit: "kilograms!!" }])).toEqual([
      'order_lines[0].quantity_unit: "kilograms!!" (at most 10 characters; line "Mug")',
    ])
    expect(messages([{ ...good, name: "" }])).toEqual(['order_lines[0].name: "" (required)'])
  })

  test("a refused request is recorded with every violation as its error messages (the admin's failed-job box lists them)", () => {
    let error: unknown
    try {
      validateOrderLines(
        3800,
        [
          { ...good, unit_price: 1000.5 },
          { ...good, name: "Saucer", quantity: -1 },
        ],
        "capture of fulfillment ful_1",
      )
    } catch (err: unknown) {
      error = err
    }
    const described = describeError(error)
    expect(described.retryable).toBe(false)
    expect(described.errorCode).toBe("OrderLineValidationError")
    expect(described.errorMessages).toEqual([
      'order_lines[0].unit_price: 1000.5 (must be an integer between -200000000 and 200000000; line "Mug")',
      'order_lines[1].quantity: -1 (must be an integer ≥ 0; line "Saucer")',
    ])
  })

  test("negative lines (gift cards) follow the same formulas with sign", () => {
    const giftCardLine: KlarnaOrderLine = {
      type: "gift_card",
      name: "Gift card",
      quantity: 1,
      unit_price: -500,
      total_amount: -500,
      total_discount_amount: 0,
      tax_rate: 0,
      total_tax_amount: 0,
    }
    const negativeTaxed: KlarnaOrderLine = {
      type: "discount",
      name: "Discount",
      quantity: 1,
      unit_price: -1000,
      total_amount: -1000,
      total_discount_amount: 0,
      tax_rate: 2500,
      total_tax_amount: -200,
    }
    expect(() => validateOrderLines(400, [good, giftCardLine, negativeTaxed])).not.toThrow()
  })

  test("lines without tax fields are accepted", () => {
    expect(() => validateOrderLines(10, [{ name: "x", quantity: 1, unit_price: 10, total_amount: 10 }])).not.toThrow()
  })
})
