/**
 * Order-line arithmetic checks.
 *
 * Klarna documents these relations but, for OM, never says it enforces them (notes §3: SILENT).
 * The simulator enforces them by default anyway because its purpose is to catch client bugs
 * (a capture whose lines don't add up is wrong even if Klarna let it through); they can be
 * switched off globally (option arithmeticChecks / POST /__sim/config) or per order.
 * For the Payments API Klarna *does* validate tax (BAD_VALUE on mismatch, kco_rest_dotnet#24).
 *
 * Checks, in order, per line i:
 *  1. total_amount == quantity * unit_price - (total_discount_amount ?? 0)      (exact)
 *  2. if tax_rate and total_tax_amount are both given:
 *       total_tax_amount == total_amount - round(total_amount * 10000 / (10000 + tax_rate))
 *     with a tolerance of ±1 minor unit, because merchants round per unit or per line and
 *     Klarna's published formula doesn't say which rounding it uses.
 * and for the whole request, when lines are sent (a non-empty array):
 *  3. sum(order_lines[].total_amount) == the request amount (captured/refunded/order amount) (exact)
 *  4. Payments only: order_tax_amount == sum(order_lines[].total_tax_amount) when both are given.
 */
import { unprocessable } from "../errors"
import type { SimState } from "../state"
import type { SimOrder, WireOrderLine } from "../types"

export const TAX_TOLERANCE_MINOR_UNITS = 1

export interface ArithmeticProblem {
  /** Payments-style path, e.g. order_lines[2].total_tax_amount */
  path: string
  /** Human message naming the line index */
  message: string
}

export function expectedTax(totalAmount: number, taxRate: number): number {
  return totalAmount - Math.round((totalAmount * 10000) / (10000 + taxRate))
}

/**
 * @param amountField name of the request's amount field (captured_amount, refunded_amount, order_amount)
 */
export function checkLines(
  lines: WireOrderLine[] | undefined,
  amount: number | undefined,
  amountField: string,
  orderTaxAmount?: number,
): ArithmeticProblem[] {
  const problems: ArithmeticProblem[] = []
  if (!lines || lines.length === 0) return problems

  lines.forEach((line, i) => {
    const discount = line.total_discount_amount ?? 0
    const expectedTotal = line.quantity * line.unit_price - discount
    if (line.total_amount !== expectedTotal) {
      problems.push({
        path: `order_lines[${i}].total_amount`,
        message:
          `order_lines[${i}].total_amount is ${line.total_amount} but quantity * unit_price - total_discount_amount ` +
          `= ${line.quantity} * ${line.unit_price} - ${discount} = ${expectedTotal}`,
      })
    }
    if (line.tax_rate !== undefined && line.total_tax_amount !== undefined) {
      const want = expectedTax(line.total_amount, line.tax_rate)
      if (Math.abs(line.total_tax_amount - want) > TAX_TOLERANCE_MINOR_UNITS) {
        problems.push({
          path: `order_lines[${i}].total_tax_amount`,
          message:
            `order_lines[${i}].total_tax_amount is ${line.total_tax_amount} but total_amount - total_amount * 10000 / (10000 + tax_rate) ` +
            `= ${line.total_amount} - round(${line.total_amount} * 10000 / ${10000 + line.tax_rate}) = ${want} (tolerance ±${TAX_TOLERANCE_MINOR_UNITS})`,
        })
      }
    }
  })

  const sum = lines.reduce((acc, l) => acc + l.total_amount, 0)
  if (amount !== undefined && sum !== amount) {
    problems.push({
      path: amountField,
      message: `${amountField} is ${amount} but the sum of order_lines[].total_amount is ${sum}`,
    })
  }

  if (orderTaxAmount !== undefined && lines.every((l) => l.total_tax_amount !== undefined)) {
    const taxSum = lines.reduce((acc, l) => acc + (l.total_tax_amount ?? 0), 0)
    if (taxSum !== orderTaxAmount) {
      problems.push({
        path: "order_tax_amount",
        message: `order_tax_amount is ${orderTaxAmount} but the sum of order_lines[].total_tax_amount is ${taxSum}`,
      })
    }
  }
  return problems
}

/** OM: runs the checks if they are on for this order; 422 UNPROCESSABLE_ENTITY naming the line index otherwise. */
export function assertArithmetic(
  state: SimState,
  order: SimOrder | undefined,
  lines: WireOrderLine[] | undefined,
  amount: number,
  field: string,
): void {
  if (!state.arithmeticFor(order)) return
  const problems = checkLines(lines, amount, field)
  if (problems.length) throw unprocessable(problems.map((p) => p.message))
}
