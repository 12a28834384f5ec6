/**
 * The /__sim control API, the injectable clock, and `npm run simulator` (simulator/main.ts).
 */
import { spawn } from "node:child_process"
import { join } from "node:path"
import { startSimulator, type RunningSimulator } from "../../packages/simulator/server"
import { OM, TOMATOES, basic, call, capture, control, expectKlarnaError, getOrder, newOrder } from "./sim-helpers"

let sim: RunningSimulator
beforeAll(async () => {
  sim = await startSimulator({ port: 0 })
})
afterAll(() => sim.close())

describe("control API", () => {
  it("POST /__sim/orders → 201 {order_id, ...order} with Klarna defaults", async () => {
    const res = await control(sim, "POST", "/orders", {
      order_amount: 6000,
      purchase_currency: "eur",
      purchase_country: "de",
      order_lines: [TOMATOES],
      locale: "de-DE",
      merchant_reference1: "M-1",
      order_tax_amount: 1200,
    })
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({
      order_id: expect.any(String),
      status: "AUTHORIZED",
      fraud_status: "ACCEPTED",
      order_amount: 6000,
      original_order_amount: 6000,
      captured_amount: 0,
      refunded_amount: 0,
      remaining_authorized_amount: 6000,
      purchase_currency: "EUR",
      purchase_country: "DE",
      locale: "de-DE",
      merchant_reference1: "M-1",
      order_lines: [TOMATOES],
      captures: [],
      refunds: [],
      initial_payment_method: expect.objectContaining({ type: expect.any(String) }),
    })
  })

  it("POST /__sim/orders validates its input", async () => {
    expect((await control(sim, "POST", "/orders", { purchase_currency: "EUR", purchase_country: "DE" })).status).toBe(400)
    expect((await control(sim, "POST", "/orders", { order_amount: 1, purchase_currency: "EURO", purchase_country: "DE" })).status).toBe(400)
    expect(
      (await control(sim, "POST", "/orders", { order_amount: 1, purchase_currency: "EUR", purchase_country: "DE", expires_at: "soon" }))
        .status,
    ).toBe(400)
    const badLine = await control(sim, "POST", "/orders", {
      order_amount: 1,
      purchase_currency: "EUR",
      purchase_country: "DE",
      order_lines: [{ name: "x" }],
    })
    expect(expectKlarnaError(badLine, 422, "UNPROCESSABLE_ENTITY").error_messages).toContain(
      "The order_lines/quantity value must not be null",
    )
    expect((await call(sim, "POST", "/__sim/orders", { raw: "{", auth: false })).status).toBe(400)
  })

  it("GET /__sim/orders/:id → internal state; unknown → 404; GET /__sim/orders lists", async () => {
    const id = await newOrder(sim)
    await capture(sim, id, 1000)
    const res = await control(sim, "GET", `/orders/${id}`)
    expect(res.body).toMatchObject({
      order_id: id,
      stored_status: "PART_CAPTURED",
      status: "PART_CAPTURED",
      sim: { source: "control", extensions: [] },
    })
    expect(res.body.captures[0]).toMatchObject({ send_outs: 0 })
    expect((await control(sim, "GET", "/orders/nope")).status).toBe(404)
    expect((await control(sim, "GET", "/orders")).body.map((o: { order_id: string }) => o.order_id)).toContain(id)
  })

  it("POST /__sim/config validates and reports", async () => {
    expect((await control(sim, "POST", "/config", { arithmeticChecks: "no" })).status).toBe(400)
    expect((await control(sim, "GET", "/config")).body).toEqual({ arithmeticChecks: true, latencyMs: 0, jitterMs: 0, rateLimit: null })
  })

  it("POST /__sim/clock: set (flowing or frozen), advance, back to real time", async () => {
    const frozen = await control(sim, "POST", "/clock", { now: "2030-01-01T00:00:00.000Z", freeze: true })
    expect(frozen.body).toMatchObject({ now: "2030-01-01T00:00:00.000Z", frozen: true })
    const id = await newOrder(sim)
    expect(await getOrder(sim, id)).toMatchObject({ created_at: "2030-01-01T00:00:00.000Z", expires_at: "2030-01-29T00:00:00.000Z" })
    expect((await control(sim, "POST", "/clock", { advance_days: 1 })).body.now).toBe("2030-01-02T00:00:00.000Z")
    const flowing = await control(sim, "POST", "/clock", { now: "2031-06-01T12:00:00.000Z" })
    expect(flowing.body.frozen).toBe(false)
    expect(Date.parse(flowing.body.now)).toBeGreaterThanOrEqual(Date.parse("2031-06-01T12:00:00.000Z"))
    expect((await control(sim, "POST", "/clock", { now: "yesterday" })).status).toBe(400)
    const real = await control(sim, "POST", "/clock", { now: null })
    expect(Math.abs(Date.parse(real.body.now) - Date.now())).toBeLessThan(5000)
  })

  it("POST /__sim/reset forgets orders, sessions, log, faults, config and clock", async () => {
    const other = await startSimulator({ port: 0 })
    try {
      const id = await newOrder(other)
      await call(other, "GET", `${OM}/${id}`)
      await control(other, "POST", "/faults", { match: { path: "/never" }, fault: { type: "http", status: 500 } })
      await control(other, "POST", "/config", { arithmeticChecks: false })
      await control(other, "POST", "/clock", { now: "2030-01-01T00:00:00Z", freeze: true })
      expect((await control(other, "POST", "/reset")).status).toBe(204)
      expectKlarnaError(await call(other, "GET", `${OM}/${id}`), 404, "NO_SUCH_ORDER")
      expect((await control(other, "GET", "/orders")).body).toEqual([])
      expect((await control(other, "GET", "/requests")).body).toHaveLength(1) // only the GET after the reset
      expect((await control(other, "GET", "/faults")).body).toEqual([])
      expect((await control(other, "GET", "/config")).body).toEqual({ arithmeticChecks: true, latencyMs: 0, jitterMs: 0, rateLimit: null })
      expect((await control(other, "GET", "/clock")).body.frozen).toBe(false)
    } finally {
      await other.close()
    }
  })

  it("unknown control endpoint → 404", async () => {
    expect((await control(sim, "GET", "/nothing")).status).toBe(404)
  })
})

