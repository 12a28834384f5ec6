/**
 * Fault injection for the Klarna endpoints (never for /__sim). Lets tests reproduce what a
 * client meets in production: 5xx, 429 with rate-limit headers, hung connections, and the
 * nastiest one, "the operation happened but the response was lost" (apply_then_drop), which
 * only an idempotency key makes safe to retry.
 *
 * Registration body (POST /__sim/faults):
 *   { match: { method?, path?, times?, probability? }, fault: {...}, seed? }
 *   - path matches when the request path contains it as a substring OR matches it as a regex.
 *   - times: how often the fault fires (default 1; default unlimited for type "random");
 *     null or -1 = unlimited.
 *   - probability: chance (0..1) that a matching request gets the fault; seeded.
 *   fault types:
 *   - {type:"http", status=500, body?, headers?}      answer with that status (operation not run)
 *   - {type:"rate_limit", retry_after_seconds=1, reset_seconds=retry_after, limit?}
 *                                                     429 + Retry-After + X-Ratelimit-* headers
 *   - {type:"timeout", ms=15000}                      say nothing, destroy the socket after ms
 *   - {type:"apply_then_drop"}                        run the operation, then destroy the socket
 *   - {type:"random", rate=0.2, types?, timeout_ms=2000}
 *                                                     with probability rate pick one of
 *                                                     500 | 503 | 429 | timeout | apply_then_drop
 * With `seed` (number or string) every random decision is reproducible.
 */
import { SimError } from "./errors"

export type ResolvedFault =
  | { type: "http"; status: number; body?: unknown; headers?: Record<string, string> }
  | { type: "rate_limit"; retry_after_seconds: number; reset_seconds: number; limit: string }
  | { type: "timeout"; ms: number }
  | { type: "apply_then_drop" }

type RandomChoice = "500" | "503" | "429" | "timeout" | "apply_then_drop"
const RANDOM_CHOICES: RandomChoice[] = ["500", "503", "429", "timeout", "apply_then_drop"]

type FaultAction = ResolvedFault | { type: "random"; rate: number; types: RandomChoice[]; timeout_ms: number }

interface Fault {
  id: string
  method?: string
  path?: string
  pathRegex?: RegExp
  /** Remaining firings; Infinity = unlimited. */
  remaining: number
  probability?: number
  action: FaultAction
  seed: number
  fired: number
  rng: () => number
}

