/**
 * Klarna-Idempotency-Key handling (OM only: Klarna's retry policy page "applies only to Order
 * Management API").
 *
 * Documented behaviour (yml + docs.klarna.com/api/escalation-and-retry-policy):
 *  - a mutation repeated with the same key is registered once and gets the same response;
 *  - "Input values of the operation are disregarded ... only the key matters", so the same key
 *    with a different body replays the first response, no error;
 *  - the key belongs to the operation it was first sent with: tried against Klarna, a key reused on
 *    another endpoint or another order was not answered with the first response. The pipeline
 *    therefore stores keys under "<method> <path>" (pipeline.ts idempotencyScope);
 *  - the key is honoured for 24 h after the first attempt (measured on the simulator clock).
 * Choices (Klarna silent):
 *  - keys are scoped per merchant (API username);
 *  - only responses of requests that were actually evaluated against the order are stored:
 *    2xx and 403 (a business decision). 400/401/404/409/422/429/5xx are not stored, so a retry
 *    after a fixed request or a transient error is processed afresh (the same rule Stripe uses).
 */
import type { Clock } from "./clock"
import { DAY_MS } from "./clock"
import type { SimResponse } from "./http/io"

export const IDEMPOTENCY_HEADER = "klarna-idempotency-key"
export const IDEMPOTENCY_TTL_MS = DAY_MS

export interface IdempotencyEntry {
  response: SimResponse
  storedAt: number
}

export function isStorable(status: number): boolean {
  return (status >= 200 && status < 300) || status === 403
}

export class IdempotencyStore {
  private readonly entries = new Map<string, IdempotencyEntry>()

  constructor(private readonly clock: Clock) {}

  private key(merchant: string, key: string): string {
    return `${merchant}\u0000${key}`
  }

  /** A deep copy of the first response for this key, if still within 24 h. */
  get(merchant: string, key: string): SimResponse | undefined {
    const k = this.key(merchant, key)
    const entry = this.entries.get(k)
    if (!entry) return undefined
    if (this.clock.now().getTime() - entry.storedAt > IDEMPOTENCY_TTL_MS) {
      this.entries.delete(k)
      return undefined
    }
    return structuredClone(entry.response)
  }

  put(merchant: string, key: string, response: SimResponse): void {
    if (!isStorable(response.status)) return
    this.entries.set(this.key(merchant, key), { response: structuredClone(response), storedAt: this.clock.now().getTime() })
  }

  get size(): number {
    return this.entries.size
  }

  /** Every stored entry, for persistence.ts (deep copies). */
  snapshot(): Array<[string, IdempotencyEntry]> {
    return [...this.entries.entries()].map(([k, e]) => [k, structuredClone(e)])
  }

  /** Replaces the entries with a snapshot() taken earlier (persistence.ts). */
  restore(entries: Array<[string, IdempotencyEntry]>): void {
    this.entries.clear()
    for (const [k, e] of entries) this.entries.set(k, structuredClone(e))
  }

  clear(): void {
    this.entries.clear()
  }
}
