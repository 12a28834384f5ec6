/**
 * What makes a remote Klarna feel remote, off by default: a network + processing delay on every API
 * response (fixed latency plus uniform jitter), and Klarna's per-merchant rate limit (200 requests/s for
 * OM calls live, 50 in the playground; 429 above it). Used by the benchmarks (backlog drain, throughput
 * at Klarna's latency) and by merchants who want to see their store at Klarna's pace.
 */
import { parseBasic } from "./http/auth"

export interface RemoteConfig {
  /** Added to every Klarna API response, in ms. 0: off. */
  latencyMs: number
  /** Each response's delay is latencyMs ± up to jitterMs (uniform), never below 0. */
  jitterMs: number
  /** Requests per second per API username (token bucket, burst of one second's worth). null: no limit. */
  rateLimit: number | null
}

export const NO_REMOTE: RemoteConfig = { latencyMs: 0, jitterMs: 0, rateLimit: null }

export function responseDelayMs(config: RemoteConfig, random: () => number = Math.random): number {
  if (config.latencyMs <= 0 && config.jitterMs <= 0) return 0
  const jitter = config.jitterMs > 0 ? (random() * 2 - 1) * config.jitterMs : 0
  return Math.max(0, Math.round(config.latencyMs + jitter))
}

export type RateDecision =
  { allowed: true; limit?: number; remaining?: number } | { allowed: false; retryAfterSeconds: number; resetSeconds: number; limit: number }

/** One token bucket per API username; refilled continuously at `rateLimit` tokens per second. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>()

  constructor(private readonly now: () => number = () => performance.now()) {}

  take(config: RemoteConfig, authorization: string | undefined): RateDecision {
    const limit = config.rateLimit
    if (limit === null || limit <= 0) return { allowed: true }
    const merchant = parseBasic(authorization)?.username ?? ""
    const now = this.now()
    const bucket = this.buckets.get(merchant) ?? { tokens: limit, at: now }
    bucket.tokens = Math.min(limit, bucket.tokens + ((now - bucket.at) / 1000) * limit)
    bucket.at = now
    this.buckets.set(merchant, bucket)
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return { allowed: true, limit, remaining: Math.floor(bucket.tokens) }
    }
    const waitSeconds = (1 - bucket.tokens) / limit
    // Retry-After is whole seconds (RFC 9110); X-Ratelimit-Reset says the same, as Klarna's gateway does.
    const seconds = Math.max(1, Math.ceil(waitSeconds))
    return { allowed: false, retryAfterSeconds: seconds, resetSeconds: seconds, limit }
  }

  clear(): void {
    this.buckets.clear()
  }
}

/**
 * Klarna's rate-limit headers, which it sends on every response (docs.klarna.com/api/rate-limit): the limit
 * per one-second window, what is left of it, and when it is full again.
 */
export function rateLimitHeaders(decision: RateDecision): Record<string, string> {
  if (decision.limit === undefined) return {}
  const remaining = decision.allowed ? (decision.remaining ?? 0) : 0
  return {
    "X-Ratelimit-Limit": `${decision.limit}, ${decision.limit};w=1`,
    "X-Ratelimit-Remaining": String(remaining),
    "X-Ratelimit-Reset": "1",
  }
}

/** Reads and checks the remote settings of a /__sim/config body or of the environment. */
export function parseRemoteSettings(input: Record<string, unknown>): Partial<RemoteConfig> {
  const out: Partial<RemoteConfig> = {}
  const number = (name: string, value: unknown): number => {
    const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value
    if (typeof n !== "number" || !Number.isFinite(n) || n < 0)
      throw new Error(`${name} must be a number ≥ 0 (got ${JSON.stringify(value)})`)
    return n
  }
  const latency = input.latencyMs ?? input.latency_ms
  const jitter = input.jitterMs ?? input.jitter_ms
  const rate = input.rateLimit ?? input.rate_limit
  if (latency !== undefined) out.latencyMs = number("latencyMs", latency)
  if (jitter !== undefined) out.jitterMs = number("jitterMs", jitter)
  if (rate !== undefined) out.rateLimit = rate === null || rate === 0 || rate === "0" || rate === "off" ? null : number("rateLimit", rate)
  return out
}

/**
 * KLARNA_SIMULATOR_LATENCY_MS, KLARNA_SIMULATOR_LATENCY_JITTER_MS (also read as KLARNA_SIMULATOR_JITTER_MS),
 * KLARNA_SIMULATOR_RATE_LIMIT.
 */
export function remoteFromEnv(env: NodeJS.ProcessEnv): Partial<RemoteConfig> {
  return parseRemoteSettings({
    latencyMs: env.KLARNA_SIMULATOR_LATENCY_MS || undefined,
    jitterMs: env.KLARNA_SIMULATOR_LATENCY_JITTER_MS || env.KLARNA_SIMULATOR_JITTER_MS || undefined,
    rateLimit: env.KLARNA_SIMULATOR_RATE_LIMIT || undefined,
  })
}
