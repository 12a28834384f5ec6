/**
 * The simulator behaving like a remote Klarna when asked (issue 16): latency with jitter, Klarna's rate
 * limit per API username, and the answers Klarna gave where the simulator used to differ (malformed
 * order ids, idempotency keys reused on another operation, non-JSON bodies). Real HTTP throughout.
 */
import { startSimulator, type RunningSimulator } from "../../packages/simulator/server"
import { RateLimiter, remoteFromEnv, responseDelayMs } from "../../packages/simulator/remote"
import { OM, call, capture, control, expectKlarnaError, newOrder } from "./sim-helpers"

let sim: RunningSimulator

beforeAll(async () => {
  sim = await startSimulator({ port: 0 })
})
afterAll(async () => {
  await sim.close()
})
beforeEach(async () => {
  await control(sim, "POST", "/reset")
})

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now()
  const value = await fn()
  return { value, ms: performance.now() - started }
}

describe("latency", () => {
  test("off by default; /__sim/config adds a fixed delay to every API response, never to the control API", async () => {
    const id = await newOrder(sim)
    const fast = await timed(() => call(sim, "GET", `${OM}/${id}`))
    expect(fast.ms).toBeLessThan(150)
    const set = await control(sim, "POST", "/config", { latencyMs: 300 })
    expect(set.body).toMatchObject({ latencyMs: 300, jitterMs: 0, rateLimit: null })
    const slow = await timed(() => call(sim, "GET", `${OM}/${id}`))
    expect(slow.value.status).toBe(200)
    expect(slow.ms).toBeGreaterThanOrEqual(290)
    const controlCall = await timed(() => control(sim, "GET", "/config"))
    expect(controlCall.ms).toBeLessThan(150)
  })

  test("a capture is applied on arrival and answered after the delay", async () => {
    const id = await newOrder(sim)
    await control(sim, "POST", "/config", { latencyMs: 400 })
    const pending = capture(sim, id, 1000)
    await new Promise((resolve) => setTimeout(resolve, 150))
    const during = await control(sim, "GET", `/orders/${id}`)
    expect(during.body.captured_amount).toBe(1000)
    expect((await pending).status).toBe(201)
  })

  test("jitter spreads delays uniformly within ± jitterMs and never below 0", () => {
    const config = { latencyMs: 150, jitterMs: 50, rateLimit: null }
    expect(responseDelayMs(config, () => 0)).toBe(100)
    expect(responseDelayMs(config, () => 0.5)).toBe(150)
    expect(responseDelayMs(config, () => 0.999999)).toBe(200)
    expect(responseDelayMs({ latencyMs: 10, jitterMs: 50, rateLimit: null }, () => 0)).toBe(0)
    expect(responseDelayMs({ latencyMs: 0, jitterMs: 0, rateLimit: null })).toBe(0)
  })

  test("npm run simulator reads KLARNA_SIMULATOR_LATENCY_MS, ..._LATENCY_JITTER_MS (or ..._JITTER_MS) and KLARNA_SIMULATOR_RATE_LIMIT", () => {
    expect(
      remoteFromEnv({ KLARNA_SIMULATOR_LATENCY_MS: "150", KLARNA_SIMULATOR_LATENCY_JITTER_MS: "50", KLARNA_SIMULATOR_RATE_LIMIT: "50" }),
    ).toEqual({
      latencyMs: 150,
      jitterMs: 50,
      rateLimit: 50,
    })
    expect(remoteFromEnv({ KLARNA_SIMULATOR_JITTER_MS: "20" })).toEqual({ jitterMs: 20 })
    expect(remoteFromEnv({})).toEqual({})
    expect(() => remoteFromEnv({ KLARNA_SIMULATOR_RATE_LIMIT: "fast" })).toThrow(/rateLimit must be a number/)
  })

  test("bad settings are refused with a message naming them", async () => {
    const res = await control(sim, "POST", "/config", { latencyMs: -5 })
    expect(res.status).toBe(400)
    expect(res.text).toMatch(/latencyMs must be a number/)
    expect((await control(sim, "POST", "/config", {})).status).toBe(400)
  })
})

