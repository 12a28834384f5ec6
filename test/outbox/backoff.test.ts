/**
 * Bounds of the outbox's retry schedule (src/sync/backoff.ts), as properties: capped exponential backoff
 * with jitter in the upper half of the step, a server-requested wait honoured up to the cap.
 */
import fc from "fast-check"
import { jobRetryDelayMs, retryDelayMs } from "../../packages/core/src/sync/backoff"

const policy = fc
  .record({ baseMs: fc.integer({ min: 1, max: 60_000 }), extra: fc.integer({ min: 0, max: 3_600_000 }) })
  .map(({ baseMs, extra }) => ({ baseMs, maxMs: baseMs + extra }))
const attempt = fc.integer({ min: 1, max: 1000 })
const random = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })

describe("job retry backoff", () => {
  test("is within [step/2, step] where step = min(maxMs, baseMs * 2^(attempt-1))", () => {
    fc.assert(
      fc.property(policy, attempt, random, (p, n, r) => {
        const step = Math.min(p.maxMs, p.baseMs * 2 ** Math.min(n - 1, 20))
        const delay = jobRetryDelayMs(n, p, () => r)
        return delay >= Math.floor(step / 2) && delay <= Math.ceil(step) && delay <= p.maxMs
      }),
    )
  })

  test("never shrinks as attempts grow (same jitter)", () => {
    fc.assert(fc.property(policy, attempt, random, (p, n, r) => jobRetryDelayMs(n + 1, p, () => r) >= jobRetryDelayMs(n, p, () => r)))
  })

  test("jitter spreads jobs that failed together", () => {
    const p = { baseMs: 2000, maxMs: 300_000 }
    const delays = new Set(Array.from({ length: 50 }, () => jobRetryDelayMs(3, p)))
    expect(delays.size).toBeGreaterThan(10)
    for (const d of delays) expect(d).toBeGreaterThanOrEqual(4000)
  })

  test("a server-requested wait (Retry-After) is honoured when longer, but never beyond maxMs", () => {
    fc.assert(
      fc.property(policy, attempt, random, fc.integer({ min: 0, max: 10_000_000 }), (p, n, r, wait) => {
        const own = jobRetryDelayMs(n, p, () => r)
        const delay = retryDelayMs(n, p, wait, () => r)
        return delay === (wait > own ? Math.min(wait, p.maxMs) : own)
      }),
    )
  })

  test("the documented examples", () => {
    const p = { baseMs: 2000, maxMs: 300_000 }
    expect([1, 2, 3, 8, 9, 30].map((n) => jobRetryDelayMs(n, p, () => 0))).toEqual([1000, 2000, 4000, 128_000, 150_000, 150_000])
    expect([1, 2, 3, 8, 9, 30].map((n) => jobRetryDelayMs(n, p, () => 1))).toEqual([2000, 4000, 8000, 256_000, 300_000, 300_000])
  })
})
