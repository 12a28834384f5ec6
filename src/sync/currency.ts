/** Minor-unit exponents (ISO 4217) of the currencies that do not use 2 decimals; shared by every adapter. */
const ZERO_DECIMALS = new Set(["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"])
const THREE_DECIMALS = new Set(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"])

export function currencyDecimals(currencyCode: string): number {
  const code = currencyCode.toUpperCase()
  if (ZERO_DECIMALS.has(code)) return 0
  if (THREE_DECIMALS.has(code)) return 3
  return 2
}
