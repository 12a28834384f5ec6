/**
 * The one request function. It owns the base URL, HTTP Basic auth, User-Agent, JSON, the per-attempt
 * timeout (the exchange itself is transport.ts), retries (retry.ts) and per-attempt observability; endpoints.ts says what to send and how to read it.
 *
 * Credentials live only in this closure: they are never put on an object that could be logged or
 * serialised, and every string leaving here (errors, log lines, events) is redacted.
 */
import {
  DEFAULT_MAX_RETRIES,
  DEFAULT_TIMEOUT_MS,
  type KlarnaAttemptEvent,
  type KlarnaClientConfig,
  resolveBaseUrl,
  resolveProvider,
  resolveRetryPolicy,
  validateCredentials,
  validatePositiveNumber,
} from "./config"
import { describeNetworkError, KlarnaError, KustomDeprecatedCallError, parseErrorBody } from "./errors"
import { kustomDeprecatedCall } from "./kustom"
import type { KlarnaCallOptions, KlarnaOperation } from "./operation"
import { credentialSecrets, redact, redactOptional } from "./redact"
import { isRetryableStatus, retryDelay, serverRequestedDelayMs, shouldRetry } from "./retry"
import { createHttpTransport, type TransportOutcome } from "./transport"
import { buildUserAgent } from "./version"

export type KlarnaRequester = <T>(operation: KlarnaOperation<T>, options?: KlarnaCallOptions) => Promise<T>

type AttemptOutcome = TransportOutcome

export function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function validateMaxRetries(value: number | undefined): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= 0)) {
    throw new TypeError("Klarna client: maxRetries must be a non-negative integer")
  }
}

