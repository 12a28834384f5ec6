/**
 * What became of the authorization, in words, for an order Klarna will capture nothing more of: a
 * cancelled order says what was cancelled (instead of "Nothing captured yet"), a release says what was
 * released. Pure, so the wording is tested without a browser.
 */
import type { KlarnaOrder } from "./types"
import { formatMoney } from "./money"

/** The part of the authorization that will never be captured: cancelled or released. */
export function notCapturedForGood(view: Pick<KlarnaOrder, "status" | "amounts">): number {
  const { authorized, captured, released } = view.amounts
  // Cancelling releases everything not captured; the mapping records no release for a plain cancel.
  if (view.status === "CANCELLED") return Math.max(authorized - captured, 0)
  return released
}

/** The line under the amounts bar, or null while the authorization is simply open. */
export function settlementNote(view: Pick<KlarnaOrder, "status" | "amounts" | "currency">, locale?: string): string | null {
  const money = (minor: number) => formatMoney(minor, view.currency, locale)
  const { captured } = view.amounts
  const gone = notCapturedForGood(view)
  if (view.status === "CANCELLED") {
    if (captured === 0) return `Cancelled in Klarna: ${money(gone)} authorization cancelled, nothing was charged`
    return `Cancelled in Klarna: ${money(captured)} captured, the other ${money(gone)} of the authorization released`
  }
  if (view.status === "EXPIRED" && captured === 0)
    return `The authorization of ${money(view.amounts.authorized)} expired in Klarna, nothing was charged`
  if (gone > 0) return `Released in Klarna: ${money(gone)} of the authorization will not be captured`
  return null
}

/** The Captures section when there are none. */
export function noCapturesText(view: Pick<KlarnaOrder, "status" | "amounts" | "currency">, locale?: string): string {
  if (view.status === "CANCELLED") {
    return `Nothing captured: the order was cancelled in Klarna and its ${formatMoney(notCapturedForGood(view), view.currency, locale)} authorization with it.`
  }
  if (view.status === "EXPIRED") return "Nothing captured: the authorization expired in Klarna."
  if (view.amounts.remaining === 0 && notCapturedForGood(view) > 0) return "Nothing captured: the authorization was released in Klarna."
  return "Nothing captured yet. Each fulfillment becomes a capture."
}
