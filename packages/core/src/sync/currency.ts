/**
 * The minor-unit exponent of every currency: ONE table for the engine (both adapters) and the admin
 * widget, so an amount is never formatted at another scale than the one it is stored and sent at.
 *
 * Chosen: ISO 4217 minor units. That is what Klarna expects (every amount in its APIs is in the
 * currency's ISO 4217 minor units) and what Medusa v1 stores for the currencies Klarna sells in (its
 * admin multiplies prices by 10^decimal_digits from @medusajs/admin-ui utils/currencies.ts: SEK, EUR,
 * NOK, DKK, GBP, USD, CHF, PLN, CZK, HUF... all 2). In particular HUF, IDR and COP are 2 here, as in
 * ISO 4217 and in Medusa v1's admin, not 0 as Intl/CLDR display them (CLDR drops the unused cents), which is
 * what the widget used to take, showing those amounts 100 times too large.
 * Where Medusa v1's admin deviates from ISO 4217 (IQD 0 there, 3 here; ISK, UGX, VUV, XPF, UYI 2
 * there, 0 here; AFN, PKR, RSD and a few others 0 there, 2 here) we keep ISO 4217: none of those is a
 * Klarna purchase currency, so no order in them reaches the engine, and the widget shows Klarna's amounts.
 * Unknown codes get 2.
 */
const EXPONENT_BY_CURRENCY: Readonly<Record<string, 0 | 3>> = {
  // 0 decimals (ISO 4217)
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  // 3 decimals (ISO 4217)
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
}

/** Minor-unit exponent of an ISO 4217 code, any case: 0 (JPY), 2 (SEK, HUF), 3 (KWD); 2 when unknown. */
export function currencyDecimals(currencyCode: string): number {
  return EXPONENT_BY_CURRENCY[currencyCode.trim().toUpperCase()] ?? 2
}
