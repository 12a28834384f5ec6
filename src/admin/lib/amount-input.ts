/**
 * An amount the merchant types ("12.50", "12,50", "1 250") → integer minor units of the currency, or
 * null when it is not an amount of that currency (too many decimals, letters, negative). No floats.
 */
import { currencyDigits } from "./money"

export function parseMinorUnits(text: string, currency: string): number | null {
  const digits = currencyDigits(currency)
  const cleaned = text.trim().replace(/[\s\u00a0\u202f]/g, "").replace(",", ".")
  const match = /^(\d+)(?:\.(\d*))?$/.exec(cleaned)
  if (!match) return null
  const fraction = match[2] ?? ""
  if (fraction.length > digits) return null
  const minor = BigInt(match[1]) * 10n ** BigInt(digits) + BigInt((fraction + "0".repeat(digits)).slice(0, digits) || "0")
  return minor <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(minor) : null
}
