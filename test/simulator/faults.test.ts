/**
 * Fault injection: http, rate_limit, timeout, apply_then_drop, random (seeded), matching rules,
 * and the request log.
 */
import { startSimulator, type RunningSimulator } from "../../packages/simulator/server"
import { FaultInjector, type ResolvedFault } from "../../packages/simulator/faults"
import { OM, call, capture, control, expectKlarnaError, getOrder, newOrder } from "./sim-helpers"

let sim: RunningSimulator
beforeAll(async () => {
  sim = await startSimulator({ port: 0 })
})
afterAll(() => sim.close())
afterEach(() => control(sim, "DELETE", "/faults"))

const addFault = async (body: unknown): Promise<string> => {
  const res = await control(sim, "POST", "/faults", body)
  expect(res.status).toBe(201)
  return res.body.id
}

describe("fault types", () => {
  it("http 500: Klarna-style body, operation not performed, fires `times` times", async () => {
    const id = await newOrder(sim)
    await addFault({ match: { method: "POST", path: "/captures", times: 2 }, fault: { type: "http", status: 500 } })
    for (let i = 0; i < 2; i++) {
      const res = await capture(sim, id, 1000, {}, "k-500")
      expect(expectKlarnaError(res, 500, "INTERNAL_SERVER_ERROR").error_messages).toEqual(["Unexpected server error"])
    }
    expect((await getOrder(sim, id)).captured_amount).toBe(0)
    // the same key now goes through: 5xx responses are not stored for idempotency
    expect((await capture(sim, id, 1000, {}, "k-500")).status).toBe(201)
  })

  it("http 503 with a custom body; GETs not matched by method", async () => {
    const id = await newOrder(sim)
    await addFault({ match: { method: "POST" }, fault: { type: "http", status: 503, body: { custom: true } } })
    expect((await call(sim, "GET", `${OM}/${id}`)).status).toBe(200)
    const res = await capture(sim, id, 1000)
    expect(res.status).toBe(503)
    expect(res.body).toEqual({ custom: true })
  })

  it("http 502 default body is TEMPORARILY_UNAVAILABLE", async () => {
    const id = await newOrder(sim)
    await addFault({ match: {}, fault: { type: "http", status: 502 } })
    expect(expectKlarnaError(await call(sim, "GET", `${OM}/${id}`), 502, "TEMPORARILY_UNAVAILABLE").error_messages).toEqual([
      "Temporarily unavailable",
    ])
  })

  it("rate_limit: 429 with Retry-After and X-Ratelimit-* headers", async () => {
    const id = await newOrder(sim)
    await addFault({ match: { path: id }, fault: { type: "rate_limit", retry_after_seconds: 3, reset_seconds: 5 } })
    const res = await call(sim, "GET", `${OM}/${id}`)
    expectKlarnaError(res, 429, "TOO_MANY_REQUESTS")
    expect(res.headers.get("retry-after")).toBe("3")
    expect(res.headers.get("x-ratelimit-limit")).toBe("40, 40;w=1")
    expect(res.headers.get("x-ratelimit-remaining")).toBe("0")
    expect(res.headers.get("x-ratelimit-reset")).toBe("5")
    expect((await call(sim, "GET", `${OM}/${id}`)).status).toBe(200)
  })

  it("timeout: no answer, then the connection is destroyed; operation not performed", async () => {
    const id = await newOrder(sim)
    await addFault({ match: { path: "/captures" }, fault: { type: "timeout", ms: 300 } })
    const started = Date.now()
    await expect(capture(sim, id, 1000, {}, "k-timeout")).rejects.toThrow()
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
    expect((await getOrder(sim, id)).captured_amount).toBe(0)
    expect((await capture(sim, id, 1000, {}, "k-timeout")).status).toBe(201)
  })

  it("timeout is cut short by the client's own timeout", async () => {
    const id = await newOrder(sim)
    await addFault({ match: { path: id }, fault: { type: "timeout" } }) // default 15 s
    await expect(fetch(`${sim.url}${OM}/${id}`, { signal: AbortSignal.timeout(200) })).rejects.toThrow()
  })

  it("apply_then_drop: the capture happens, the caller sees a dead socket, the retry gets the replayed 201", async () => {
    const id = await newOrder(sim)
    await addFault({ match: { method: "POST", path: `${id}/captures` }, fault: { type: "apply_then_drop" } })
    await expect(capture(sim, id, 1000, {}, "k-drop")).rejects.toThrow()
    const order = await getOrder(sim, id)
    expect(order.captures).toHaveLength(1)
    const retry = await capture(sim, id, 1000, {}, "k-drop")
    expect(retry.status).toBe(201)
    expect(retry.headers.get("capture-id")).toBe(order.captures[0].capture_id)
    expect((await getOrder(sim, id)).captured_amount).toBe(1000)
    const log = (await control(sim, "GET", `/requests?path_contains=${id}/captures`)).body
    expect(
      log.map((e: { status: number; dropped?: boolean; replayed?: boolean }) => [e.status, Boolean(e.dropped), Boolean(e.replayed)]),
    ).toEqual([
      [201, true, false],
      [201, false, true],
    ])
  })

  it("apply_then_drop without a key: a blind retry captures twice (why clients need keys)", async () => {
    const id = await newOrder(sim)
    await addFault({ match: { path: `${id}/captures` }, fault: { type: "apply_then_drop" } })
    await expect(capture(sim, id, 1000)).rejects.toThrow()
    expect((await capture(sim, id, 1000)).status).toBe(201)
    expect((await getOrder(sim, id)).captured_amount).toBe(2000)
  })

  it("path as a regex; faults never touch the control API", async () => {
    const id = await newOrder(sim)
    await addFault({ match: { path: "orders/[^/]+$", times: -1 }, fault: { type: "http", status: 500 } })
    expect((await call(sim, "GET", `${OM}/${id}`)).status).toBe(500)
    expect((await call(sim, "GET", `${OM}/${id}`)).status).toBe(500)
    expect((await call(sim, "GET", `${OM}/${id}/captures`)).status).toBe(200)
    expect((await control(sim, "GET", `/orders/${id}`)).status).toBe(200)
  })

  it("GET lists faults with their counters; DELETE /__sim/faults/:id removes one; DELETE clears", async () => {
    const a = await addFault({ match: { path: "/never-a" }, fault: { type: "http", status: 500 } })
    await addFault({ match: { path: "/never-b" }, fault: { type: "http", status: 500 } })
    expect((await control(sim, "GET", "/faults")).body).toHaveLength(2)
    expect((await control(sim, "DELETE", `/faults/${a}`)).status).toBe(204)
    expect((await control(sim, "GET", "/faults")).body.map((f: { id: string }) => f.id)).not.toContain(a)
    expect((await control(sim, "DELETE", "/faults")).status).toBe(204)
    expect((await control(sim, "GET", "/faults")).body).toEqual([])
  })

  it("rejects malformed fault definitions with 400", async () => {
    expect((await control(sim, "POST", "/faults", { match: {}, fault: { type: "meteor" } })).status).toBe(400)
    expect((await control(sim, "POST", "/faults", { match: { times: 0 }, fault: { type: "http" } })).status).toBe(400)
    expect((await control(sim, "POST", "/faults", { match: { probability: 2 }, fault: { type: "http" } })).status).toBe(400)
  })
})

