/**
 * The test control API under /__sim. Not Klarna: no auth, never faulted, never logged.
 *
 *   POST   /__sim/orders                    create an AUTHORIZED order → 201 {order_id, ...order}
 *   GET    /__sim/orders                    all orders (internal view)
 *   GET    /__sim/orders/:id                one order, internal view (Klarna view + stored_status, sim{})
 *   POST   /__sim/orders/:id/config         {arithmeticChecks: boolean|null} per-order override
 *   POST   /__sim/sessions/:id/authorize    approve a Payments session → {authorization_token}
 *   GET    /__sim/sessions/:id              a Payments session as stored
 *   GET    /__sim/requests?path_contains=&method=   request log; DELETE clears it
 *   POST   /__sim/faults   GET /__sim/faults   DELETE /__sim/faults[/:id]   (see faults.ts)
 *   POST   /__sim/config                    {arithmeticChecks?: boolean, latencyMs?, jitterMs?, rateLimit?: number|null}
 *                                           → current config; GET reads it (see remote.ts)
 *   POST   /__sim/clock                     {now: ISO|null, freeze?: boolean} or {advance_ms} / {advance_days}
 *   GET    /__sim/clock
 *   POST   /__sim/reset                     forget everything (orders, sessions, keys, log, faults, clock, config)
 *   GET    /__sim/redirect/:session_id      Klarna's post-purchase redirect → 302 to merchant_urls.confirmation
 *   GET    /__sim/health
 */
import { DAY_MS } from "./clock"
import { SimError, errorBody, unprocessable } from "./errors"
import type { FaultInjector } from "./faults"
import { empty, json, type SimResponse } from "./http/io"
import { Router } from "./http/router"
import type { IdempotencyStore } from "./idempotency"
import { newUuid } from "./ids"
import type { RequestLog } from "./request-log"
import { parseRemoteSettings } from "./remote"
import { checkLines } from "./rules/arithmetic"
import { createOrder, type NewOrderInput } from "./rules/orders"
import { authorizeSession, confirmationUrl } from "./rules/payments"
import { internalView, orderView } from "./rules/status"
import type { SimState } from "./state"
import type { WireOrderLine } from "./types"
import { RequestValidator, omMessages } from "./validation"

export interface ControlDeps {
  state: SimState
  faults: FaultInjector
  log: RequestLog
  idempotency: IdempotencyStore
  validator: RequestValidator
}

interface ControlCtx {
  deps: ControlDeps
  params: Record<string, string>
  query: URLSearchParams
  body: Record<string, unknown>
}

type ControlHandler = (ctx: ControlCtx) => SimResponse

const bad = (message: string): SimError => new SimError(400, "BAD_REQUEST", message)

