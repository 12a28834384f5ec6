/**
 * Klarna Payments: session → (widget) authorize → create order → the OM order exists.
 */
import { startSimulator, type RunningSimulator } from "../../packages/simulator/server"
import { OM, TOMATOES, UUID_RE, call, capture, control, expectKlarnaError, getOrder, line } from "./sim-helpers"

let sim: RunningSimulator
beforeAll(async () => {
  sim = await startSimulator({ port: 0 })
})
afterAll(() => sim.close())

const SESSION = {
  purchase_country: "SE",
  purchase_currency: "SEK",
  locale: "sv-SE",
  order_amount: 10000,
  order_tax_amount: 2000,
  order_lines: [line("Shirt", 2, 3000), line("Hat", 1, 4000)],
  merchant_urls: { confirmation: "https://shop.example/confirm?sid={session.id}&oid={order.id}" },
}

async function authorizedToken(session: Record<string, unknown> = SESSION): Promise<{ sessionId: string; token: string }> {
  const created = await call(sim, "POST", "/payments/v1/sessions", { body: session })
  expect(created.status).toBe(200)
  const auth = await control(sim, "POST", `/sessions/${created.body.session_id}/authorize`)
  expect(auth.status).toBe(200)
  return { sessionId: created.body.session_id, token: auth.body.authorization_token }
}

const placeOrder = (token: string, body: Record<string, unknown> = { ...SESSION, merchant_reference1: "ORDER-1" }) =>
  call(sim, "POST", `/payments/v1/authorizations/${token}/order`, { body })

