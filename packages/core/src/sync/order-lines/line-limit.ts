import type { KlarnaOrderLine } from "../../klarna/types"
import { KLARNA_MAX_AMOUNT, formatTaxRate, mulMinorUnits, sumMinorUnits } from "../money"
import { LineLimitError } from "./errors"
import { taxIncluded } from "./tax"

/** Klarna accepts at most 1000 order_lines per capture, refund or authorization update. */
export const KLARNA_MAX_ORDER_LINES = 1000

/** Reference of the lines that stand for merged item lines. */
export const MERGED_ITEMS_REFERENCE = "merged-items"

function isItemLine(line: KlarnaOrderLine): boolean {
  return line.type === undefined || line.type === "physical" || line.type === "digital"
}

/**
 * Keeps a list of lines within Klarna's 1000-line limit, without changing the sum of total_amount.
 *
 * Only item lines (physical / digital) are merged; shipping, gift-card and adjustment lines are
 * always kept as they are. When there are too many lines:
 * 1. keep the first K item lines as they are, and merge the item lines after them into one line
 *    per tax rate ("N more items", N = the number of units merged; " (25% tax)" is added when there
 *    is more than one group), choosing the largest K for which
 *    K + number of groups + non-item lines <= 1000;
 * 2. a merged line has quantity 1, total_amount = sum of the merged total_amount,
 *    total_discount_amount = sum of the merged discounts and unit_price = their sum (so the line
 *    formula holds), tax_rate = the group's rate and total_tax_amount computed from the merged
 *    total with the same formula as every line (it may differ by a unit from the sum of the merged
 *    lines' taxes, which were each rounded). If unit_price would exceed Klarna's 200000000, the line
 *    is sent with unit_price = total_amount and no discount instead. Type: physical if any merged
 *    line is physical, else digital.
 * 3. if even K = 0 leaves more groups than room (hundreds of distinct tax rates), all item lines
 *    become one "N more items" line without tax fields.
 * Output order: kept item lines, merged lines, then the non-item lines in their original order.
 */
export function fitLineLimit(
  lines: readonly KlarnaOrderLine[],
  maxLines = KLARNA_MAX_ORDER_LINES,
): { lines: KlarnaOrderLine[]; mergedLineCount: number } {
  if (lines.length <= maxLines) return { lines: [...lines], mergedLineCount: 0 }
  const items = lines.filter(isItemLine)
  const others = lines.filter((l) => !isItemLine(l))
  const room = maxLines - others.length
  if (room < 1) {
    throw new LineLimitError(
      `${others.length} shipping, gift-card and adjustment lines do not fit Klarna's limit of ${maxLines} order lines`,
    )
  }
  for (let keep = Math.min(items.length, room - 1); keep >= 0; keep--) {
    const groups = groupByTaxRate(items.slice(keep))
    if (keep + groups.length <= room) {
      const merged = groups.map((g) => mergeLines(g, groups.length > 1))
      return { lines: [...items.slice(0, keep), ...merged, ...others], mergedLineCount: items.length - keep }
    }
  }
  return { lines: [mergeLines(items, false, true), ...others], mergedLineCount: items.length }
}

function groupByTaxRate(lines: readonly KlarnaOrderLine[]): KlarnaOrderLine[][] {
  const groups = new Map<string, KlarnaOrderLine[]>()
  for (const l of lines) {
    const key = l.tax_rate === undefined ? "none" : String(l.tax_rate)
    const g = groups.get(key)
    if (g) g.push(l)
    else groups.set(key, [l])
  }
  return [...groups.values()]
}

function mergeLines(lines: readonly KlarnaOrderLine[], labelRate: boolean, dropTax = false): KlarnaOrderLine {
  const units = sumMinorUnits(
    lines.map((l) => l.quantity),
    "merged quantity",
  )
  const total = sumMinorUnits(
    lines.map((l) => l.total_amount),
    "merged total_amount",
  )
  const discount = sumMinorUnits(
    lines.map((l) => l.total_discount_amount ?? 0),
    "merged total_discount_amount",
  )
  const gross = sumMinorUnits(
    lines.map((l) => mulMinorUnits(l.quantity, l.unit_price)),
    "merged quantity*unit_price",
  )
  const rate = dropTax ? undefined : lines[0].tax_rate
  const useGross = gross <= KLARNA_MAX_AMOUNT && discount <= KLARNA_MAX_AMOUNT
  const line: KlarnaOrderLine = {
    type: lines.some((l) => l.type !== "digital") ? "physical" : "digital",
    reference: MERGED_ITEMS_REFERENCE,
    name: `${units} more ${units === 1 ? "item" : "items"}${labelRate && rate !== undefined ? ` (${formatTaxRate(rate)} tax)` : ""}`,
    quantity: 1,
    unit_price: useGross ? gross : total,
    total_amount: total,
    total_discount_amount: useGross ? discount : 0,
  }
  if (rate !== undefined) {
    line.tax_rate = rate
    line.total_tax_amount = taxIncluded(total, rate)
  }
  return line
}
