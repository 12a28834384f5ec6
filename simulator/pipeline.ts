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
      key = route.idempotent ? headerValue(req.headers, "klarna-idempotency-key") : undefined
      if (key) {
        const replay = this.idempotency.get(merchant, key)
        if (replay) return { response: replay, merchant, replayed: true }
      }
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
    console.error("[klarna-simulator] unexpected error", err)
    return { status: 500, headers: {}, body: errorBody("INTERNAL_SERVER_ERROR", ["Unexpected server error"], correlationId) }
  }
}