describe("rate limit", () => {
  test("over N requests per second per API username: 429 with Klarna's headers; other usernames have their own bucket", async () => {
    const id = await newOrder(sim)
    await control(sim, "POST", "/config", { rateLimit: 5 })
    const results = await Promise.all(Array.from({ length: 8 }, () => call(sim, "GET", `${OM}/${id}`)))
    const statuses = results.map((r) => r.status)
    expect(statuses.filter((s) => s === 200)).toHaveLength(5)
    expect(statuses.filter((s) => s === 429)).toHaveLength(3)
    const limited = results.find((r) => r.status === 429)!
    expectKlarnaError(limited, 429, "TOO_MANY_REQUESTS")
    expect(limited.headers.get("retry-after")).toBe("1")
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0")
    expect(limited.headers.get("x-ratelimit-limit")).toBe("5, 5;w=1")
    // Another merchant is not slowed down by this one (its bad password still gets its own 401).
    const other = await call(sim, "GET", `${OM}/${id}`, { auth: { username: "PK_OTHER", password: "x" } })
    expect(other.status).toBe(401)
    const log = await control(sim, "GET", "/requests")
    expect(log.body.filter((entry: { rate_limited?: boolean }) => entry.rate_limited)).toHaveLength(3)
  })

  test("with a limit set, every answer carries Klarna's rate-limit headers (what is left of the budget); without one, none", async () => {
    const id = await newOrder(sim)
    const unlimited = await call(sim, "GET", `${OM}/${id}`)
    expect(unlimited.headers.get("x-ratelimit-limit")).toBeNull()
    await control(sim, "POST", "/config", { rateLimit: 10 })
    const first = await call(sim, "GET", `${OM}/${id}`)
    const second = await call(sim, "GET", `${OM}/${id}`)
    expect(first.status).toBe(200)
    expect(first.headers.get("x-ratelimit-limit")).toBe("10, 10;w=1")
    expect(first.headers.get("x-ratelimit-reset")).toBe("1")
    const left = [first, second].map((answer) => Number(answer.headers.get("x-ratelimit-remaining")))
    expect(left[0]).toBe(9)
    expect(left[1]).toBeLessThanOrEqual(left[0])
  })

  test("a rate-limited mutation is not applied, and the bucket refills at the limit", async () => {
    const id = await newOrder(sim)
    await control(sim, "POST", "/config", { rateLimit: 2 })
    await call(sim, "GET", `${OM}/${id}`)
    await call(sim, "GET", `${OM}/${id}`)
    const refused = await capture(sim, id, 1000, {}, "cap-1")
    expect(refused.status).toBe(429)
    expect((await control(sim, "GET", `/orders/${id}`)).body.captured_amount).toBe(0)
    await new Promise((resolve) => setTimeout(resolve, 600))
    expect((await capture(sim, id, 1000, {}, "cap-1")).status).toBe(201)
  })

  test("token bucket arithmetic: a steady rate at the limit is never refused", () => {
    let now = 0
    const limiter = new RateLimiter(() => now)
    const config = { latencyMs: 0, jitterMs: 0, rateLimit: 50 }
    const auth = `Basic ${Buffer.from("PK:x").toString("base64")}`
    let refused = 0
    for (let i = 0; i < 50; i++) if (!limiter.take(config, auth).allowed) refused++ // the burst
    for (let i = 0; i < 500; i++) {
      now += 20 // exactly 50/s
      if (!limiter.take(config, auth).allowed) refused++
    }
    expect(refused).toBe(0)
    expect(limiter.take(config, auth).allowed).toBe(false) // and one more at once is over
  })
})

describe("closer to Klarna", () => {
  test("an order id that is not a UUID gets INVALID_ORDER_ID; a well-formed unknown one NO_SUCH_ORDER", async () => {
    const err = expectKlarnaError(await call(sim, "GET", `${OM}/not-a-uuid`), 400, "INVALID_ORDER_ID")
    expect(err.error_messages).toEqual(["Order ID must be a valid UUID."])
    expectKlarnaError(await capture(sim, "12345", 100), 400, "INVALID_ORDER_ID")
    expectKlarnaError(await call(sim, "GET", `${OM}/0b5a3a52-9a1f-4d7e-8e0c-3c1f2a9d7e61`), 404, "NO_SUCH_ORDER")
  })

  test("an idempotency key reused on another order or another endpoint is a new request, not a replay", async () => {
    const first = await newOrder(sim)
    const second = await newOrder(sim)
    const a = await capture(sim, first, 1000, {}, "shared-key")
    const b = await capture(sim, second, 2000, {}, "shared-key")
    expect(a.status).toBe(201)
    expect(b.status).toBe(201)
    expect(b.headers.get("capture-id")).not.toBe(a.headers.get("capture-id"))
    expect((await control(sim, "GET", `/orders/${second}`)).body.captured_amount).toBe(2000)
    // Another endpoint of the same order with the same key: processed, not answered with the capture's 201.
    const refund = await call(sim, "POST", `${OM}/${first}/refunds`, { body: { refunded_amount: 100 }, idempotencyKey: "shared-key" })
    expect(refund.status).toBe(201)
    expect(refund.headers.get("refund-id")).toEqual(expect.any(String))
    // The same operation again is still a replay.
    const again = await capture(sim, first, 1000, {}, "shared-key")
    expect(again.headers.get("capture-id")).toBe(a.headers.get("capture-id"))
    expect((await control(sim, "GET", `/orders/${first}`)).body.captured_amount).toBe(1000)
  })

  test("a body sent as text/plain is refused with 415 and not applied", async () => {
    const id = await newOrder(sim)
    const res = await call(sim, "POST", `${OM}/${id}/captures`, {
      raw: JSON.stringify({ captured_amount: 1000 }),
      headers: { "Content-Type": "text/plain;charset=UTF-8" },
    })
    expectKlarnaError(res, 415, "UNSUPPORTED_MEDIA_TYPE")
    expect((await control(sim, "GET", `/orders/${id}`)).body.captured_amount).toBe(0)
    const json = await call(sim, "POST", `${OM}/${id}/captures`, {
      raw: JSON.stringify({ captured_amount: 1000 }),
      headers: { "Content-Type": "application/json; charset=utf-8" },
    })
    expect(json.status).toBe(201)
  })
})
