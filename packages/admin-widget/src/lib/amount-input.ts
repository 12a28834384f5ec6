/**
 * An amount the merchant types ("12.50", "12,50", "1 250") → integer minor units of the currency, or
 * null when it is not an amount of that currency (too many decimals, letters, negative). No floats.
 */
import { currencyDigits } from "./money"

export function parseMinorUnits(text: string, currency: string): number | null {
  const digits = currencyDigits(currency)
  const cleaned = text
    .trim()
    .replace(/[\s\u00a0\u202f]/g, "")
    .replace(",", ".")
  const match = /^(\d+)(?:\.(\d*))?$/.exec(cleaned)
  if (!match) return null
  const fraction = match[2] ?? ""
  if (fraction.length > digits) return null
  // Digits only, joined as text (the admin bundle targets ES2017: no BigInt literals, and no floats here).
  const minor = Number(`${match[1]}${fraction.padEnd(digits, "0")}`)
  return Number.isSafeInteger(minor) ? minor : null
}
