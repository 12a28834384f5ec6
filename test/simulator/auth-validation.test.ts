/**
 * HTTP Basic auth, request-body validation against the repaired yml, error body shape,
 * and the yml repairs themselves.
 */
import { readFileSync, readdirSync, statSync } from "node:fs"
import { join } from "node:path"
import { loadSpecs } from "../../packages/simulator/spec-loader"
import { buildKlarnaRoutes } from "../../packages/simulator/klarna-api"
import { startSimulator, type RunningSimulator } from "../../packages/simulator/server"
import { OM, TOMATOES, call, capture, expectKlarnaError, newOrder } from "./sim-helpers"

let sim: RunningSimulator
beforeAll(async () => {
  sim = await startSimulator({ port: 0, username: "PK_TEST", password: "pw-1" })
})
afterAll(() => sim.close())

describe("authentication", () => {
  it("uses the configured credentials", () => {
    expect({ username: sim.username, password: sim.password }).toEqual({ username: "PK_TEST", password: "pw-1" })
  })

  it.each([
    ["missing", false as const],
    ["wrong password", { username: "PK_TEST", password: "nope" }],
    ["wrong username", { username: "PK_OTHER", password: "pw-1" }],
  ])("%s credentials → 401 with an error body and a Basic challenge", async (_name, auth) => {
    const id = await newOrder(sim)
    for (const [method, path] of [
      ["GET", `${OM}/${id}`],
      ["POST", `${OM}/${id}/cancel`],
      ["POST", "/payments/v1/sessions"],
    ]) {
      const res = await call(sim, method, path, { auth, body: method === "POST" ? {} : undefined })
      expectKlarnaError(res, 401, "UNAUTHORIZED")
      expect(res.headers.get("www-authenticate")).toMatch(/^Basic /)
    }
    // nothing happened
    expect((await call(sim, "GET", `${OM}/${id}`)).body.status).toBe("AUTHORIZED")
  })

  it("the control API needs no auth", async () => {
    expect((await call(sim, "GET", "/__sim/health", { auth: false })).status).toBe(200)
  })
})

describe("schema validation → 422 UNPROCESSABLE_ENTITY with Klarna-style messages", () => {
  it("shipping_company longer than 100 → the docs' verbatim message", async () => {
    const id = await newOrder(sim)
    const res = await capture(sim, id, 6000, { shipping_info: [{ shipping_company: "x".repeat(101), tracking_number: "1" }] })
    expect(expectKlarnaError(res, 422, "UNPROCESSABLE_ENTITY").error_messages).toEqual([
      "The size of the shipping_info/shipping_company value must be between 0 and 100",
    ])
  })

  it("reports every violation at once", async () => {
    const id = await newOrder(sim)
    const res = await call(sim, "POST", `${OM}/${id}/captures`, {
      body: {
        description: "d".repeat(256),
        order_lines: [{ ...TOMATOES, type: "hardware", reference: "r".repeat(256) }, { name: "no numbers" }],
        shipping_info: [{ shipping_method: "XHomeY", tracking_uri: "u".repeat(1025) }],
      },
    })
    expect(expectKlarnaError(res, 422, "UNPROCESSABLE_ENTITY").error_messages.sort()).toEqual(
      [
        "The captured_amount value must not be null",
        "The size of the description value must be between 0 and 255",
        "The order_lines/type value must be one of [physical, discount, shipping_fee, sales_tax, store_credit, gift_card, digital, surcharge, return_fee]",
        "The size of the order_lines/reference value must be between 0 and 255",
        "The order_lines/quantity value must not be null",
        "The order_lines/total_amount value must not be null",
        "The order_lines/unit_price value must not be null",
        'The shipping_info/shipping_method value must match "(PickUpStore|Home|BoxReg|BoxUnreg|PickUpPoint|Own|Postal|DHLPackstation|Digital|Undefined|PickUpWarehouse|ClickCollect|PalletDelivery)"',
        "The size of the shipping_info/tracking_uri value must be between 0 and 1024",
      ].sort(),
    )
  })

  it("amount limits and types", async () => {
    const id = await newOrder(sim)
    expect(expectKlarnaError(await capture(sim, id, 200000001), 422, "UNPROCESSABLE_ENTITY").error_messages).toEqual([
      "The captured_amount value must be between 0 and 200000000",
    ])
    expect(expectKlarnaError(await capture(sim, id, 10.5), 422, "UNPROCESSABLE_ENTITY").error_messages).toEqual([
      "The captured_amount value must be of type integer",
    ])
    const notObject = await call(sim, "POST", `${OM}/${id}/captures`, { raw: "[1,2]" })
    expect(expectKlarnaError(notObject, 422, "UNPROCESSABLE_ENTITY").error_messages).toEqual(["The request body must be a JSON object"])
  })

  it("shipping_info: 1..500 items on the shipping-info endpoints", async () => {
    const id = await newOrder(sim)
    const captureId = (await capture(sim, id, 6000)).headers.get("capture-id")
    const path = `${OM}/${id}/captures/${captureId}/shipping-info`
    expect(
      expectKlarnaError(await call(sim, "POST", path, { body: { shipping_info: [] } }), 422, "UNPROCESSABLE_ENTITY").error_messages,
    ).toEqual(["The size of the shipping_info value must be between 1 and 500"])
    const many = Array.from({ length: 501 }, (_, i) => ({ tracking_number: String(i) }))
    expectKlarnaError(await call(sim, "POST", path, { body: { shipping_info: many } }), 422, "UNPROCESSABLE_ENTITY")
    expect(expectKlarnaError(await call(sim, "POST", path, { body: {} }), 422, "UNPROCESSABLE_ENTITY").error_messages).toEqual([
      "The shipping_info value must not be null",
    ])
  })

  it("every one of the 9 order_line types is accepted (pipe-joined enum read as a list)", async () => {
    const id = await newOrder(sim, { order_amount: 9 * 6000, order_lines: [] })
    const types = ["physical", "discount", "shipping_fee", "sales_tax", "store_credit", "gift_card", "digital", "surcharge", "return_fee"]
    for (const type of types) {
      expect((await capture(sim, id, 6000, { order_lines: [{ ...TOMATOES, type }] })).status).toBe(201)
    }
  })

  it("unknown properties are ignored, as Klarna's Jackson-based API does", async () => {
    const id = await newOrder(sim)
    expect((await capture(sim, id, 6000, { something_new: true })).status).toBe(201)
  })
})

