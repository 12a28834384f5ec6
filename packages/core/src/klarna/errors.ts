/**
 * The client's one error family. Every failure of a Klarna call is a KlarnaError, built by
 * KlarnaError.fromResponse() (HTTP error responses, unusable 2xx responses, network errors and timeouts);
 * invalid arguments are caught before any request by KlarnaError.invalidRequest().
 *
 * `retryable` means: calling again later (with the same idempotency key) may succeed AND is safe, i.e. the
 * failure is transient (network, timeout, 408/409/429/5xx) and the operation is a GET or carries an
 * idempotency key. Errors never hold request headers or credentials; every string they carry is redacted.
 */
import { isRetryableStatus, type HeaderReader } from "./retry"
import { redact, redactOptional } from "./redact"
import { truncateText } from "../sync/order-lines/text"

export interface KlarnaErrorFields {
  message: string
  operation: string
  attempts: number
  retryable: boolean
  httpStatus?: number
  errorCode?: string
  errorMessages?: string[]
  correlationId?: string
  retryAfterMs?: number
}

/** What an attempt ended with, as fromResponse() needs it. */
export interface KlarnaResponseInfo {
  status: number
  headers: HeaderReader
  bodyText: string
}

export interface KlarnaNetworkFailure {
  timedOut: boolean
  timeoutMs?: number
  /** The error fetch threw (never shown as is: only its code and redacted message are kept). */
  error: unknown
}

export type FromResponseInput = {
  operation: string
  /** Attempts made, including the one that failed. */
  attempts: number
  /** GET, or a mutation with an idempotency key. */
  safeToRetry: boolean
  /** Strings to scrub from everything the error carries (the client's credentials). */
  secrets?: readonly string[]
} & (
  | {
      response: KlarnaResponseInfo
      /** Set when a 2xx response could not be used, e.g. "201 without Capture-Id or Location". */
      unexpected?: string
      /** A server-requested wait (Retry-After / X-Ratelimit-Reset) that was too long to honour in-process. */
      retryAfterMs?: number
    }
  | { network: KlarnaNetworkFailure }
)

export class KlarnaError extends Error {
  override readonly name: string = "KlarnaError"
  /** HTTP status; undefined for network errors, timeouts and invalid requests. */
  readonly httpStatus: number | undefined
  readonly errorCode: string | undefined
  readonly errorMessages: string[]
  readonly correlationId: string | undefined
  readonly retryable: boolean
  /** Client operation name, e.g. "createCapture". */
  readonly operation: string
  /** HTTP attempts made (0: rejected before sending). */
  readonly attempts: number
  /** Wait the server asked for, in ms, when it was too long to wait in-process. */
  readonly retryAfterMs: number | undefined

  constructor(fields: KlarnaErrorFields) {
    super(fields.message)
    this.httpStatus = fields.httpStatus
    this.errorCode = fields.errorCode
    this.errorMessages = fields.errorMessages ?? []
    this.correlationId = fields.correlationId
    this.retryable = fields.retryable
    this.operation = fields.operation
    this.attempts = fields.attempts
    this.retryAfterMs = fields.retryAfterMs
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      httpStatus: this.httpStatus,
      errorCode: this.errorCode,
      errorMessages: this.errorMessages,
      correlationId: this.correlationId,
      retryable: this.retryable,
      operation: this.operation,
      attempts: this.attempts,
      retryAfterMs: this.retryAfterMs,
    }
  }

  /** The one factory for failures of a call: HTTP error responses, unusable 2xx responses, network errors. */
  static fromResponse(input: FromResponseInput): KlarnaError {
    const secrets = input.secrets ?? []
    const operation = redact(input.operation, secrets)
    if ("network" in input) return networkError(input.network, operation, input.attempts, input.safeToRetry, secrets)

    const { response } = input
    const parsed = parseErrorBody(response.bodyText)
    const errorCode = redactOptional(parsed.errorCode, secrets)
    const errorMessages = parsed.errorMessages.map((m) => redact(m, secrets))
    const correlationId = redactOptional(parsed.correlationId ?? response.headers.get("klarna-correlation-id") ?? undefined, secrets)
    const detail = redact(input.unexpected ?? (errorMessages.length > 0 ? errorMessages.join("; ") : parsed.fallbackDetail), secrets)
    const base: KlarnaErrorFields = {
      message: composeMessage({
        errorCode,
        status: response.status,
        operation,
        detail,
        correlationId,
        attempts: input.attempts,
      }),
      operation,
      attempts: input.attempts,
      httpStatus: response.status,
      errorCode,
      errorMessages,
      correlationId,
      retryable: input.unexpected === undefined && input.safeToRetry && isRetryableStatus(response.status),
      retryAfterMs: input.retryAfterMs,
    }
    if (input.unexpected !== undefined) return new KlarnaUnexpectedResponseError(base)
    if (response.status === 401) return new KlarnaAuthenticationError(base)
    if (response.status === 429) return new KlarnaRateLimitError(base)
    if (response.status === 409) return new KlarnaConflictError(base)
    return new KlarnaApiError(base)
  }

  /** Arguments that can never succeed (missing idempotency key, empty order id): nothing was sent. */
  static invalidRequest(operation: string, problem: string): KlarnaInvalidRequestError {
    return new KlarnaInvalidRequestError({
      message: `Klarna invalid request on ${operation}: ${problem}`,
      operation,
      attempts: 0,
      retryable: false,
      errorCode: "INVALID_REQUEST",
    })
  }
}

