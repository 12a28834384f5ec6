/**
 * Retry policy, as pure functions (after stripe-node's RequestSender._shouldRetry / _getSleepTimeInMS).
 * - Retry only calls that are safe to repeat: GETs, and mutations carrying a Klarna-Idempotency-Key.
 * - Retry network errors, timeouts, 408, 409, 429 and 5xx. Never any other status.
 * - Wait what the server asks (Retry-After, or X-Ratelimit-Reset on 429); otherwise exponential backoff
 *   with "equal jitter" (a random point in the upper half of the exponential step), capped.
 */

export interface RetryPolicy {
  /** Backoff of the first retry, before jitter. */
  baseDelayMs: number
  /** Cap of the exponential step, before jitter. */
  maxDelayMs: number
  /** A server asking for a longer wait than this is not waited for: the call fails (retryable) instead. */
  maxRetryAfterMs: number
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
}

/** Statuses that mean "try again later": 408, 409, 429 and every 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || (status >= 500 && status <= 599)
}

export interface ShouldRetryInput {
  /** HTTP status of the failed attempt; undefined for a network error or timeout (no response). */
  status: number | undefined
  /** GET, or a mutation that carries an idempotency key. */
  safeToRetry: boolean
  /** Retries already made (0 after the first attempt). */
  retriesSoFar: number
  maxRetries: number
}

export function shouldRetry(input: ShouldRetryInput): boolean {
  if (!input.safeToRetry) return false
  if (input.retriesSoFar >= input.maxRetries) return false
  if (input.status === undefined) return true
  return isRetryableStatus(input.status)
}

/**
 * Delay before retry number `retryNumber` (1 = first retry): step = min(maxDelayMs, baseDelayMs * 2^(n-1)),
 * result uniformly in [step/2, step].
 */
export function backoffDelayMs(retryNumber: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const n = Math.max(1, Math.floor(retryNumber))
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1))
  const r = Math.min(Math.max(random(), 0), 1)
  return Math.round(step / 2 + (step / 2) * r)
}

/**
 * `Retry-After`: delay-seconds or an HTTP date (RFC 9110 §10.2.3). Returns milliseconds (≥ 0), or undefined
 * when absent or unparseable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined
  const trimmed = value.trim()
  if (trimmed === "") return undefined
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000)
  if (/^-\d/.test(trimmed)) return undefined
  const date = Date.parse(trimmed)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
}

/**
 * `X-Ratelimit-Reset`: seconds until the rate-limit window resets (Klarna's rate-limit page). A value that
 * looks like a Unix timestamp (≥ 10^9) is read as one. Returns milliseconds (≥ 0) or undefined.
 */
export function parseRateLimitReset(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined
  const trimmed = value.trim()
  if (!/^\d+(\.\d+)?$/.test(trimmed)) return undefined
  const seconds = Number(trimmed)
  if (seconds >= 1e9) return Math.max(0, Math.round(seconds * 1000 - now))
  return Math.round(seconds * 1000)
}

export interface HeaderReader {
  get(name: string): string | null
}

/**
 * The wait the server asked for, if any: `Retry-After` on any response, `X-Ratelimit-Reset` only on a 429
 * (Klarna sends it on every response, where it only describes the window).
 */
export function serverRequestedDelayMs(
  status: number | undefined,
  headers: HeaderReader | undefined,
  now: number = Date.now(),
): number | undefined {
  if (status === undefined || headers === undefined) return undefined
  const retryAfter = parseRetryAfter(headers.get("retry-after"), now)
  if (retryAfter !== undefined) return retryAfter
  if (status === 429) return parseRateLimitReset(headers.get("x-ratelimit-reset"), now)
  return undefined
}

export type RetryDelayDecision = { retry: true; delayMs: number; source: "server" | "backoff" } | { retry: false; requestedDelayMs: number }

/**
 * How long to wait before retry `retryNumber`, given the failed attempt. A server-requested wait is honoured
 * exactly; if it exceeds policy.maxRetryAfterMs the call gives up and reports the requested wait.
 */
export function retryDelay(
  retryNumber: number,
  status: number | undefined,
  headers: HeaderReader | undefined,
  policy: RetryPolicy,
  random: () => number = Math.random,
  now: number = Date.now(),
): RetryDelayDecision {
  const requested = serverRequestedDelayMs(status, headers, now)
  if (requested !== undefined) {
    if (requested > policy.maxRetryAfterMs) return { retry: false, requestedDelayMs: requested }
    return { retry: true, delayMs: requested, source: "server" }
  }
  return { retry: true, delayMs: backoffDelayMs(retryNumber, policy, random), source: "backoff" }
}