describe("startSimulator options", () => {
  it("defaults: 127.0.0.1, PK_SIMULATOR / simulator-secret", () => {
    expect(sim.url).toBe(`http://127.0.0.1:${sim.port}`)
    expect(sim.port).toBeGreaterThan(0)
    expect([sim.username, sim.password]).toEqual(["PK_SIMULATOR", "simulator-secret"])
  })

  it("now: injectable base clock", async () => {
    let t = Date.parse("2029-03-01T10:00:00.000Z")
    const timed = await startSimulator({ port: 0, now: () => new Date(t) })
    try {
      const id = await newOrder(timed)
      expect((await getOrder(timed, id)).created_at).toBe("2029-03-01T10:00:00.000Z")
      t += 29 * 24 * 3600 * 1000
      expect((await getOrder(timed, id)).status).toBe("EXPIRED")
    } finally {
      await timed.close()
    }
  })

  it("close() is idempotent and frees the port", async () => {
    const s = await startSimulator({ port: 0 })
    await s.close()
    await s.close()
    await expect(fetch(`${s.url}/__sim/health`)).rejects.toThrow()
  })
})

describe("npm run simulator (simulator/main.ts)", () => {
  it("reads the env, prints URL and credentials, serves, and stops cleanly on SIGTERM", async () => {
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", join(__dirname, "../../packages/simulator/main.ts")], {
      cwd: join(__dirname, "../.."),
      env: {
        ...process.env,
        KLARNA_SIMULATOR_PORT: "0",
        KLARNA_SIMULATOR_USERNAME: "PK_ENV",
        KLARNA_SIMULATOR_PASSWORD: "env-secret",
        KLARNA_SIMULATOR_ARITHMETIC: "off",
      },
      stdio: ["ignore", "pipe", "pipe"],
    })
    let out = ""
    child.stdout.on("data", (d: Buffer) => (out += d.toString()))
    child.stderr.on("data", (d: Buffer) => (out += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 30000)
        child.stdout.on("data", () => {
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
          if (m && /control API: /.test(out)) {
            clearTimeout(timer)
            resolve(m[1])
          }
        })
      })
      expect(out).toContain("username=PK_ENV")
      expect(out).toContain("arithmetic checks: off")
      const created = await fetch(`${url}/__sim/orders`, {
        method: "POST",
        body: JSON.stringify({ order_amount: 100, purchase_currency: "SEK", purchase_country: "SE", order_lines: [TOMATOES] }),
      })
      expect(created.status).toBe(201) // arithmetic off: lines don't need to add up
      const { order_id } = (await created.json()) as { order_id: string }
      const ok = await fetch(`${url}${OM}/${order_id}`, { headers: { Authorization: basic("PK_ENV", "env-secret") } })
      expect(ok.status).toBe(200)
      const denied = await fetch(`${url}${OM}/${order_id}`, { headers: { Authorization: basic("PK_SIMULATOR", "simulator-secret") } })
      expect(denied.status).toBe(401)
    } finally {
      child.kill("SIGTERM")
    }
    expect(await exited).toBe(0)
  })
})