export function createRequester(config: KlarnaClientConfig): KlarnaRequester {
  validateCredentials(config)
  validatePositiveNumber("timeoutMs", config.timeoutMs, false)
  validateMaxRetries(config.maxRetries)
  const provider = resolveProvider(config)
  const baseUrl = resolveBaseUrl(config)
  const policy = resolveRetryPolicy(config.retryPolicy)
  const authorization = `Basic ${Buffer.from(`${config.username}:${config.password}`, "utf8").toString("base64")}`
  const secrets = credentialSecrets(config.username, config.password)
  const userAgent = buildUserAgent(config.userAgentSuffix)
  const defaultTimeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const defaultMaxRetries = config.maxRetries ?? DEFAULT_MAX_RETRIES
  const sleep = config.sleep ?? defaultSleep
  const random = config.random ?? Math.random
  const { logger, onResponse, gate } = config
  const transport = createHttpTransport()

  function report(event: KlarnaAttemptEvent, message: string): void {
    const line = redact(message, secrets)
    if (logger !== undefined) {
      const meta = event as unknown as Record<string, unknown>
      if (event.outcome === "success") logger.debug(line, meta)
      else logger.warn(line, meta)
    }
    if (onResponse === undefined) return
    try {
      onResponse(event)
    } catch (hookError: unknown) {
      const text = hookError instanceof Error ? hookError.message : String(hookError)
      logger?.warn(`Klarna onResponse hook threw: ${redact(text, secrets)}`)
    }
  }

  return async function request<T>(operation: KlarnaOperation<T>, options: KlarnaCallOptions = {}): Promise<T> {
    try {
      validatePositiveNumber("timeoutMs", options.timeoutMs, false)
      validateMaxRetries(options.maxRetries)
    } catch (invalid: unknown) {
      throw KlarnaError.invalidRequest(operation.name, invalid instanceof Error ? invalid.message : String(invalid))
    }
    if (provider === "kustom") {
      const deprecated = kustomDeprecatedCall(operation.path)
      if (deprecated !== undefined) throw new KustomDeprecatedCallError(operation.name, deprecated)
    }
    const timeoutMs = options.timeoutMs ?? defaultTimeoutMs
    const maxRetries = options.maxRetries ?? defaultMaxRetries
    const url = baseUrl + operation.path
    const headers: Record<string, string> = {
      Authorization: authorization,
      "User-Agent": userAgent,
      Accept: "application/json",
    }
    let body: string | undefined
    if (operation.body !== undefined) {
      body = JSON.stringify(operation.body)
      headers["Content-Type"] = "application/json"
    }
    // Set once, so every retry sends the same key.
    if (operation.idempotencyKey !== undefined) headers["Klarna-Idempotency-Key"] = operation.idempotencyKey
    const path = redact(operation.logPath ?? operation.path, secrets)
    const label = `Klarna ${operation.name} ${operation.method} ${path}`

    for (let attemptNo = 1; ; attemptNo++) {
      const ticket = gate ? await gate.acquire(operation.priority) : undefined
      const started = performance.now()
      const outcome = await transport({ url, method: operation.method, headers, body, timeoutMs })
      const elapsedMs = Math.round(performance.now() - started)
      if (gate && ticket) {
        const answered = outcome.kind === "response" ? outcome.response : undefined
        gate.release(ticket, { status: answered?.status, headers: answered?.headers, elapsedMs })
      }
      const base = {
        operation: operation.name,
        method: operation.method,
        path,
        attempt: attemptNo,
        elapsedMs,
        idempotencyKey: operation.idempotencyKey,
      }

      if (outcome.kind === "response" && outcome.response.status >= 200 && outcome.response.status < 300) {
        const { response } = outcome
        const correlationId = redactOptional(response.headers.get("klarna-correlation-id") ?? undefined, secrets)
        const parsed = operation.parse(response)
        if (parsed.ok) {
          report(
            { ...base, status: response.status, correlationId, outcome: "success" },
            `${label} -> ${response.status} in ${elapsedMs} ms (attempt ${attemptNo})`,
          )
          return parsed.value
        }
        const error = KlarnaError.fromResponse({
          operation: operation.name,
          attempts: attemptNo,
          safeToRetry: operation.safeToRetry,
          secrets,
          response,
          unexpected: parsed.problem,
        })
        report(
          { ...base, status: response.status, correlationId, outcome: "failed", errorCode: error.errorCode },
          `${label} -> ${response.status} in ${elapsedMs} ms (attempt ${attemptNo}): ${error.message}`,
        )
        throw error
      }

      const status = outcome.kind === "response" ? outcome.response.status : undefined
      const responseHeaders = outcome.kind === "response" ? outcome.response.headers : undefined
      let retryAfterMs: number | undefined
      if (shouldRetry({ status, safeToRetry: operation.safeToRetry, retriesSoFar: attemptNo - 1, maxRetries })) {
        const decision = retryDelay(attemptNo, status, responseHeaders, policy, random)
        if (decision.retry) {
          report(
            { ...base, ...attemptSummary(outcome, timeoutMs, secrets), outcome: "retrying", delayMs: decision.delayMs },
            `${label} -> ${describeOutcome(outcome, timeoutMs, secrets)} in ${elapsedMs} ms (attempt ${attemptNo}); ` +
              `retrying in ${decision.delayMs} ms`,
          )
          await sleep(decision.delayMs)
          continue
        }
        retryAfterMs = decision.requestedDelayMs
      } else if (status !== undefined && isRetryableStatus(status)) {
        retryAfterMs = serverRequestedDelayMs(status, responseHeaders)
      }

      const error =
        outcome.kind === "response"
          ? KlarnaError.fromResponse({
              operation: operation.name,
              attempts: attemptNo,
              safeToRetry: operation.safeToRetry,
              secrets,
              response: outcome.response,
              retryAfterMs,
            })
          : KlarnaError.fromResponse({
              operation: operation.name,
              attempts: attemptNo,
              safeToRetry: operation.safeToRetry,
              secrets,
              network: { error: outcome.error, timedOut: outcome.timedOut, timeoutMs },
            })
      report(
        {
          ...base,
          ...attemptSummary(outcome, timeoutMs, secrets),
          correlationId: error.correlationId,
          outcome: "failed",
          errorCode: error.errorCode,
        },
        `${label} -> ${describeOutcome(outcome, timeoutMs, secrets)} in ${elapsedMs} ms (attempt ${attemptNo}): ${error.message}`,
      )
      throw error
    }
  }
}

function attemptSummary(
  outcome: AttemptOutcome,
  timeoutMs: number,
  secrets: readonly string[],
): Pick<KlarnaAttemptEvent, "status" | "correlationId" | "errorCode" | "networkError"> {
  if (outcome.kind === "network") return { networkError: describeOutcome(outcome, timeoutMs, secrets) }
  const parsed = parseErrorBody(outcome.response.bodyText)
  return {
    status: outcome.response.status,
    correlationId: redactOptional(parsed.correlationId ?? outcome.response.headers.get("klarna-correlation-id") ?? undefined, secrets),
    errorCode: redactOptional(parsed.errorCode, secrets),
  }
}

function describeOutcome(outcome: AttemptOutcome, timeoutMs: number, secrets: readonly string[]): string {
  if (outcome.kind === "response") return String(outcome.response.status)
  if (outcome.timedOut) return `timed out after ${timeoutMs} ms`
  return redact(describeNetworkError(outcome.error).description, secrets)
}
