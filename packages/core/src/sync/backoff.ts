/**
 * When a failed job runs again: capped exponential backoff with full jitter in the upper half
 * (pg-boss style: delay * (2^n/2 + random * 2^n/2)), so that many jobs failing together spread out.
 */
export interface BackoffPolicy {
  baseMs: number
  maxMs: number
}

export function jobRetryDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 20)
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent)
  return Math.round(ceiling / 2 + random() * (ceiling / 2))
}

/** Honours a server-requested wait (Retry-After / X-Ratelimit-Reset) when it is longer than our own backoff. */
export function retryDelayMs(attempt: number, policy: BackoffPolicy, serverWaitMs?: number, random?: () => number): number {
  const own = jobRetryDelayMs(attempt, policy, random)
  return serverWaitMs !== undefined && serverWaitMs > own ? Math.min(serverWaitMs, policy.maxMs) : own
}
