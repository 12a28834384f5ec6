/**
 * One Klarna API request, start to finish, as a synchronous function:
 *   auth (401) → route (404/405) → idempotency replay → JSON parse (400) → schema (422 OM /
 *   400 BAD_VALUE Payments) → business rules → response (+ idempotency store).
 * Synchronous on purpose: between the idempotency lookup and the store nothing else can run
 * in Node's event loop, so two concurrent retries with the same key cannot both execute.
 */
import { SimError, errorBody, badValue, unprocessable } from "./errors"
import { authenticate, type Credentials } from "./http/auth"
import type { SimResponse } from "./http/io"
import { Router } from "./http/router"
import { IdempotencyStore } from "./idempotency"
import { buildKlarnaRoutes, type KlarnaRoute } from "./klarna-api"
import { newUuid } from "./ids"
import type { SimState } from "./state"
import { RequestValidator, omMessages, paymentsPaths } from "./validation"

export interface PipelineRequest {
  method: string
  path: string
  headers: Record<string, string | string[] | undefined>
  rawBody: string
  baseUrl: string
}

export interface PipelineResult {
  response: SimResponse
  merchant?: string
  replayed: boolean
}

// Klarna's 400 sample message (OM docs error table); its error_code is cut off in our copy.
const INVALID_REQUEST = "This is an invalid request. Refer to the OpenAPI documentation to check validation rules."

function headerValue(headers: PipelineRequest["headers"], name: string): string | undefined {
  const v = headers[name]
  return Array.isArray(v) ? v[0] : v
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * Klarna answers an order id that is not a UUID with INVALID_ORDER_ID ("Order ID must be a valid
 * UUID.", view-and-change-orders doc) before looking the order up. The doc gives no status; 400 is
 * what a malformed path parameter gets everywhere else in the API.
 */
function assertValidOrderId(route: KlarnaRoute, params: Record<string, string>): void {
  if (route.api !== "om" || params.order_id === undefined) return
  if (!UUID.test(params.order_id)) throw new SimError(400, "INVALID_ORDER_ID", "Order ID must be a valid UUID.")
}

/** The scope a Klarna-Idempotency-Key is remembered in: the operation (method + concrete path) it came with. */
function idempotencyScope(method: string, path: string, key: string): string {
  return `${method} ${path.split("?")[0]}\u0000${key}`
}

/**
 * Klarna's API only takes JSON bodies: a body sent as text/plain (or any other media type) is refused
 * with 415 before it is parsed. A request without a body, or without a Content-Type, is let through.
 */
function assertJsonContentType(route: KlarnaRoute, req: PipelineRequest): void {
  if (!route.requestSchema || req.rawBody.trim() === "") return
  const type = headerValue(req.headers, "content-type")
  if (type === undefined) return
  const media = type.split(";")[0].trim().toLowerCase()
  if (media === "application/json" || media.endsWith("+json")) return
  throw new SimError(415, "UNSUPPORTED_MEDIA_TYPE", `Content type '${type}' not supported; send application/json`)
}

export class KlarnaPipeline {
  private readonly router = new Router<KlarnaRoute>()
  private readonly validator = new RequestValidator()

  constructor(
    private readonly state: SimState,
    private readonly idempotency: IdempotencyStore,
    private readonly credentials: Credentials,
  ) {
    for (const route of buildKlarnaRoutes()) this.router.add(route.method, route.path, route)
  }

  handle(req: PipelineRequest): PipelineResult {
    const correlationId = newUuid()
    let merchant: string | undefined
    let route: KlarnaRoute | undefined
    let key: string | undefined
    let response: SimResponse
    try {
      merchant = authenticate(headerValue(req.headers, "authorization"), this.credentials)
      const { found, methodNotAllowed } = this.router.match(req.method, req.path)
      if (!found) {
        throw methodNotAllowed
          ? new SimError(405, "METHOD_NOT_ALLOWED", `Method ${req.method} is not allowed for ${req.path}`)
          : new SimError(404, "NOT_FOUND", `No such resource: ${req.method} ${req.path}`)
      }
      route = found.route
      assertValidOrderId(route, found.params)
      // Klarna scopes a key to the operation it was first used with: the same key on another
      // endpoint or another order is a new request, never a replay of the first one.
      const rawKey = route.idempotent ? headerValue(req.headers, "klarna-idempotency-key") : undefined
      key = rawKey ? idempotencyScope(req.method, req.path, rawKey) : undefined
      if (key) {
        const replay = this.idempotency.get(merchant, key)
        if (replay) return { response: replay, merchant, replayed: true }
      }
      assertJsonContentType(route, req)
      const body = this.parseAndValidate(route, req.rawBody)
      response = route.handle({ state: this.state, params: found.params, body, baseUrl: req.baseUrl })
    } catch (err) {
      response = this.errorResponse(err, correlationId)
    }
    response.headers["Klarna-Correlation-Id"] = correlationId
    if (key && merchant) this.idempotency.put(merchant, key, response)
    return { response, merchant, replayed: false }
  }

  private parseAndValidate(route: KlarnaRoute, raw: string): unknown {
    if (!route.requestSchema) return undefined // body-less operation: whatever was sent is ignored
    let body: unknown = {}
    if (raw.trim() === "") {
      if (route.requestBodyRequired) throw new SimError(400, "BAD_REQUEST", [INVALID_REQUEST, "Required request body is missing"])
    } else {
      try {
        body = JSON.parse(raw)
      } catch (e) {
        throw new SimError(400, "BAD_REQUEST", [INVALID_REQUEST, `Malformed JSON: ${(e as Error).message}`])
      }
    }
    const errors = this.validator.validate(route.api, route.requestSchema, body)
    if (errors.length) throw route.api === "om" ? unprocessable(omMessages(errors)) : badValue(paymentsPaths(errors))
    return body
  }

  private errorResponse(err: unknown, correlationId: string): SimResponse {
    if (err instanceof SimError) {
      return { status: err.status, headers: { ...err.headers }, body: errorBody(err.code, err.messages, correlationId) }
    }
    // A bug in the simulator must look like a Klarna 500, and be visible in the test output.
    console.error("[klarna-simulator] unexpected error", err) // eslint-disable-line no-console
    return { status: 500, headers: {}, body: errorBody("INTERNAL_SERVER_ERROR", ["Unexpected server error"], correlationId) }
  }
}