/** Klarna answered with a non-2xx status. */
export class KlarnaApiError extends KlarnaError {
  override readonly name: string = "KlarnaApiError"
}

/** 401: wrong or missing credentials. */
export class KlarnaAuthenticationError extends KlarnaApiError {
  override readonly name: string = "KlarnaAuthenticationError"
}

/** 429: rate limited; retries (if any) were exhausted or the requested wait was too long. */
export class KlarnaRateLimitError extends KlarnaApiError {
  override readonly name: string = "KlarnaRateLimitError"
}

/** 409: conflicts with the current state of the resource. */
export class KlarnaConflictError extends KlarnaApiError {
  override readonly name: string = "KlarnaConflictError"
}

/** No HTTP response: connection refused/reset, DNS, or the per-attempt timeout. */
export class KlarnaConnectionError extends KlarnaError {
  override readonly name: string = "KlarnaConnectionError"
  readonly timedOut: boolean
  /** e.g. ECONNREFUSED, UND_ERR_SOCKET, TIMEOUT. */
  readonly networkErrorCode: string | undefined

  constructor(fields: KlarnaErrorFields & { timedOut: boolean; networkErrorCode?: string }) {
    super(fields)
    this.timedOut = fields.timedOut
    this.networkErrorCode = fields.networkErrorCode
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), timedOut: this.timedOut, networkErrorCode: this.networkErrorCode }
  }
}

/** A 2xx response the client cannot use (e.g. a capture without Capture-Id and Location, or invalid JSON). */
export class KlarnaUnexpectedResponseError extends KlarnaError {
  override readonly name: string = "KlarnaUnexpectedResponseError"
}

/** Rejected before sending: the arguments can never succeed. */
export class KlarnaInvalidRequestError extends KlarnaError {
  override readonly name: string = "KlarnaInvalidRequestError"
}

/**
 * Rejected before sending: the credentials are Kustom's and Kustom deprecated this call (kustom.ts).
 * Never retryable; nothing was sent.
 */
export class KustomDeprecatedCallError extends KlarnaError {
  override readonly name: string = "KustomDeprecatedCallError"
  static readonly ERROR_CODE = "DEPRECATED_BY_KUSTOM"

  constructor(
    operation: string,
    /** The call as Kustom names it, e.g. "trigger-send-out". */
    readonly call: string,
  ) {
    super({
      message:
        `Kustom deprecated ${call}: ${operation} is not available for orders served by Kustom, ` +
        `so nothing was sent. Use the Kustom portal instead.`,
      operation,
      attempts: 0,
      retryable: false,
      errorCode: KustomDeprecatedCallError.ERROR_CODE,
    })
  }
}

// ---------------------------------------------------------------------------------------------

interface ParsedErrorBody {
  errorCode?: string
  errorMessages: string[]
  correlationId?: string
  /** Shown when the body has no error messages. */
  fallbackDetail: string
}

const SNIPPET_LENGTH = 200