describe("Payments", () => {
  it("create session → 200 {session_id, client_token, payment_method_categories}", async () => {
    const res = await call(sim, "POST", "/payments/v1/sessions", { body: SESSION })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      session_id: expect.stringMatching(UUID_RE),
      client_token: expect.any(String),
      payment_method_categories: [expect.objectContaining({ identifier: "klarna", name: expect.any(String) })],
    })
    const read = await call(sim, "GET", `/payments/v1/sessions/${res.body.session_id}`)
    expect(read.body).toMatchObject({ status: "incomplete", order_amount: 10000, client_token: res.body.client_token })
  })

  it("session → authorize → order → an AUTHORIZED OM order with the amounts, lines, country, currency", async () => {
    const { sessionId, token } = await authorizedToken()
    const res = await placeOrder(token)
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      order_id: expect.stringMatching(UUID_RE),
      redirect_url: `${sim.url}/__sim/redirect/${sessionId}`,
      fraud_status: "ACCEPTED",
      authorized_payment_method: { type: "invoice", number_of_days: 30 },
    })
    const order = await getOrder(sim, res.body.order_id)
    expect(order).toMatchObject({
      status: "AUTHORIZED",
      fraud_status: "ACCEPTED",
      order_amount: 10000,
      original_order_amount: 10000,
      remaining_authorized_amount: 10000,
      purchase_country: "SE",
      purchase_currency: "SEK",
      locale: "sv-SE",
      order_lines: SESSION.order_lines,
      merchant_reference1: "ORDER-1",
    })
    expect((await call(sim, "GET", `/payments/v1/sessions/${sessionId}`)).body.status).toBe("complete")
    // …and OM works on it
    expect((await capture(sim, res.body.order_id, 6000, { order_lines: [line("Shirt", 2, 3000)] })).status).toBe(201)
    // the redirect forwards to the merchant confirmation URL with placeholders filled
    const redirect = await fetch(res.body.redirect_url, { redirect: "manual" })
    expect(redirect.status).toBe(302)
    expect(redirect.headers.get("location")).toBe(`https://shop.example/confirm?sid=${sessionId}&oid=${res.body.order_id}`)
  })

  it("the authorization token is single-use → second order 404 NOT_FOUND", async () => {
    const { token } = await authorizedToken()
    expect((await placeOrder(token)).status).toBe(200)
    expectKlarnaError(await placeOrder(token), 404, "NOT_FOUND")
  })

  it("unknown token → 404", async () => {
    expectKlarnaError(await placeOrder("no-such-token"), 404, "NOT_FOUND")
  })

  it("DELETE authorization → 204, then the token is gone", async () => {
    const { token } = await authorizedToken()
    expect((await call(sim, "DELETE", `/payments/v1/authorizations/${token}`)).status).toBe(204)
    expectKlarnaError(await placeOrder(token), 404, "NOT_FOUND")
    expectKlarnaError(await call(sim, "DELETE", `/payments/v1/authorizations/${token}`), 404, "NOT_FOUND")
  })

  it("order data that doesn't match the authorized session → 409", async () => {
    const { token } = await authorizedToken()
    const res = await placeOrder(token, { ...SESSION, order_amount: 9000, order_lines: [line("Shirt", 3, 3000)], order_tax_amount: 1800 })
    expectKlarnaError(res, 409, "CONFLICT")
    expect((await placeOrder(token)).status).toBe(200) // token not consumed by the failed attempt
  })

  it("schema violations → 400 BAD_VALUE 'Bad value: <path>'", async () => {
    const res = await call(sim, "POST", "/payments/v1/sessions", {
      body: { ...SESSION, purchase_currency: "kronor", order_lines: [{ ...TOMATOES, type: "return_fee" }] },
    })
    expect(expectKlarnaError(res, 400, "BAD_VALUE").error_messages.sort()).toEqual([
      "Bad value: order_lines[0].type",
      "Bad value: purchase_currency",
    ])
    const missing = await call(sim, "POST", "/payments/v1/sessions", { body: { order_amount: 1 } })
    expect(expectKlarnaError(missing, 400, "BAD_VALUE").error_messages.sort()).toEqual([
      "Bad value: order_lines",
      "Bad value: purchase_country",
      "Bad value: purchase_currency",
    ])
  })

  it("arithmetic → 400 BAD_VALUE naming the field (tax as Klarna Payments validates it)", async () => {
    const res = await call(sim, "POST", "/payments/v1/sessions", {
      body: {
        ...SESSION,
        order_lines: [line("Shirt", 2, 3000), { ...line("Hat", 1, 4000), total_tax_amount: 500 }],
        order_tax_amount: 1700,
      },
    })
    expect(expectKlarnaError(res, 400, "BAD_VALUE").error_messages).toEqual(["Bad value: order_lines[1].total_tax_amount"])
    const wrongTotal = await call(sim, "POST", "/payments/v1/sessions", { body: { ...SESSION, order_amount: 9999 } })
    expect(expectKlarnaError(wrongTotal, 400, "BAD_VALUE").error_messages).toEqual(["Bad value: order_amount"])
  })

  it("update session (204) is what create order is compared with", async () => {
    const created = await call(sim, "POST", "/payments/v1/sessions", { body: SESSION })
    const id = created.body.session_id
    const newLines = [line("Shirt", 1, 3000)]
    expect(
      (
        await call(sim, "POST", `/payments/v1/sessions/${id}`, {
          body: { order_amount: 3000, order_tax_amount: 600, order_lines: newLines },
        })
      ).status,
    ).toBe(204)
    const token = (await control(sim, "POST", `/sessions/${id}/authorize`)).body.authorization_token
    const res = await placeOrder(token, { ...SESSION, order_amount: 3000, order_tax_amount: 600, order_lines: newLines })
    expect(res.status).toBe(200)
    expect((await getOrder(sim, res.body.order_id)).order_amount).toBe(3000)
  })

  it("auto_capture captures the full amount at once", async () => {
    const { token } = await authorizedToken()
    const res = await placeOrder(token, { ...SESSION, auto_capture: true })
    expect(await getOrder(sim, res.body.order_id)).toMatchObject({ status: "CAPTURED", captured_amount: 10000 })
  })

  it("authorize of an unknown session → 404; of a completed session → 409", async () => {
    expect((await control(sim, "POST", "/sessions/nope/authorize")).status).toBe(404)
    const { sessionId, token } = await authorizedToken()
    await placeOrder(token)
    expect((await control(sim, "POST", `/sessions/${sessionId}/authorize`)).status).toBe(409)
  })

  it("Payments requests need auth too, and ignore idempotency keys", async () => {
    expectKlarnaError(await call(sim, "POST", "/payments/v1/sessions", { body: SESSION, auth: false }), 401, "UNAUTHORIZED")
    const a = await call(sim, "POST", "/payments/v1/sessions", { body: SESSION, idempotencyKey: "p" })
    const b = await call(sim, "POST", "/payments/v1/sessions", { body: SESSION, idempotencyKey: "p" })
    expect(a.body.session_id).not.toBe(b.body.session_id)
  })

  it("the order is visible through OM GET with its captures list empty", async () => {
    const { token } = await authorizedToken()
    const res = await placeOrder(token)
    const om = await call(sim, "GET", `${OM}/${res.body.order_id}/captures`)
    expect(om.body).toEqual([])
  })
})
