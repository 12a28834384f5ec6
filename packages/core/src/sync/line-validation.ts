import type { KlarnaOrderLine } from "../klarna/types"
import { KLARNA_MAX_AMOUNT, divRoundHalfAwayFromZero } from "./money"
import { KLARNA_MAX_ORDER_LINES } from "./order-lines/line-limit"
import { KLARNA_NAME_MAX, KLARNA_REFERENCE_MAX, KLARNA_URL_MAX } from "./order-lines/text"
import { truncateText } from "./order-lines/text"

/**
 * The check the engine runs on every capture and refund (and authorization update) before it is
 * sent. Rules, each with the name reported in {@link OrderLineViolation.rule}:
 *
 * - `amount`: the amount is a safe integer in 0..200000000.
 * - `line_count`: at most 1000 lines.
 * - `name`: non-empty, at most 255 UTF-16 code units, no lone surrogate.
 * - `reference`: at most 255 UTF-16 code units, no lone surrogate.
 * - `quantity`: a safe integer >= 0.
 * - `quantity_unit`: at most 10 characters.
 * - `unit_price`, `total_amount`, `total_tax_amount`: safe integers with |value| <= 200000000.
 * - `total_discount_amount`: a safe integer in 0..200000000 (absent counts as 0).
 * - `line_formula`: total_amount = quantity*unit_price - total_discount_amount, exactly.
 * - `tax_rate`: an integer >= 0 (basis points).
 * - `tax_fields`: tax_rate and total_tax_amount are both present or both absent.
 * - `tax_formula`: total_tax_amount = total_amount - round(total_amount*10000/(10000+tax_rate)),
 *   the net rounded half away from zero (the one rule used when lines are built, order-lines/tax.ts).
 * - `url`: product_url, image_url, merchant_data at most 1024 characters.
 * - `sum`: sum(total_amount) = the amount, exactly.
 */
export type OrderLineRule =
  | "amount"
  | "line_count"
  | "name"
  | "reference"
  | "quantity"
  | "quantity_unit"
  | "unit_price"
  | "total_amount"
  | "total_discount_amount"
  | "total_tax_amount"
  | "line_formula"
  | "tax_rate"
  | "tax_fields"
  | "tax_formula"
  | "url"
  | "sum"

export interface OrderLineViolation {
  rule: OrderLineRule
  /** Index in order_lines; undefined for rules about the whole request. */
  lineIndex?: number
  message: string
}

