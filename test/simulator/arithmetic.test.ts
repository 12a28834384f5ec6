/**
 * Order-line arithmetic checks: on by default, switchable globally (option, control API, env in
 * main.ts) and per order.
 */
import { checkLines, expectedTax } from "../../packages/simulator/rules/arithmetic"
import { startSimulator, type RunningSimulator } from "../../packages/simulator/server"
import { OM, TOMATOES, call, capture, control, expectKlarnaError, line, newOrder } from "./sim-helpers"

describe("checkLines (unit)", () => {
  it("accepts the docs' Tomatoes line", () => {
    expect(checkLines([TOMATOES], 6000, "captured_amount")).toEqual([])
  })

  it("total_amount = quantity * unit_price − total_discount_amount", () => {
    expect(checkLines([line("A", 3, 1000, 2500, 500)], 2500, "captured_amount")).toEqual([])
    const [p] = checkLines([TOMATOES, { ...line("B", 2, 1000), total_amount: 1999 }], 7999, "captured_amount")
    expect(p.path).toBe("order_lines[1].total_amount")
    expect(p.message).toBe("order_lines[1].total_amount is 1999 but quantity * unit_price - total_discount_amount = 2 * 1000 - 0 = 2000")
  })

  it("tax: total_amount − round(total_amount*10000/(10000+tax_rate)), ±1 minor unit tolerated", () => {
    expect(expectedTax(6000, 2500)).toBe(1200)
    expect(expectedTax(999, 1900)).toBe(160) // 999 - round(839.49) = 160
    const ok = { ...line("T", 1, 999, 1900), total_tax_amount: 159 }
    expect(checkLines([ok], 999, "captured_amount")).toEqual([])
    const off = { ...line("T", 1, 999, 1900), total_tax_amount: 158 }
    expect(checkLines([off], 999, "captured_amount").map((p) => p.path)).toEqual(["order_lines[0].total_tax_amount"])
  })

  it("negative (discount) lines", () => {
    const discount = {
      type: "discount",
      name: "Promo",
      quantity: 1,
      unit_price: -1000,
      total_amount: -1000,
      tax_rate: 2500,
      total_tax_amount: -200,
    }
    expect(checkLines([TOMATOES, discount], 5000, "captured_amount")).toEqual([])
  })

  it("sum of lines must equal the amount; empty or absent lines are not checked", () => {
    expect(checkLines([TOMATOES], 5999, "captured_amount").map((p) => p.message)).toEqual([
      "captured_amount is 5999 but the sum of order_lines[].total_amount is 6000",
    ])
    expect(checkLines([], 5999, "captured_amount")).toEqual([])
    expect(checkLines(undefined, 5999, "captured_amount")).toEqual([])
  })

  it("order_tax_amount must be the sum of line taxes (Payments)", () => {
    expect(checkLines([TOMATOES], 6000, "order_amount", 1200)).toEqual([])
    expect(checkLines([TOMATOES], 6000, "order_amount", 1000).map((p) => p.path)).toEqual(["order_tax_amount"])
  })
})

describe("over HTTP", () => {
  let sim: RunningSimulator
  beforeAll(async () => {
    sim = await startSimulator({ port: 0 })
  })
  afterAll(() => sim.close())
  afterEach(() => control(sim, "POST", "/config", { arithmeticChecks: true }))

  const badLine = { ...line("Shirt", 2, 3000), total_amount: 5000 }

  it("capture with a wrong line total → 422 naming the line index", async () => {
    const id = await newOrder(sim, { order_amount: 11000, order_lines: [TOMATOES, line("Shirt", 2, 2500)] })
    const res = await capture(sim, id, 11000, { order_lines: [TOMATOES, badLine] })
    const err = expectKlarnaError(res, 422, "UNPROCESSABLE_ENTITY")
    expect(err.error_messages).toContain(
      "order_lines[1].total_amount is 5000 but quantity * unit_price - total_discount_amount = 2 * 3000 - 0 = 6000",
    )
  })

  it("capture whose lines don't add up to captured_amount → 422", async () => {
    const id = await newOrder(sim)
    const err = expectKlarnaError(await capture(sim, id, 5000, { order_lines: [TOMATOES] }), 422, "UNPROCESSABLE_ENTITY")
    expect(err.error_messages).toEqual(["captured_amount is 5000 but the sum of order_lines[].total_amount is 6000"])
  })

  it("wrong tax → 422 naming the line; within ±1 → accepted", async () => {
    const id = await newOrder(sim)
    const err = expectKlarnaError(
      await capture(sim, id, 6000, { order_lines: [{ ...TOMATOES, total_tax_amount: 1198 }] }),
      422,
      "UNPROCESSABLE_ENTITY",
    )
    expect(err.error_messages[0]).toMatch(/^order_lines\[0\]\.total_tax_amount is 1198/)
    expect((await capture(sim, id, 6000, { order_lines: [{ ...TOMATOES, total_tax_amount: 1201 }] })).status).toBe(201)
  })

  it("PATCH authorization lines must add up to order_amount", async () => {
    const id = await newOrder(sim)
    const res = await call(sim, "PATCH", `${OM}/${id}/authorization`, { body: { order_amount: 7000, order_lines: [TOMATOES] } })
    expect(expectKlarnaError(res, 422, "UNPROCESSABLE_ENTITY").error_messages).toEqual([
      "order_amount is 7000 but the sum of order_lines[].total_amount is 6000",
    ])
  })

  it("control-API orders are checked too", async () => {
    const res = await control(sim, "POST", "/orders", {
      order_amount: 5000,
      purchase_currency: "SEK",
      purchase_country: "SE",
      order_lines: [TOMATOES],
    })
    expectKlarnaError(res, 422, "UNPROCESSABLE_ENTITY")
  })

  it("switched off globally via POST /__sim/config", async () => {
    const id = await newOrder(sim)
    expect((await control(sim, "POST", "/config", { arithmeticChecks: false })).body).toEqual({
      arithmeticChecks: false,
      latencyMs: 0,
      jitterMs: 0,
      rateLimit: null,
    })
    expect((await capture(sim, id, 6000, { order_lines: [badLine] })).status).toBe(201)
  })

  it("switched off per order (at creation or later), the rest stays checked", async () => {
    const lax = await newOrder(sim, { arithmetic_checks: false, order_amount: 5000 })
    const later = await newOrder(sim)
    const strict = await newOrder(sim)
    expect((await control(sim, "POST", `/orders/${later}/config`, { arithmeticChecks: false })).status).toBe(200)
    expect((await capture(sim, lax, 5000, { order_lines: [badLine] })).status).toBe(201)
    expect((await capture(sim, later, 5000, { order_lines: [badLine] })).status).toBe(201)
    expectKlarnaError(await capture(sim, strict, 5000, { order_lines: [badLine] }), 422, "UNPROCESSABLE_ENTITY")
  })

  it("startSimulator({arithmeticChecks: false}) turns them off", async () => {
    const lax = await startSimulator({ port: 0, arithmeticChecks: false })
    try {
      const id = await newOrder(lax, { order_amount: 5000, order_lines: [badLine] })
      expect((await capture(lax, id, 1, { order_lines: [badLine] })).status).toBe(201)
    } finally {
      await lax.close()
    }
  })
})
