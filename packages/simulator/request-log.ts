/**
 * Every Klarna-API request the simulator received (control-API calls are not logged, so the log
 * shows exactly what the client under test sent). Authorization headers are never stored.
 */
export interface LoggedRequest {
  seq: number
  method: string
  path: string
  headers: Record<string, string>
  body: unknown
  /** null when no response was sent (timeout fault). */
  status: number | null
  response: { headers: Record<string, string>; body: unknown } | null
  at: string
  /** Merchant username when authentication succeeded. */
  merchant?: string
  /** True when the response was an idempotency replay. */
  replayed?: boolean
  /** Fault injected into this request, if any (http, rate_limit, timeout, apply_then_drop). */
  fault?: string
  /** True when the operation ran but the socket was destroyed instead of answering. */
  dropped?: boolean
}

/** Bounded so a long soak run cannot exhaust memory; the oldest entries go first. */
export const MAX_LOGGED_REQUESTS = 50_000

export class RequestLog {
  private entries: LoggedRequest[] = []
  private seq = 0

  add(entry: Omit<LoggedRequest, "seq">): LoggedRequest {
    const full = { seq: ++this.seq, ...entry }
    this.entries.push(full)
    if (this.entries.length > MAX_LOGGED_REQUESTS) this.entries.splice(0, this.entries.length - MAX_LOGGED_REQUESTS)
    return full
  }

  list(filter: { pathContains?: string; method?: string } = {}): LoggedRequest[] {
    return this.entries.filter(
      (e) =>
        (!filter.pathContains || e.path.includes(filter.pathContains)) &&
        (!filter.method || e.method.toUpperCase() === filter.method.toUpperCase()),
    )
  }

  clear(): void {
    this.entries = []
  }
}

/** Request headers minus credentials, flattened to strings. */
export function loggableHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === "authorization" || v === undefined) continue
    out[k] = Array.isArray(v) ? v.join(", ") : v
  }
  return out
}