/** Thrown by {@link validateOrderLines}; lists every violation, the first one in the message. */
export class OrderLineValidationError extends Error {
  override readonly name = "OrderLineValidationError"
  readonly retryable = false
  readonly rule: OrderLineRule
  readonly lineIndex?: number
  /** Every violation, each naming its field and value: what the admin's failed-job box lists (errors.ts). */
  readonly errorMessages: string[]
  constructor(
    readonly violations: OrderLineViolation[],
    context: string,
  ) {
    const more = violations.length > 1 ? ` (and ${violations.length - 1} more violation${violations.length > 2 ? "s" : ""})` : ""
    super(`${context}: ${violations[0].message}${more}`)
    this.errorMessages = violations.map((violation) => violation.message)
    this.rule = violations[0].rule
    this.lineIndex = violations[0].lineIndex
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

function isInt(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v)
}

/** Returns every rule the request breaks (empty when it may be sent). Pure; never throws. */
export function findOrderLineViolations(amount: number, lines: readonly KlarnaOrderLine[]): OrderLineViolation[] {
  const out: OrderLineViolation[] = []
  if (!isInt(amount) || amount < 0 || amount > KLARNA_MAX_AMOUNT) {
    out.push({ rule: "amount", message: `amount ${String(amount)} must be an integer in 0..${KLARNA_MAX_AMOUNT}` })
  }
  if (lines.length > KLARNA_MAX_ORDER_LINES) {
    out.push({ rule: "line_count", message: `${lines.length} order lines, Klarna accepts at most ${KLARNA_MAX_ORDER_LINES}` })
  }
  let sum = 0n
  let sumValid = true
  lines.forEach((line, i) => {
    // "order_lines[2].unit_price: -5 (must be …; line "Tomatoes")": the field, the value at fault, the rule.
    const lineName =
      typeof line.name === "string" && line.name.length > 0
        ? `; line ${JSON.stringify(truncateText(line.name, 60, { ellipsis: true }))}`
        : ""
    const bad = (rule: OrderLineRule, field: string, value: string, requirement: string): void => {
      out.push({ rule, lineIndex: i, message: `order_lines[${i}].${field}: ${value} (${requirement}${lineName})` })
    }
    const length = (v: string) => `${v.length} characters`
    if (typeof line.name !== "string" || line.name.length === 0) bad("name", "name", JSON.stringify(line.name ?? null), "required")
    else if (line.name.length > KLARNA_NAME_MAX) bad("name", "name", length(line.name), `at most ${KLARNA_NAME_MAX}`)
    else if (LONE_SURROGATE.test(line.name))
      bad("name", "name", JSON.stringify(truncateText(line.name, 60, { ellipsis: true })), "contains a lone surrogate: invalid unicode")
    if (line.reference !== undefined) {
      if (typeof line.reference !== "string") bad("reference", "reference", String(line.reference), "must be text")
      else if (line.reference.length > KLARNA_REFERENCE_MAX)
        bad("reference", "reference", length(line.reference), `at most ${KLARNA_REFERENCE_MAX}`)
      else if (LONE_SURROGATE.test(line.reference))
        bad("reference", "reference", JSON.stringify(line.reference), "contains a lone surrogate: invalid unicode")
    }
    if (line.quantity_unit !== undefined && line.quantity_unit.length > 10) {
      bad("quantity_unit", "quantity_unit", JSON.stringify(line.quantity_unit), "at most 10 characters")
    }
    for (const field of ["product_url", "image_url", "merchant_data"] as const) {
      const v = line[field]
      if (v !== undefined && v.length > KLARNA_URL_MAX) bad("url", field, length(v), `at most ${KLARNA_URL_MAX}`)
    }

    const qtyOk = isInt(line.quantity) && line.quantity >= 0
    if (!qtyOk) bad("quantity", "quantity", String(line.quantity), "must be an integer ≥ 0")
    const signed = (rule: "unit_price" | "total_amount" | "total_tax_amount", v: unknown): boolean => {
      if (!isInt(v) || Math.abs(v) > KLARNA_MAX_AMOUNT) {
        bad(rule, rule, String(v), `must be an integer between -${KLARNA_MAX_AMOUNT} and ${KLARNA_MAX_AMOUNT}`)
        return false
      }
      return true
    }
    const priceOk = signed("unit_price", line.unit_price)
    const totalOk = signed("total_amount", line.total_amount)
    const discount = line.total_discount_amount ?? 0
    const discountOk = isInt(discount) && discount >= 0 && discount <= KLARNA_MAX_AMOUNT
    if (!discountOk)
      bad("total_discount_amount", "total_discount_amount", String(discount), `must be an integer in 0..${KLARNA_MAX_AMOUNT}`)
    if (qtyOk && priceOk && totalOk && discountOk) {
      const expected = BigInt(line.quantity) * BigInt(line.unit_price) - BigInt(discount)
      if (expected !== BigInt(line.total_amount)) {
        bad(
          "line_formula",
          "total_amount",
          String(line.total_amount),
          `must be quantity ${line.quantity} × unit_price ${line.unit_price} − total_discount_amount ${discount} = ${expected.toString()}`,
        )
      }
    }
    if (totalOk) sum += BigInt(line.total_amount)
    else sumValid = false

    const hasRate = line.tax_rate !== undefined
    const hasTax = line.total_tax_amount !== undefined
    if (hasRate !== hasTax) {
      const [present, absent] = hasRate ? ["tax_rate", "total_tax_amount"] : ["total_tax_amount", "tax_rate"]
      bad(
        "tax_fields",
        absent,
        "missing",
        `required with ${present} ${String(hasRate ? line.tax_rate : line.total_tax_amount)}: both or neither`,
      )
    }
    const rateOk = !hasRate || (isInt(line.tax_rate) && (line.tax_rate as number) >= 0)
    if (!rateOk) bad("tax_rate", "tax_rate", String(line.tax_rate), "must be an integer ≥ 0, in basis points")
    const taxOk = !hasTax || signed("total_tax_amount", line.total_tax_amount)
    if (hasRate && hasTax && rateOk && taxOk && totalOk) {
      const total = BigInt(line.total_amount)
      const net = divRoundHalfAwayFromZero(total * 10000n, 10000n + BigInt(line.tax_rate as number))
      const expectedTax = total - net
      if (BigInt(line.total_tax_amount as number) !== expectedTax) {
        bad(
          "tax_formula",
          "total_tax_amount",
          String(line.total_tax_amount),
          `must be total_amount ${line.total_amount} − round(${line.total_amount} × 10000 / (10000 + tax_rate ${String(line.tax_rate)})) = ${expectedTax.toString()}`,
        )
      }
    }
  })
  if (sumValid && isInt(amount) && sum !== BigInt(amount)) {
    out.push({
      rule: "sum",
      message: `amount ${amount}: the order_lines' total_amount add up to ${sum.toString()} (difference ${(BigInt(amount) - sum).toString()})`,
    })
  }
  return out
}

/**
 * Throws an {@link OrderLineValidationError} naming the line and the rule unless every rule holds.
 * `context` prefixes the message, e.g. "capture for fulfillment ful_123".
 */
export function validateOrderLines(amount: number, lines: readonly KlarnaOrderLine[], context = "order lines"): void {
  const violations = findOrderLineViolations(amount, lines)
  if (violations.length > 0) throw new OrderLineValidationError(violations, context)
}
