/**
 * The slice of Klarna Payments a checkout needs: session → (widget authorizes) → create order,
 * which yields an AUTHORIZED OM order. The widget step is the control call
 * POST /__sim/sessions/:id/authorize.
 *
 * Choices (Klarna silent or only loosely documented):
 *  - An authorization token is single-use: after an order was placed with it, or after it was
 *    cancelled, it answers 404 NOT_FOUND (the yml's "The authorization does not exist").
 *  - 409 CONFLICT when the create-order request's order_amount, purchase_currency or
 *    purchase_country differ from the authorized session (yml: "The data in the request does
 *    not match the session for the authorization").
 *  - Field and arithmetic problems → 400 BAD_VALUE "Bad value: <path>" (Payments' documented style).
 */
import { DAY_MS } from "../clock"
import { SimError, badValue } from "../errors"
import { newClientToken, newUuid } from "../ids"
import type { SimState } from "../state"
import type { SimAuthorization, SimOrder, SimSession, WireOrderLine } from "../types"
import { checkLines } from "./arithmetic"
import { createCapture } from "./captures"
import { createOrder } from "./orders"

const SESSION_LIFETIME_MS = 2 * DAY_MS // Klarna Payments sessions live 48 h

const PAYMENT_METHOD_CATEGORIES = [
  {
    identifier: "klarna",
    name: "Pay with Klarna",
    asset_urls: {
      descriptive: "https://x.klarnacdn.net/payment-method/assets/badges/generic/klarna.svg",
      standard: "https://x.klarnacdn.net/payment-method/assets/badges/generic/klarna.svg",
    },
  },
]

type Body = Record<string, unknown>

function assertPaymentsArithmetic(state: SimState, body: Body): void {
  if (!state.config.arithmeticChecks) return
  const problems = checkLines(
    body.order_lines as WireOrderLine[] | undefined,
    body.order_amount as number | undefined,
    "order_amount",
    body.order_tax_amount as number | undefined,
  )
  if (problems.length) throw badValue(problems.map((p) => p.path))
}

export function createSession(state: SimState, body: Body): Record<string, unknown> {
  assertPaymentsArithmetic(state, body)
  const now = state.clock.now()
  const sessionId = newUuid()
  const session: SimSession = {
    session_id: sessionId,
    client_token: newClientToken(sessionId),
    status: "incomplete",
    created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + SESSION_LIFETIME_MS).toISOString(),
    data: { ...body },
  }
  state.sessions.set(sessionId, session)
  return { session_id: sessionId, client_token: session.client_token, payment_method_categories: PAYMENT_METHOD_CATEGORIES }
}

export function updateSession(state: SimState, sessionId: string, body: Body): void {
  const session = state.session(sessionId)
  const merged = { ...session.data, ...body }
  assertPaymentsArithmetic(state, merged)
  session.data = merged
}

export function readSession(state: SimState, sessionId: string): Record<string, unknown> {
  const session = state.session(sessionId)
  return {
    ...session.data,
    client_token: session.client_token,
    status: session.status,
    expires_at: session.expires_at,
    payment_method_categories: PAYMENT_METHOD_CATEGORIES,
  }
}

/** Control API: what the Klarna widget does when the shopper approves the purchase. */
export function authorizeSession(state: SimState, sessionId: string): SimAuthorization {
  const session = state.session(sessionId)
  if (session.status === "complete") throw new SimError(409, "CONFLICT", `Session ${sessionId} already has an order`)
  const auth: SimAuthorization = {
    authorization_token: newUuid(),
    session_id: sessionId,
    state: "active",
    created_at: state.clock.nowIso(),
  }
  state.authorizations.set(auth.authorization_token, auth)
  return auth
}

function activeAuthorization(state: SimState, token: string): SimAuthorization {
  const auth = state.authorizations.get(token)
  if (!auth) throw new SimError(404, "NOT_FOUND", `Authorization ${token} does not exist`)
  if (auth.state === "used")
    throw new SimError(404, "NOT_FOUND", `Authorization ${token} does not exist: it was already used to place an order`)
  if (auth.state === "cancelled") throw new SimError(404, "NOT_FOUND", `Authorization ${token} does not exist: it was cancelled`)
  return auth
}

const same = (a: unknown, b: unknown): boolean => a === undefined || b === undefined || String(a).toUpperCase() === String(b).toUpperCase()

export function createOrderFromAuthorization(state: SimState, token: string, body: Body, baseUrl: string): Record<string, unknown> {
  const auth = activeAuthorization(state, token)
  const session = state.session(auth.session_id)
  assertPaymentsArithmetic(state, body)
  const mismatched = ["order_amount", "purchase_currency", "purchase_country"].filter((f) => !same(body[f], session.data[f]))
  if (mismatched.length) {
    throw new SimError(
      409,
      "CONFLICT",
      `The data in the request does not match the session for the authorization: ${mismatched.join(", ")}`,
    )
  }

  const pick = <T>(field: string): T | undefined => (body[field] ?? session.data[field]) as T | undefined
  const order: SimOrder = createOrder(
    state,
    {
      order_amount: body.order_amount as number,
      purchase_currency: body.purchase_currency as string,
      purchase_country: body.purchase_country as string,
      order_lines: body.order_lines as WireOrderLine[],
      order_tax_amount: pick<number>("order_tax_amount"),
      locale: pick<string>("locale"),
      merchant_reference1: pick<string>("merchant_reference1"),
      merchant_reference2: pick<string>("merchant_reference2"),
      merchant_data: pick<string>("merchant_data"),
      billing_address: pick("billing_address"),
      shipping_address: pick("shipping_address"),
      customer: pick("customer"),
    },
    "payments",
  )
  auth.state = "used"
  auth.order_id = order.order_id
  session.status = "complete"
  session.order_id = order.order_id
  session.data = { ...session.data, ...body }

  // auto_capture: Klarna captures the full amount at once.
  if (body.auto_capture === true && order.order_amount > 0) {
    createCapture(state, order.order_id, { captured_amount: order.order_amount, order_lines: order.order_lines })
  }

  return {
    order_id: order.order_id,
    // Real Klarna points at credit.klarna.com; here the simulator's own redirect endpoint, which
    // forwards the browser to merchant_urls.confirmation like Klarna would.
    redirect_url: `${baseUrl}/__sim/redirect/${session.session_id}`,
    fraud_status: order.fraud_status,
    authorized_payment_method: { type: "invoice", number_of_days: 30 },
  }
}

export function cancelAuthorization(state: SimState, token: string): void {
  activeAuthorization(state, token).state = "cancelled"
}

/** Where GET /__sim/redirect/:session should send the browser (merchant confirmation URL). */
export function confirmationUrl(state: SimState, sessionId: string): string | undefined {
  const session = state.sessions.get(sessionId)
  const urls = session?.data.merchant_urls as { confirmation?: string } | undefined
  if (!session || !urls?.confirmation) return undefined
  return urls.confirmation.replace("{session.id}", session.session_id).replace("{order.id}", session.order_id ?? "")
}