function parseNewOrder(ctx: ControlCtx): NewOrderInput {
  const b = ctx.body
  if (!Number.isInteger(b.order_amount) || (b.order_amount as number) < 0)
    throw bad("order_amount must be a non-negative integer (minor units)")
  if (typeof b.purchase_currency !== "string" || !/^[A-Za-z]{3}$/.test(b.purchase_currency))
    throw bad("purchase_currency must be an ISO 4217 code")
  if (typeof b.purchase_country !== "string" || !/^[A-Za-z]{2}$/.test(b.purchase_country))
    throw bad("purchase_country must be an ISO 3166 alpha-2 code")
  for (const f of ["expires_at", "created_at"]) {
    if (b[f] !== undefined && (typeof b[f] !== "string" || Number.isNaN(Date.parse(b[f] as string))))
      throw bad(`${f} must be an ISO date-time`)
  }
  const lines = b.order_lines
  if (lines !== undefined) {
    if (!Array.isArray(lines)) throw bad("order_lines must be an array")
    // Same order_line schema as the OM requests, so fixtures can't hold lines Klarna would refuse.
    const errors = lines.flatMap((l, i) =>
      ctx.deps.validator.validate("om", "order_line", l).map((e) => ({ ...e, instancePath: `/order_lines/${i}${e.instancePath}` })),
    )
    if (errors.length) throw unprocessable(omMessages(errors))
  }
  const arithmetic = (b.arithmetic_checks ?? b.arithmeticChecks) as boolean | undefined
  if (arithmetic ?? ctx.deps.state.config.arithmeticChecks) {
    const problems = checkLines(
      lines as WireOrderLine[] | undefined,
      b.order_amount as number,
      "order_amount",
      b.order_tax_amount as number | undefined,
    )
    if (problems.length) throw unprocessable(problems.map((p) => p.message))
  }
  return {
    order_amount: b.order_amount as number,
    purchase_currency: b.purchase_currency,
    purchase_country: b.purchase_country,
    order_lines: lines as WireOrderLine[] | undefined,
    order_tax_amount: b.order_tax_amount as number | undefined,
    locale: b.locale as string | undefined,
    merchant_reference1: b.merchant_reference1 as string | undefined,
    merchant_reference2: b.merchant_reference2 as string | undefined,
    merchant_data: b.merchant_data as string | undefined,
    billing_address: b.billing_address as Record<string, unknown> | undefined,
    shipping_address: b.shipping_address as Record<string, unknown> | undefined,
    customer: b.customer as Record<string, unknown> | undefined,
    expires_at: b.expires_at ? new Date(b.expires_at as string).toISOString() : undefined,
    created_at: b.created_at ? new Date(b.created_at as string).toISOString() : undefined,
    fraud_status: b.fraud_status as string | undefined,
    initial_payment_method: b.initial_payment_method as NewOrderInput["initial_payment_method"],
    arithmetic_checks: arithmetic,
  }
}

function booleanSetting(body: Record<string, unknown>, allowNull: boolean): boolean | undefined {
  const v = body.arithmeticChecks ?? body.arithmetic_checks
  if (typeof v === "boolean") return v
  if (allowNull && (v === null || v === undefined)) return undefined
  throw bad("arithmeticChecks must be a boolean" + (allowNull ? " or null" : ""))
}