/** Reads Klarna's error body: error_code, error_messages[] and/or error_message, correlation_id. */
export function parseErrorBody(bodyText: string): ParsedErrorBody {
  const trimmed = bodyText.trim()
  if (trimmed === "") return { errorMessages: [], fallbackDetail: "no error body" }
  let json: unknown
  try {
    json = JSON.parse(trimmed)
  } catch {
    return { errorMessages: [], fallbackDetail: describeNonJsonBody(trimmed) }
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    return { errorMessages: [], fallbackDetail: `unrecognised error body: ${snippet(trimmed)}` }
  }
  const body = json as Record<string, unknown>
  const errorMessages: string[] = []
  if (Array.isArray(body.error_messages)) {
    for (const m of body.error_messages) if (typeof m === "string" && m !== "") errorMessages.push(m)
  }
  if (typeof body.error_message === "string" && body.error_message !== "" && !errorMessages.includes(body.error_message)) {
    errorMessages.push(body.error_message)
  }
  const errorCode = typeof body.error_code === "string" && body.error_code !== "" ? body.error_code : undefined
  const correlationId = typeof body.correlation_id === "string" && body.correlation_id !== "" ? body.correlation_id : undefined
  const fallbackDetail =
    errorCode !== undefined || correlationId !== undefined ? "no error message" : `unrecognised error body: ${snippet(trimmed)}`
  return { errorCode, errorMessages, correlationId, fallbackDetail }
}

function describeNonJsonBody(text: string): string {
  if (/^<(!doctype|html|\?xml|head|body)/i.test(text) || /<\/?html[\s>]/i.test(text)) {
    const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(text)?.[1]
    const cleanTitle = title === undefined ? "" : collapse(title.replace(/<[^>]*>/g, ""))
    return cleanTitle === "" ? "HTML error page" : `HTML error page "${truncate(cleanTitle)}"`
  }
  return `non-JSON body: ${snippet(text)}`
}

function snippet(text: string): string {
  return truncate(collapse(text))
}

function collapse(text: string): string {
  return text.replace(/\s+/g, " ").trim()
}

function truncate(text: string): string {
  return truncateText(text, SNIPPET_LENGTH + 1, { ellipsis: true })
}

function composeMessage(p: {
  errorCode?: string
  status?: number
  operation: string
  detail: string
  correlationId?: string
  attempts: number
}): string {
  const head =
    p.status === undefined
      ? `Klarna ${p.errorCode ?? "error"}`
      : p.errorCode !== undefined
        ? `Klarna ${p.errorCode} (${p.status})`
        : `Klarna HTTP ${p.status}`
  const correlation = p.correlationId !== undefined ? ` [correlation_id ${p.correlationId}]` : ""
  const attempts = p.attempts > 1 ? ` (${p.attempts} attempts)` : ""
  return `${head} on ${p.operation}: ${p.detail}${correlation}${attempts}`
}

function networkError(
  failure: KlarnaNetworkFailure,
  operation: string,
  attempts: number,
  safeToRetry: boolean,
  secrets: readonly string[],
): KlarnaConnectionError {
  const { code, description } = failure.timedOut
    ? { code: "TIMEOUT", description: `timed out after ${failure.timeoutMs ?? "?"} ms` }
    : describeNetworkError(failure.error)
  const detail = redact(description, secrets)
  return new KlarnaConnectionError({
    message: composeMessage({ errorCode: "connection error", operation, detail, attempts }),
    operation,
    attempts,
    retryable: safeToRetry,
    timedOut: failure.timedOut,
    networkErrorCode: redactOptional(code, secrets),
  })
}

/** fetch() throws TypeError("fetch failed") with the socket error as `cause`; keep its code and message. */
export function describeNetworkError(error: unknown): { code?: string; description: string } {
  const parts: string[] = []
  let code: string | undefined
  let current: unknown = error
  // Duck-typed: errors from fetch may come from another realm (e.g. under Jest), failing `instanceof Error`.
  for (let depth = 0; depth < 4 && current !== null && typeof current === "object"; depth++) {
    const { code: c, message, cause } = current as { code?: unknown; message?: unknown; cause?: unknown }
    if (code === undefined && typeof c === "string") code = c
    if (typeof message === "string" && message !== "" && !parts.includes(message)) parts.push(message)
    current = cause
  }
  if (parts.length === 0) parts.push(typeof error === "string" ? error : "network error")
  const description = (code !== undefined && !parts.some((p) => p.includes(code)) ? [code, ...parts] : parts).join(": ")
  return { code, description: truncate(collapse(description)) }
}
