/**
 * The simulator's notion of "now". Everything time-dependent (EXPIRED status, extend-authorization,
 * idempotency TTL, timestamps) reads this clock, so tests can move time with POST /__sim/clock
 * instead of sleeping.
 *
 * Setting a time keeps time flowing from that point (offset from the base clock), unless
 * `freeze` is asked for; a frozen clock is handy for asserting exact timestamps.
 */
export class Clock {
  private offsetMs = 0
  private frozenAt: number | undefined

  constructor(private readonly base: () => Date = () => new Date()) {}

  now(): Date {
    if (this.frozenAt !== undefined) return new Date(this.frozenAt)
    return new Date(this.base().getTime() + this.offsetMs)
  }

  nowIso(): string {
    return this.now().toISOString()
  }

  /** Move time to `at` (null = back to the base clock). */
  set(at: Date | null, freeze = false): void {
    this.frozenAt = undefined
    this.offsetMs = 0
    if (at === null) return
    if (freeze) this.frozenAt = at.getTime()
    else this.offsetMs = at.getTime() - this.base().getTime()
  }

  advance(ms: number): void {
    if (this.frozenAt !== undefined) this.frozenAt += ms
    else this.offsetMs += ms
  }

  describe(): { now: string; frozen: boolean; offset_ms: number } {
    return { now: this.nowIso(), frozen: this.frozenAt !== undefined, offset_ms: this.offsetMs }
  }
}

export const DAY_MS = 24 * 60 * 60 * 1000
