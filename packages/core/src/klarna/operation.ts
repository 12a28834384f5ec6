/**
 * One Klarna request as http.ts sends it: method, path, body, idempotency key, whether it may be repeated,
 * and how its 2xx response becomes a result. endpoint.ts builds these from the declarations in
 * endpoints.ts; http.ts executes them. Also the argument checks and response parsers declarations use.
 */
import { KlarnaError } from "./errors"
import type { CallPriority } from "./call-gate"
import type { HeaderReader } from "./retry"

export type HttpMethod = "GET" | "POST" | "PATCH" | "DELETE"

/** A 2xx response as parsers see it. */
export interface KlarnaHttpResponse {
  status: number
  headers: HeaderReader
  bodyText: string
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; problem: string }

export interface KlarnaOperation<T> {
  /** Client method name, used in errors, logs and events. */
  name: string
  method: HttpMethod
  /** Path below the base URL, parameters already encoded, starting with "/". */
  path: string
  /** Shown in logs and events instead of `path` when the path holds a token. */
  logPath?: string
  /** JSON-serialised as the request body when present. */
  body?: unknown
  /** Sent as Klarna-Idempotency-Key, identical on every retry. */
  idempotencyKey?: string
  /** Whether the request may be sent again after a failure: GETs and mutations with an idempotency key. */
  safeToRetry: boolean
  /** Turns a 2xx response into the result, or says why it cannot. */
  parse(response: KlarnaHttpResponse): ParseResult<T>
  /** Its place at the call gate (default background: the sync's calls). */
  priority?: CallPriority
}

/** Per-call overrides. */
export interface KlarnaCallOptions {
  /** Per-attempt timeout for this call. */
  timeoutMs?: number
  /** Retries after the first attempt for this call (only used when the call is safe to repeat). */
  maxRetries?: number
}

/** Options of every Order Management mutation. */
export interface KlarnaMutationOptions extends KlarnaCallOptions {
  /**
   * Klarna-Idempotency-Key, supplied by the caller (derive it from the platform object and the operation,
   * e.g. UUIDv5 of `capture:<fulfillment_id>`). The client never invents one; it reuses it on every retry.
   * Klarna honours a key for 24 h and replays the first result for it, whatever the body.
   */
  idempotencyKey: string
}

const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/

/** Rejects a missing or malformed idempotency key before anything is sent. */
export function requireIdempotencyKey(operation: string, options: { idempotencyKey?: unknown } | undefined): string {
  const key = options?.idempotencyKey
  if (typeof key !== "string" || key.length === 0) {
    throw KlarnaError.invalidRequest(operation, "an idempotencyKey is required for this mutation")
  }
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw KlarnaError.invalidRequest(operation, "idempotencyKey must be printable ASCII without leading or trailing whitespace")
  }
  return key
}

/** Validates and percent-encodes one path parameter. */
export function pathParam(operation: string, name: string, value: unknown): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw KlarnaError.invalidRequest(operation, `${name} must be a non-empty string`)
  }
  return encodeURIComponent(value)
}

export function requireBody(operation: string, body: unknown): void {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw KlarnaError.invalidRequest(operation, "the request body must be an object")
  }
}

// ---------------------------------------------------------------------------------------------
// Response parsers
// ---------------------------------------------------------------------------------------------

/** 204 (or any 2xx): nothing to read. */
export function parseNoContent(): ParseResult<void> {
  return { ok: true, value: undefined }
}

function parseJson(response: KlarnaHttpResponse): ParseResult<unknown> {
  if (response.bodyText.trim() === "") return { ok: false, problem: `${response.status} response without a body` }
  try {
    return { ok: true, value: JSON.parse(response.bodyText) as unknown }
  } catch {
    return { ok: false, problem: `${response.status} response body is not valid JSON` }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
}

/** A JSON object that has the given non-empty string fields. Other fields are passed through unchecked. */
export function parseJsonObject<T>(...requiredStringFields: string[]): (response: KlarnaHttpResponse) => ParseResult<T> {
  return (response) => {
    const parsed = parseJson(response)
    if (!parsed.ok) return parsed
    if (!isObject(parsed.value)) return { ok: false, problem: "response body is not a JSON object" }
    for (const field of requiredStringFields) {
      const v = parsed.value[field]
      if (typeof v !== "string" || v === "") return { ok: false, problem: `response body has no ${field}` }
    }
    return { ok: true, value: parsed.value as T }
  }
}

/** A JSON array of objects, each with the given non-empty string fields. */
export function parseJsonArray<T>(...requiredStringFields: string[]): (response: KlarnaHttpResponse) => ParseResult<T[]> {
  return (response) => {
    const parsed = parseJson(response)
    if (!parsed.ok) return parsed
    if (!Array.isArray(parsed.value)) return { ok: false, problem: "response body is not a JSON array" }
    for (const item of parsed.value) {
      if (!isObject(item)) return { ok: false, problem: "response array holds a non-object" }
      for (const field of requiredStringFields) {
        const v = item[field]
        if (typeof v !== "string" || v === "") return { ok: false, problem: `an array entry has no ${field}` }
      }
    }
    return { ok: true, value: parsed.value as T[] }
  }
}

export interface CreatedResource {
  id: string
  /** The Location header exactly as Klarna sent it; undefined if it sent none. */
  location: string | undefined
  correlationId: string | undefined
}

/**
 * 201 of a create (capture, refund): the id comes from its header (Capture-Id / Refund-Id); if Klarna omits
 * it, from the last path segment of Location; if both are missing the call fails (never guessed).
 */
export function parseCreatedResource(idHeader: "Capture-Id" | "Refund-Id") {
  return (response: KlarnaHttpResponse): ParseResult<CreatedResource> => {
    const location = nonEmpty(response.headers.get("location"))
    const correlationId = nonEmpty(response.headers.get("klarna-correlation-id"))
    const headerId = nonEmpty(response.headers.get(idHeader.toLowerCase()))
    if (headerId !== undefined) return { ok: true, value: { id: headerId, location, correlationId } }
    if (location !== undefined) {
      const fromLocation = lastPathSegment(location)
      if (fromLocation !== undefined) return { ok: true, value: { id: fromLocation, location, correlationId } }
      return { ok: false, problem: `${response.status} without ${idHeader}, and no id in its Location header` }
    }
    return { ok: false, problem: `${response.status} without ${idHeader} or Location header` }
  }
}

function nonEmpty(value: string | null): string | undefined {
  if (value === null) return undefined
  const trimmed = value.trim()
  return trimmed === "" ? undefined : trimmed
}

/** Last non-empty path segment of an absolute or relative URL, percent-decoded. */
export function lastPathSegment(location: string): string | undefined {
  let pathname: string
  try {
    pathname = new URL(location, "http://relative.invalid").pathname
  } catch {
    return undefined
  }
  const segment = pathname
    .split("/")
    .filter((s) => s !== "")
    .pop()
  if (segment === undefined) return undefined
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}
