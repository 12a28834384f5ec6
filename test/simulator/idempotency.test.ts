/**
 * Klarna-Idempotency-Key: replay of the first response for 24 h, only the key matters,
 * scoped per merchant.
 */
import { Clock } from "../../packages/simulator/clock"
import { IdempotencyStore } from "../../packages/simulator/idempotency"
import { startSimulator, type RunningSimulator } from "../../packages/simulator/server"
import { OM, call, capture, control, expectKlarnaError, getOrder, newOrder } from "./sim-helpers"

let sim: RunningSimulator
beforeAll(async () => {
  sim = await startSimulator({ port: 0 })
})
afterAll(() => sim.close())
afterEach(() => control(sim, "POST", "/clock", { now: null }))

describe("Klarna-Idempotency-Key", () => {
  it("same key → the first response (status, headers, body) is replayed and the capture happens once", async () => {
    const id = await newOrder(sim)
    const first = await capture(sim, id, 1000, {}, "key-1")
    const second = await capture(sim, id, 1000, {}, "key-1")
    expect(first.status).toBe(201)
    expect(second.status).toBe(201)
    for (const h of ["capture-id", "location", "klarna-correlation-id"]) expect(second.headers.get(h)).toBe(first.headers.get(h))
    const order = await getOrder(sim, id)
    expect(order.captures).toHaveLength(1)
    expect(order.captured_amount).toBe(1000)
    const log = (await control(sim, "GET", `/requests?path_contains=${id}/captures`)).body
    expect(log.map((e: { replayed?: boolean }) => Boolean(e.replayed))).toEqual([false, true])
  })

  it("same key + different body (even invalid) → still the first response, no error", async () => {
    const id = await newOrder(sim)
    const first = await capture(sim, id, 1000, { description: "first" }, "key-2")
    const changed = await capture(sim, id, 5000, { description: "second" }, "key-2")
    const garbage = await call(sim, "POST", `${OM}/${id}/captures`, { raw: "{oops", idempotencyKey: "key-2" })
    for (const r of [changed, garbage]) {
      expect(r.status).toBe(201)
      expect(r.headers.get("capture-id")).toBe(first.headers.get("capture-id"))
    }
    expect((await getOrder(sim, id)).captures.map((c: { description: string }) => c.description)).toEqual(["first"])
  })

  it("refunds and 204 operations replay too", async () => {
    const id = await newOrder(sim)
    await capture(sim, id, 6000)
    const r1 = await call(sim, "POST", `${OM}/${id}/refunds`, { body: { refunded_amount: 100 }, idempotencyKey: "rf" })
    const r2 = await call(sim, "POST", `${OM}/${id}/refunds`, { body: { refunded_amount: 100 }, idempotencyKey: "rf" })
    expect(r2.headers.get("refund-id")).toBe(r1.headers.get("refund-id"))
    expect((await getOrder(sim, id)).refunded_amount).toBe(100)
    const rel1 = await call(sim, "POST", `${OM}/${id}/release-remaining-authorization`, { idempotencyKey: "rel" })
    const rel2 = await call(sim, "POST", `${OM}/${id}/release-remaining-authorization`, { idempotencyKey: "rel" })
    expect([rel1.status, rel2.status]).toEqual([204, 204])
  })

  it("requests without a key are all processed", async () => {
    const id = await newOrder(sim)
    await capture(sim, id, 1000)
    await capture(sim, id, 1000)
    expect((await getOrder(sim, id)).captured_amount).toBe(2000)
  })

  it("different keys → different operations", async () => {
    const id = await newOrder(sim)
    const a = await capture(sim, id, 1000, {}, "a")
    const b = await capture(sim, id, 1000, {}, "b")
    expect(a.headers.get("capture-id")).not.toBe(b.headers.get("capture-id"))
  })

  it("a 403 business rejection is replayed", async () => {
    const id = await newOrder(sim)
    const first = await capture(sim, id, 7000, {}, "too-much")
    expectKlarnaError(first, 403, "CAPTURE_NOT_ALLOWED")
    const again = await capture(sim, id, 100, {}, "too-much")
    expect(again.status).toBe(403)
    expect(again.body).toEqual(first.body)
  })

  it("a 422 is not stored: the corrected retry with the same key is processed", async () => {
    const id = await newOrder(sim)
    expectKlarnaError(await capture(sim, id, 1000, { description: "x".repeat(300) }, "fix-me"), 422, "UNPROCESSABLE_ENTITY")
    expect((await capture(sim, id, 1000, {}, "fix-me")).status).toBe(201)
  })

  it("a 404 is not stored", async () => {
    expectKlarnaError(await capture(sim, "5f0c7a52-5b8e-4c55-9d8e-0a6f3e1d2c4b", 1000, {}, "k404"), 404, "NO_SUCH_ORDER")
    const id = await newOrder(sim)
    expect((await capture(sim, id, 1000, {}, "k404")).status).toBe(201)
  })

  it("keys are honoured for 24 h (simulator clock), then forgotten", async () => {
    const id = await newOrder(sim)
    const first = await capture(sim, id, 1000, {}, "day")
    await control(sim, "POST", "/clock", { advance_ms: 23 * 3600 * 1000 })
    expect((await capture(sim, id, 1000, {}, "day")).headers.get("capture-id")).toBe(first.headers.get("capture-id"))
    await control(sim, "POST", "/clock", { advance_ms: 2 * 3600 * 1000 })
    const later = await capture(sim, id, 1000, {}, "day")
    expect(later.status).toBe(201)
    expect(later.headers.get("capture-id")).not.toBe(first.headers.get("capture-id"))
    expect((await getOrder(sim, id)).captured_amount).toBe(2000)
  })

  it("GETs ignore the key", async () => {
    const id = await newOrder(sim)
    await call(sim, "GET", `${OM}/${id}`, { idempotencyKey: "g" })
    await capture(sim, id, 6000, {}, "g")
    const order = await call(sim, "GET", `${OM}/${id}`, { idempotencyKey: "g" })
    expect(order.body.status).toBe("CAPTURED")
  })

  it("POST /__sim/reset forgets keys", async () => {
    const other = await startSimulator({ port: 0 })
    try {
      const id1 = await newOrder(other)
      await capture(other, id1, 1000, {}, "r")
      await control(other, "POST", "/reset")
      const id2 = await newOrder(other)
      expect((await capture(other, id2, 1000, {}, "r")).status).toBe(201)
      expect((await getOrder(other, id2)).captured_amount).toBe(1000)
    } finally {
      await other.close()
    }
  })
})

describe("IdempotencyStore (unit)", () => {
  it("scopes keys per merchant username", () => {
    const store = new IdempotencyStore(new Clock())
    store.put("merchant-a", "k", { status: 201, headers: { "Capture-Id": "a" } })
    expect(store.get("merchant-a", "k")?.headers["Capture-Id"]).toBe("a")
    expect(store.get("merchant-b", "k")).toBeUndefined()
  })

  it("hands out copies, so a replay can't be mutated", () => {
    const store = new IdempotencyStore(new Clock())
    store.put("m", "k", { status: 204, headers: {} })
    store.get("m", "k")!.headers.X = "changed"
    expect(store.get("m", "k")!.headers.X).toBeUndefined()
  })

  it("stores only 2xx and 403", () => {
    const store = new IdempotencyStore(new Clock())
    for (const status of [200, 201, 204, 403, 400, 401, 404, 409, 422, 429, 500, 503])
      store.put("m", String(status), { status, headers: {} })
    expect([200, 201, 204, 403, 400, 401, 404, 409, 422, 429, 500, 503].filter((s) => store.get("m", String(s)))).toEqual([
      200, 201, 204, 403,
    ])
  })
})
