import {
  backoffDelayMs,
  DEFAULT_RETRY_POLICY,
  isRetryableStatus,
  parseRateLimitReset,
  parseRetryAfter,
  retryDelay,
  serverRequestedDelayMs,
  shouldRetry,
  type ShouldRetryInput,
} from "../retry"

const policy = { baseDelayMs: 500, maxDelayMs: 8000, maxRetryAfterMs: 60_000 }
const headers = (h: Record<string, string>) => new Headers(h)

describe("shouldRetry", () => {
  const safe = { safeToRetry: true, retriesSoFar: 0, maxRetries: 3 }
  test.each<[string, ShouldRetryInput, boolean]>([
    ["network error / timeout (no status), safe", { ...safe, status: undefined }, true],
    ["500 Internal Server Error", { ...safe, status: 500 }, true],
    ["502 Bad Gateway", { ...safe, status: 502 }, true],
    ["503 Temporarily unavailable", { ...safe, status: 503 }, true],
    ["504 Gateway Timeout", { ...safe, status: 504 }, true],
    ["599 (edge of 5xx)", { ...safe, status: 599 }, true],
    ["408 Request Timeout", { ...safe, status: 408 }, true],
    ["409 Conflict", { ...safe, status: 409 }, true],
    ["429 Too Many Requests", { ...safe, status: 429 }, true],
    ["400 Bad Request", { ...safe, status: 400 }, false],
    ["401 Unauthorized", { ...safe, status: 401 }, false],
    ["403 CAPTURE_NOT_ALLOWED", { ...safe, status: 403 }, false],
    ["404 NO_SUCH_ORDER", { ...safe, status: 404 }, false],
    ["413 Request too large", { ...safe, status: 413 }, false],
    ["422 UNPROCESSABLE_ENTITY", { ...safe, status: 422 }, false],
    ["3xx redirect", { ...safe, status: 302 }, false],
    ["600 (not an HTTP status class we know)", { ...safe, status: 600 }, false],
    ["503 but the call is not safe to repeat", { ...safe, status: 503, safeToRetry: false }, false],
    ["network error but not safe to repeat", { ...safe, status: undefined, safeToRetry: false }, false],
    ["503 with retries exhausted", { ...safe, status: 503, retriesSoFar: 3 }, false],
    ["503 on the last allowed retry", { ...safe, status: 503, retriesSoFar: 2 }, true],
    ["503 with maxRetries 0", { ...safe, status: 503, maxRetries: 0 }, false],
    ["network error with retries exhausted", { ...safe, status: undefined, retriesSoFar: 5, maxRetries: 5 }, false],
  ])("%s", (_name, input, expected) => {
    expect(shouldRetry(input)).toBe(expected)
  })

  test("isRetryableStatus agrees with the policy for every status 100..599", () => {
    for (let s = 100; s < 600; s++) {
      expect(isRetryableStatus(s)).toBe(s === 408 || s === 409 || s === 429 || s >= 500)
    }
  })
})

describe("backoffDelayMs", () => {
  test.each([
    ["retry 1", 1, 250, 500],
    ["retry 2", 2, 500, 1000],
    ["retry 3", 3, 1000, 2000],
    ["retry 4", 4, 2000, 4000],
    ["retry 5", 5, 4000, 8000],
    ["retry 6 (capped)", 6, 4000, 8000],
    ["retry 30 (capped, no overflow)", 30, 4000, 8000],
  ])("%s lies in [step/2, step]", (_name, n, min, max) => {
    expect(backoffDelayMs(n, policy, () => 0)).toBe(min)
    expect(backoffDelayMs(n, policy, () => 0.999999)).toBe(max)
    for (let i = 0; i < 200; i++) {
      const d = backoffDelayMs(n, policy)
      expect(d).toBeGreaterThanOrEqual(min)
      expect(d).toBeLessThanOrEqual(max)
    }
  })

  test("jitter spreads the delays", () => {
    const seen = new Set(Array.from({ length: 50 }, () => backoffDelayMs(3, policy)))
    expect(seen.size).toBeGreaterThan(10)
  })

  test("grows exponentially with the same random value", () => {
    const delays = [1, 2, 3, 4].map((n) => backoffDelayMs(n, policy, () => 0.5))
    expect(delays).toEqual([375, 750, 1500, 3000])
  })

  test("never exceeds the cap, even with a misbehaving random source", () => {
    expect(backoffDelayMs(10, policy, () => 7)).toBe(8000)
    expect(backoffDelayMs(10, policy, () => -3)).toBe(4000)
  })

  test("retry numbers below 1 behave as the first retry", () => {
    expect(backoffDelayMs(0, policy, () => 1)).toBe(500)
  })

  test("default policy", () => {
    expect(DEFAULT_RETRY_POLICY).toEqual({ baseDelayMs: 500, maxDelayMs: 8000, maxRetryAfterMs: 60000 })
  })
})