describe("seeded randomness", () => {
  const sequence = (f: FaultInjector, n: number): string[] =>
    Array.from({ length: n }, () => {
      const r: ResolvedFault | undefined = f.pick("POST", "/ordermanagement/v1/orders/x/captures")
      return r ? (r.type === "http" ? String(r.status) : r.type) : "-"
    })

  it("random mix: same seed → same sequence; rate respected; all five kinds appear", () => {
    const make = (): FaultInjector => {
      const f = new FaultInjector()
      f.add({ match: {}, fault: { type: "random", rate: 0.3 }, seed: 42 })
      return f
    }
    const a = sequence(make(), 2000)
    expect(sequence(make(), 2000)).toEqual(a)
    const fired = a.filter((x) => x !== "-").length
    expect(fired / a.length).toBeGreaterThan(0.25)
    expect(fired / a.length).toBeLessThan(0.35)
    expect(new Set(a.filter((x) => x !== "-"))).toEqual(new Set(["500", "503", "rate_limit", "timeout", "apply_then_drop"]))
  })

  it("probability with a seed is reproducible and consumes `times` only when it fires", () => {
    const make = (): FaultInjector => {
      const f = new FaultInjector()
      f.add({ match: { probability: 0.5, times: 3 }, fault: { type: "http", status: 503 }, seed: "soak" })
      return f
    }
    const a = sequence(make(), 50)
    expect(sequence(make(), 50)).toEqual(a)
    expect(a.filter((x) => x === "503")).toHaveLength(3)
  })

  it("random over HTTP with a subset of types and a short timeout", async () => {
    const id = await newOrder(sim)
    await addFault({ match: { path: id }, fault: { type: "random", rate: 1, types: ["503"] }, seed: 7 })
    expect((await call(sim, "GET", `${OM}/${id}`)).status).toBe(503)
    expect((await call(sim, "GET", `${OM}/${id}`)).status).toBe(503) // unlimited by default
  })
})

describe("request log", () => {
  it("records method, path, headers without Authorization, body, status, response, time; filters work", async () => {
    const other = await startSimulator({ port: 0 })
    try {
      const id = await newOrder(other)
      await call(other, "POST", `${OM}/${id}/captures`, {
        body: { captured_amount: 100 },
        idempotencyKey: "log-1",
        headers: { "Klarna-Integrator": "test" },
      })
      await call(other, "GET", `${OM}/${id}`)
      await call(other, "GET", `${OM}/${id}`, { auth: false })
      const all = (await control(other, "GET", "/requests")).body
      expect(all).toHaveLength(3) // control calls are not logged
      const [post] = all
      expect(post).toMatchObject({
        method: "POST",
        path: `${OM}/${id}/captures`,
        body: { captured_amount: 100 },
        status: 201,
        merchant: other.username,
        response: { headers: { "Capture-Id": expect.any(String), Location: expect.any(String) }, body: null },
        at: expect.any(String),
      })
      expect(post.headers["klarna-idempotency-key"]).toBe("log-1")
      expect(post.headers["klarna-integrator"]).toBe("test")
      expect(JSON.stringify(all).toLowerCase()).not.toContain("authorization")
      expect((await control(other, "GET", "/requests?method=get")).body.map((e: { status: number }) => e.status)).toEqual([200, 401])
      expect((await control(other, "GET", "/requests?path_contains=/captures")).body).toHaveLength(1)
      expect((await control(other, "DELETE", "/requests")).status).toBe(204)
      expect((await control(other, "GET", "/requests")).body).toEqual([])
    } finally {
      await other.close()
    }
  })

  it("timeout requests are logged with status null", async () => {
    const id = await newOrder(sim)
    await addFault({ match: { path: `${id}/cancel` }, fault: { type: "timeout", ms: 50 } })
    await expect(call(sim, "POST", `${OM}/${id}/cancel`)).rejects.toThrow()
    const [entry] = (await control(sim, "GET", `/requests?path_contains=${id}/cancel`)).body
    expect(entry).toMatchObject({ status: null, response: null, fault: "timeout" })
  })
})