const ROUTES: Array<[string, string, ControlHandler]> = [
  ["GET", "/__sim/health", () => json(200, { ok: true })],
  [
    "POST",
    "/__sim/orders",
    (ctx) => {
      const order = createOrder(ctx.deps.state, parseNewOrder(ctx), "control")
      return json(201, orderView(order, ctx.deps.state.clock.now()))
    },
  ],
  [
    "GET",
    "/__sim/orders",
    (ctx) =>
      json(
        200,
        [...ctx.deps.state.orders.values()].map((o) => internalView(o, ctx.deps.state.clock.now())),
      ),
  ],
  ["GET", "/__sim/orders/{id}", (ctx) => json(200, internalView(ctx.deps.state.order(ctx.params.id), ctx.deps.state.clock.now()))],
  [
    "POST",
    "/__sim/orders/{id}/config",
    (ctx) => {
      const order = ctx.deps.state.order(ctx.params.id)
      order.sim.arithmetic_checks = booleanSetting(ctx.body, true)
      return json(200, { order_id: order.order_id, arithmeticChecks: ctx.deps.state.arithmeticFor(order) })
    },
  ],
  [
    "POST",
    "/__sim/sessions/{id}/authorize",
    (ctx) => json(200, { authorization_token: authorizeSession(ctx.deps.state, ctx.params.id).authorization_token }),
  ],
  ["GET", "/__sim/sessions/{id}", (ctx) => json(200, ctx.deps.state.session(ctx.params.id))],
  [
    "GET",
    "/__sim/requests",
    (ctx) =>
      json(
        200,
        ctx.deps.log.list({ pathContains: ctx.query.get("path_contains") ?? undefined, method: ctx.query.get("method") ?? undefined }),
      ),
  ],
  [
    "DELETE",
    "/__sim/requests",
    (ctx) => {
      ctx.deps.log.clear()
      return empty(204)
    },
  ],
  ["POST", "/__sim/faults", (ctx) => json(201, ctx.deps.faults.add(ctx.body))],
  ["GET", "/__sim/faults", (ctx) => json(200, ctx.deps.faults.list())],
  [
    "DELETE",
    "/__sim/faults",
    (ctx) => {
      ctx.deps.faults.clear()
      return empty(204)
    },
  ],
  [
    "DELETE",
    "/__sim/faults/{id}",
    (ctx) => {
      if (!ctx.deps.faults.remove(ctx.params.id)) throw new SimError(404, "NOT_FOUND", `No fault ${ctx.params.id}`)
      return empty(204)
    },
  ],
  ["GET", "/__sim/config", (ctx) => json(200, ctx.deps.state.config)],
  [
    "POST",
    "/__sim/config",
    (ctx) => {
      const config = ctx.deps.state.config
      const hasArithmetic = ctx.body.arithmeticChecks !== undefined || ctx.body.arithmetic_checks !== undefined
      let remote: ReturnType<typeof parseRemoteSettings>
      try {
        remote = parseRemoteSettings(ctx.body)
      } catch (error) {
        throw bad((error as Error).message)
      }
      if (!hasArithmetic && Object.keys(remote).length === 0)
        throw bad("nothing to set: arithmeticChecks, latencyMs, jitterMs or rateLimit")
      if (hasArithmetic) config.arithmeticChecks = booleanSetting(ctx.body, false) as boolean
      Object.assign(config, remote)
      return json(200, config)
    },
  ],
  ["GET", "/__sim/clock", (ctx) => json(200, ctx.deps.state.clock.describe())],
  [
    "POST",
    "/__sim/clock",
    (ctx) => {
      const clock = ctx.deps.state.clock
      const b = ctx.body
      if (typeof b.advance_ms === "number") clock.advance(b.advance_ms)
      else if (typeof b.advance_days === "number") clock.advance(b.advance_days * DAY_MS)
      else if (b.now === null) clock.set(null)
      else if (typeof b.now === "string" && !Number.isNaN(Date.parse(b.now))) clock.set(new Date(b.now), b.freeze === true)
      else throw bad("send {now: ISO date-time | null, freeze?: boolean} or {advance_ms} or {advance_days}")
      return json(200, clock.describe())
    },
  ],
  [
    "POST",
    "/__sim/reset",
    (ctx) => {
      ctx.deps.state.reset()
      ctx.deps.faults.clear()
      ctx.deps.log.clear()
      ctx.deps.idempotency.clear()
      return empty(204)
    },
  ],
  [
    "GET",
    "/__sim/redirect/{id}",
    (ctx) => {
      const target = confirmationUrl(ctx.deps.state, ctx.params.id)
      if (target) return empty(302, { Location: target })
      return {
        status: 200,
        headers: { "Content-Type": "text/plain" },
        body: "Klarna simulator: purchase complete (no confirmation URL in the session).",
      }
    },
  ],
]

export class ControlApi {
  private readonly router = new Router<ControlHandler>()

  constructor(private readonly deps: ControlDeps) {
    for (const [method, path, handler] of ROUTES) this.router.add(method, path, handler)
  }

  handle(method: string, path: string, query: URLSearchParams, rawBody: string): SimResponse {
    const correlationId = newUuid()
    try {
      const { found, methodNotAllowed } = this.router.match(method, path)
      if (!found) throw new SimError(methodNotAllowed ? 405 : 404, "NOT_FOUND", `No control endpoint ${method} ${path}`)
      let body: Record<string, unknown> = {}
      if (rawBody.trim() !== "") {
        try {
          body = JSON.parse(rawBody) as Record<string, unknown>
        } catch (e) {
          throw bad(`Malformed JSON: ${(e as Error).message}`)
        }
        if (!body || typeof body !== "object" || Array.isArray(body)) throw bad("body must be a JSON object")
      }
      return found.route({ deps: this.deps, params: found.params, query, body })
    } catch (err) {
      if (err instanceof SimError)
        return json(err.status, errorBody(err.code, err.messages, correlationId), { "Klarna-Correlation-Id": correlationId })
      console.error("[klarna-simulator] control API error", err) // eslint-disable-line no-console
      return json(500, errorBody("INTERNAL_SERVER_ERROR", [String(err)], correlationId))
    }
  }
}