describe("malformed requests", () => {
  it("malformed JSON → 400 with an error body", async () => {
    const id = await newOrder(sim)
    const res = await call(sim, "POST", `${OM}/${id}/captures`, { raw: '{"captured_amount": 6000,' })
    const err = expectKlarnaError(res, 400, "BAD_REQUEST")
    expect(err.error_messages[0]).toBe("This is an invalid request. Refer to the OpenAPI documentation to check validation rules.")
    expect(err.error_messages[1]).toMatch(/^Malformed JSON/)
  })

  it("missing required body → 400", async () => {
    const id = await newOrder(sim)
    expectKlarnaError(await call(sim, "POST", `${OM}/${id}/captures`), 400, "BAD_REQUEST")
  })

  it("body-less operations ignore whatever is sent", async () => {
    const id = await newOrder(sim)
    expect((await call(sim, "POST", `${OM}/${id}/cancel`, { raw: "not json" })).status).toBe(204)
  })

  it("unknown path → 404, wrong method → 405, both with error bodies", async () => {
    expectKlarnaError(await call(sim, "GET", "/ordermanagement/v1/nothing-here"), 404, "NOT_FOUND")
    expectKlarnaError(await call(sim, "DELETE", `${OM}/x/captures`), 405, "METHOD_NOT_ALLOWED")
  })

  it("every response carries a Klarna-Correlation-Id, successes included", async () => {
    const id = await newOrder(sim)
    const res = await call(sim, "GET", `${OM}/${id}`)
    expect(res.headers.get("klarna-correlation-id")).toMatch(/^[0-9a-f-]{36}$/)
  })
})

describe("the yml files and their repairs", () => {
  const specDir = join(__dirname, "../../packages/simulator/spec")

  it("simulator/spec holds byte-identical copies of the shared yml files", () => {
    for (const f of ["order-management-openapi.yml", "payments-openapi.yml"]) {
      const shared = join("/work/shared/klarna", f)
      let original: Buffer
      try {
        original = readFileSync(shared)
      } catch {
        return // the shared folder is not available outside the dev machine
      }
      expect(readFileSync(join(specDir, f)).equals(original)).toBe(true)
    }
  })

  it("repairs: enum:[null] dropped, order_line.type = 9 values, patterns anchored", () => {
    const { om, payments } = loadSpecs()
    expect(om.definitions.Addon.properties.price.enum).toBeUndefined()
    expect(om.definitions.SelectedShippingOptionDto.properties.tax_rate.enum).toBeUndefined()
    expect(om.definitions.order_line.properties.type.enum).toHaveLength(9)
    expect(om.definitions.order_line.properties.type.pattern).toBeUndefined()
    expect(om.definitions.shipping_info.properties.shipping_method.pattern).toMatch(/^\^\(\?:.*\)\$$/)
    expect(payments.definitions.order_line.properties.type.enum).toEqual([
      "physical",
      "discount",
      "shipping_fee",
      "sales_tax",
      "digital",
      "gift_card",
      "store_credit",
      "surcharge",
    ])
  })

  it("every operation of both yml files is routed (and nothing else)", () => {
    const { om, payments } = loadSpecs()
    const routed = buildKlarnaRoutes()
      .map((r) => `${r.method} ${r.path}`)
      .sort()
    const inSpec = [...om.operations, ...payments.operations].map((o) => `${o.method} ${o.path}`).sort()
    expect(routed).toEqual(inSpec)
  })

  it("the simulator imports nothing from the core (it is an independent check of the client)", () => {
    const root = join(__dirname, "../../packages/simulator")
    const files: string[] = []
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name)
        if (statSync(p).isDirectory()) walk(p)
        else if (p.endsWith(".ts")) files.push(p)
      }
    }
    walk(root)
    expect(files.length).toBeGreaterThan(10)
    for (const file of files) {
      const imports = [...readFileSync(file, "utf8").matchAll(/from\s+"([^"]+)"|require\("([^"]+)"\)/g)].map((m) => m[1] ?? m[2])
      for (const spec of imports) expect(`${file}: ${spec}`).not.toMatch(/: (\.\.\/)+(src|core)(\/|$)|: src\/|: @klarna-order-sync\/core/)
    }
  })
})