/** mulberry32: tiny, fast, good enough for test scheduling, and reproducible from a 32-bit seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function seedOf(value: unknown): number {
  if (typeof value === "number" && Number.isFinite(value)) return value >>> 0
  if (typeof value === "string") {
    let h = 2166136261 // FNV-1a
    for (let i = 0; i < value.length; i++) h = Math.imul(h ^ value.charCodeAt(i), 16777619)
    return h >>> 0
  }
  return Math.floor(Math.random() * 2 ** 32)
}

const bad = (message: string): SimError => new SimError(400, "BAD_REQUEST", message)

function num(v: unknown, fallback: number, name: string): number {
  if (v === undefined) return fallback
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw bad(`${name} must be a non-negative number`)
  return v
}

function parseAction(f: Record<string, unknown>): FaultAction {
  switch (f.type) {
    case "http": {
      const status = num(f.status, 500, "fault.status")
      if (status < 100 || status > 599) throw bad("fault.status must be an HTTP status")
      return { type: "http", status, body: f.body, headers: f.headers as Record<string, string> | undefined }
    }
    case "rate_limit": {
      const retry = num(f.retry_after_seconds, 1, "fault.retry_after_seconds")
      return {
        type: "rate_limit",
        retry_after_seconds: retry,
        reset_seconds: num(f.reset_seconds, retry, "fault.reset_seconds"),
        limit: typeof f.limit === "string" ? f.limit : "40, 40;w=1",
      }
    }
    case "timeout":
      return { type: "timeout", ms: num(f.ms, 15000, "fault.ms") }
    case "apply_then_drop":
      return { type: "apply_then_drop" }
    case "random": {
      const rate = num(f.rate, 0.2, "fault.rate")
      if (rate > 1) throw bad("fault.rate must be between 0 and 1")
      const types = (f.types as RandomChoice[] | undefined) ?? RANDOM_CHOICES
      if (!Array.isArray(types) || types.length === 0 || types.some((t) => !RANDOM_CHOICES.includes(String(t) as RandomChoice))) {
        throw bad(`fault.types must be a non-empty subset of ${RANDOM_CHOICES.join(", ")}`)
      }
      return {
        type: "random",
        rate,
        types: types.map((t) => String(t) as RandomChoice),
        timeout_ms: num(f.timeout_ms, 2000, "fault.timeout_ms"),
      }
    }
    default:
      throw bad(`unknown fault.type ${JSON.stringify(f.type)}; use http, rate_limit, timeout, apply_then_drop or random`)
  }
}

export class FaultInjector {
  private faults: Fault[] = []
  private counter = 0

  add(body: unknown): { id: string; seed: number } {
    const b = (body ?? {}) as Record<string, unknown>
    const match = (b.match ?? {}) as Record<string, unknown>
    if (!b.fault || typeof b.fault !== "object") throw bad("fault is required")
    const action = parseAction(b.fault as Record<string, unknown>)
    const times = match.times
    let remaining: number
    if (times === null || times === -1 || times === "unlimited") remaining = Infinity
    else if (times === undefined) remaining = action.type === "random" ? Infinity : 1
    else if (typeof times === "number" && Number.isInteger(times) && times > 0) remaining = times
    else throw bad("match.times must be a positive integer, -1 or null (unlimited)")
    const probability = match.probability === undefined ? undefined : num(match.probability, 1, "match.probability")
    if (probability !== undefined && probability > 1) throw bad("match.probability must be between 0 and 1")

    const path = match.path === undefined ? undefined : String(match.path)
    let pathRegex: RegExp | undefined
    if (path !== undefined) {
      try {
        pathRegex = new RegExp(path)
      } catch {
        pathRegex = undefined // not a regex: substring matching only
      }
    }
    const seed = seedOf(b.seed ?? (b.fault as Record<string, unknown>).seed ?? match.seed)
    const fault: Fault = {
      id: `fault_${++this.counter}`,
      method: match.method === undefined ? undefined : String(match.method).toUpperCase(),
      path,
      pathRegex,
      remaining,
      probability,
      action,
      seed,
      fired: 0,
      rng: mulberry32(seed),
    }
    this.faults.push(fault)
    return { id: fault.id, seed }
  }

  /** The fault for this request, if one fires (first registered match wins). Consumes a firing. */
  pick(method: string, path: string): ResolvedFault | undefined {
    for (const f of this.faults) {
      if (f.remaining <= 0) continue
      if (f.method && f.method !== method.toUpperCase()) continue
      if (f.path !== undefined && !path.includes(f.path) && !(f.pathRegex && f.pathRegex.test(path))) continue
      if (f.probability !== undefined && f.rng() >= f.probability) continue
      let resolved: ResolvedFault
      if (f.action.type === "random") {
        if (f.rng() >= f.action.rate) continue
        resolved = this.resolveRandom(f.action, f.rng)
      } else {
        resolved = f.action
      }
      f.remaining -= 1
      f.fired += 1
      return resolved
    }
    return undefined
  }

  private resolveRandom(action: { types: RandomChoice[]; timeout_ms: number }, rng: () => number): ResolvedFault {
    const choice = action.types[Math.floor(rng() * action.types.length)]
    switch (choice) {
      case "500":
        return { type: "http", status: 500 }
      case "503":
        return { type: "http", status: 503 }
      case "429":
        return { type: "rate_limit", retry_after_seconds: 1, reset_seconds: 1, limit: "40, 40;w=1" }
      case "timeout":
        return { type: "timeout", ms: action.timeout_ms }
      case "apply_then_drop":
        return { type: "apply_then_drop" }
    }
  }

  list(): Record<string, unknown>[] {
    return this.faults.map((f) => ({
      id: f.id,
      match: { method: f.method, path: f.path, probability: f.probability },
      remaining: Number.isFinite(f.remaining) ? f.remaining : null,
      fired: f.fired,
      seed: f.seed,
      fault: f.action,
    }))
  }

  remove(id: string): boolean {
    const before = this.faults.length
    this.faults = this.faults.filter((f) => f.id !== id)
    return this.faults.length < before
  }

  clear(): void {
    this.faults = []
  }
}
