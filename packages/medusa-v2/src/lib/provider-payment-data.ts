/**
 * The Klarna payment session data of Medusa v2 (payment_session.data, then payment.data), and what the
 * storefront may put in it. Pure: the provider (src/providers/klarna/service.ts) decides with these.
 *
 * v2's store API has no call that updates a payment session's data: a storefront hands over Klarna's
 * authorization_token by creating the session again,
 *   POST /store/payment-collections/:id/payment-sessions {provider_id: "pp_klarna_klarna", data: {authorization_token}}
 * (Medusa deletes the previous session, then calls initiatePayment with that data). Medusa stores
 * {...storefront data, ...what the provider returns}, so a key the provider does not return would stay as
 * the storefront sent it: everything but the token is refused, or a shopper could set `order_id` to some
 * other Klarna order and have it taken as already authorized.
 */

/** What the provider keeps in the session/payment data (payment.data.order_id as in v1). */
export interface KlarnaPaymentData {
  /** Klarna Payments session id (the widget's session). */
  session_id?: string
  client_token?: string
  payment_method_categories?: unknown[]
  /** From the storefront (Klarna's widget), after the shopper approved. Single use. */
  authorization_token?: string
  /** Klarna order id once authorized. */
  order_id?: string
  fraud_status?: string
  authorized_payment_method?: unknown
  /** The amount Klarna authorizes, minor units (what Medusa asked for, rounded once). */
  order_amount?: number
  /** ISO 4217, upper case. */
  purchase_currency?: string
  purchase_country?: string
  locale?: string
  /** The Medusa cart the Klarna order was created for. */
  cart_id?: string
  [key: string]: unknown
}

/** Keys a storefront may send in a payment session's data. */
export const STOREFRONT_KEYS: readonly string[] = ["authorization_token"]
/** Keys Medusa itself puts in the data it hands to initiatePayment (the payment session id). */
const MEDUSA_KEYS = new Set(["session_id"])

export class StorefrontDataError extends Error {
  override readonly name = "StorefrontDataError"
}

/** The storefront's part of initiatePayment's data, validated; throws StorefrontDataError naming what is refused. */
export function storefrontData(data: Record<string, unknown> | undefined): { authorization_token?: string } {
  const given = data ?? {}
  const refused = Object.keys(given).filter((key) => !STOREFRONT_KEYS.includes(key) && !MEDUSA_KEYS.has(key))
  if (refused.length > 0) {
    throw new StorefrontDataError(
      `Klarna: a payment session's data may only set ${STOREFRONT_KEYS.join(", ")}; refused: ${refused.join(", ")}`,
    )
  }
  const token = given.authorization_token
  if (token === undefined) return {}
  if (typeof token !== "string" || token.trim() === "" || token.length > 1024) {
    throw new StorefrontDataError("Klarna: authorization_token must be a non-empty string (Klarna's widget gives it)")
  }
  return { authorization_token: token }
}

export function stringField(data: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = data?.[key]
  return typeof value === "string" && value !== "" ? value : undefined
}

export type KlarnaSessionStatus = "authorized" | "pending" | "requires_more" | "error"

/** Medusa's payment session status from the data alone (what authorizePayment left there). */
export function statusFromData(data: Record<string, unknown> | undefined): KlarnaSessionStatus {
  if (stringField(data, "order_id")) return stringField(data, "fraud_status") === "REJECTED" ? "error" : "authorized"
  return stringField(data, "authorization_token") ? "pending" : "requires_more"
}

/** Sets `value` at a dot path (the plugin option orderIdPath, e.g. "klarna.order_id"), creating objects on the way. */
export function setDotPath(target: Record<string, unknown>, dotPath: string, value: unknown): void {
  const keys = dotPath.split(".")
  let node = target
  for (const key of keys.slice(0, -1)) {
    const next = node[key]
    if (next === null || typeof next !== "object") node[key] = {}
    node = node[key] as Record<string, unknown>
  }
  node[keys[keys.length - 1]] = value
}
