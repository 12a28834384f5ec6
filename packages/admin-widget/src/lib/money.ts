/**
 * Money for display: integer minor units → the order currency's format, with exactly the number of
 * decimals the engine stores and sends the amount with (src/sync/currency.ts, one table for both: SEK 2,
 * HUF 2, JPY 0, KWD 3). No float arithmetic: the minor units are turned into a decimal string
 * ("1234.50") and Intl formats that string.
 */
import { currencyDecimals } from "../../../core/src/sync/currency"

/** The number of minor-unit digits of a currency, from the engine's table (2 when the code is unknown). */
export function currencyDigits(currency: string): number {
  return currencyDecimals(currency)
}

/** 123450 with 2 digits → "1234.50"; -5 with 2 digits → "-0.05"; 1200 with 0 digits → "1200". */
export function minorToDecimalString(minor: number, digits: number): string {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`not an amount in minor units: ${minor}`)
  const sign = minor < 0 ? "-" : ""
  const abs = String(Math.abs(minor))
  if (digits === 0) return sign + abs
  const padded = abs.padStart(digits + 1, "0")
  return `${sign}${padded.slice(0, -digits)}.${padded.slice(-digits)}`
}

type StringFormattable = { format(value: string): string }

export function formatMoney(minor: number, currency: string, locale?: string): string {
  const code = currency.toUpperCase()
  const digits = currencyDigits(code)
  const decimal = minorToDecimalString(minor, digits)
  try {
    const format = new Intl.NumberFormat(locale, {
      style: "currency",
      currency: code,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    })
    // Intl formats decimal strings exactly (ECMA-402 NumberFormat v3; Chromium, Node 20).
    return (format as unknown as StringFormattable).format(decimal)
  } catch {
    return `${decimal} ${code}`
  }
}