describe("parseRetryAfter", () => {
  const now = Date.parse("2025-01-01T12:00:00Z")
  test.each<[string, string | null | undefined, number | undefined]>([
    ["integer seconds", "3", 3000],
    ["zero", "0", 0],
    ["padded", "  2 ", 2000],
    ["decimal seconds", "1.5", 1500],
    ["HTTP date in the future", "Wed, 01 Jan 2025 12:00:05 GMT", 5000],
    ["HTTP date in the past → 0", "Wed, 01 Jan 2025 11:59:00 GMT", 0],
    ["negative", "-5", undefined],
    ["garbage", "soon", undefined],
    ["empty", "", undefined],
    ["absent (null)", null, undefined],
    ["absent (undefined)", undefined, undefined],
  ])("%s", (_name, value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected)
  })
})

describe("parseRateLimitReset", () => {
  const now = 1_700_000_000_000
  test.each<[string, string | null | undefined, number | undefined]>([
    ["seconds", "2", 2000],
    ["zero", "0", 0],
    ["fractional seconds", "0.25", 250],
    ["Unix timestamp in seconds", String(now / 1000 + 4), 4000],
    ["Unix timestamp in the past", String(now / 1000 - 4), 0],
    ["negative", "-1", undefined],
    ["garbage", "1s", undefined],
    ["absent", null, undefined],
  ])("%s", (_name, value, expected) => {
    expect(parseRateLimitReset(value, now)).toBe(expected)
  })
})

describe("retryDelay / serverRequestedDelayMs", () => {
  const now = Date.parse("2025-01-01T12:00:00Z")
  test("Retry-After wins over backoff and over X-Ratelimit-Reset", () => {
    const h = headers({ "Retry-After": "2", "X-Ratelimit-Reset": "9" })
    expect(retryDelay(1, 429, h, policy, () => 0, now)).toEqual({ retry: true, delayMs: 2000, source: "server" })
  })
  test("X-Ratelimit-Reset is honoured on a 429", () => {
    expect(retryDelay(1, 429, headers({ "X-Ratelimit-Reset": "3" }), policy, () => 0, now)).toEqual({
      retry: true,
      delayMs: 3000,
      source: "server",
    })
  })
  test("X-Ratelimit-Reset is ignored on other statuses (Klarna sends it on every response)", () => {
    expect(serverRequestedDelayMs(503, headers({ "X-Ratelimit-Reset": "3" }), now)).toBeUndefined()
    expect(retryDelay(2, 503, headers({ "X-Ratelimit-Reset": "3" }), policy, () => 0, now)).toEqual({
      retry: true,
      delayMs: 500,
      source: "backoff",
    })
  })
  test("Retry-After on a 503 is honoured", () => {
    expect(retryDelay(1, 503, headers({ "Retry-After": "1" }), policy, () => 0, now)).toMatchObject({ delayMs: 1000 })
  })
  test("Retry-After as an HTTP date", () => {
    const h = headers({ "Retry-After": "Wed, 01 Jan 2025 12:00:07 GMT" })
    expect(retryDelay(1, 429, h, policy, () => 0, now)).toMatchObject({ retry: true, delayMs: 7000 })
  })
  test("a wait longer than maxRetryAfterMs gives up and reports it", () => {
    expect(retryDelay(1, 429, headers({ "Retry-After": "3600" }), policy, () => 0, now)).toEqual({
      retry: false,
      requestedDelayMs: 3_600_000,
    })
  })
  test("network errors use backoff", () => {
    expect(retryDelay(3, undefined, undefined, policy, () => 1, now)).toEqual({
      retry: true,
      delayMs: 2000,
      source: "backoff",
    })
  })
  test("unparseable Retry-After falls back to backoff", () => {
    expect(retryDelay(1, 503, headers({ "Retry-After": "later" }), policy, () => 0, now)).toMatchObject({
      source: "backoff",
    })
  })
})
