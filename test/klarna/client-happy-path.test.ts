/**
 * Every KlarnaClient method against the real Klarna simulator over HTTP.
 */
import { KlarnaApiError, KlarnaCallGate, type KlarnaApi } from "../../packages/core/src/klarna"
import {
  control,
  createOrder,
  failure,
  key,
  ONE_SHIRT,
  ORDER_FIXTURE,
  recordingClient,
  SHIPPING,
  SHIRT,
  simRequests,
  startSim,
  type Simulator,
} from "./support"

let sim: Simulator

beforeAll(async () => {
  sim = await startSim()
})
afterAll(async () => {
  await sim.close()
})
beforeEach(async () => {
  await control(sim, "POST", "/__sim/reset")
})

describe("Order Management", () => {
  test("getOrder", async () => {
    const { client } = recordingClient(sim)
    const orderId = await createOrder(sim)
    const order = await client.getOrder(orderId)
    expect(order).toMatchObject({
      order_id: orderId,
      status: "AUTHORIZED",
      order_amount: 10500,
      captured_amount: 0,
      refunded_amount: 0,
      remaining_authorized_amount: 10500,
      purchase_currency: "EUR",
    })
    expect(order.order_lines).toHaveLength(2)
  })

  test("capture lifecycle: create (Capture-Id/Location), get, list, shipping info, send-out", async () => {
    const { client } = recordingClient(sim)
    const orderId = await createOrder(sim)
    const captureKey = key("capture")
    const created = await client.createCapture(
      orderId,
      { captured_amount: 5000, description: "Parcel 1", reference: "ful_01", order_lines: [ONE_SHIRT] },
      { idempotencyKey: captureKey },
    )
    // Read from the response headers, exactly as the simulator sent them.
    const [logged] = await simRequests(sim, { method: "POST", path_contains: "/captures" })
    expect(logged.status).toBe(201)
    expect(created.captureId).toBe(logged.response?.headers["Capture-Id"])
    expect(created.location).toBe(logged.response?.headers["Location"])
    expect(created.location).toMatch(new RegExp(`/ordermanagement/v1/orders/${orderId}/captures/${created.captureId}$`))
    expect(logged.headers["klarna-idempotency-key"]).toBe(captureKey)

    const capture = await client.getCapture(orderId, created.captureId)
    expect(capture).toMatchObject({ capture_id: created.captureId, captured_amount: 5000, description: "Parcel 1" })

    await client.appendCaptureShippingInfo(
      orderId,
      created.captureId,
      [
        {
          shipping_company: "dhl-express",
          shipping_method: "Home",
          tracking_number: "JD014600006281230704",
          tracking_uri: "https://track.example/JD014600006281230704",
        },
      ],
      { idempotencyKey: key("shipping") },
    )
    const withTracking = await client.getCapture(orderId, created.captureId)
    expect(withTracking.shipping_info).toEqual([
      expect.objectContaining({ shipping_company: "dhl-express", tracking_number: "JD014600006281230704" }),
    ])

    await client.triggerSendOut(orderId, created.captureId, { idempotencyKey: key("send-out") })

    const captures = await client.listCaptures(orderId)
    expect(captures.map((c) => c.capture_id)).toEqual([created.captureId])

    const order = await client.getOrder(orderId)
    expect(order).toMatchObject({ status: "PART_CAPTURED", captured_amount: 5000, remaining_authorized_amount: 5500 })
  })

  test("refund: create (Refund-Id/Location) and get", async () => {
    const { client } = recordingClient(sim)
    const orderId = await createOrder(sim)
    await client.createCapture(orderId, { captured_amount: 10500, order_lines: [SHIRT, SHIPPING] }, { idempotencyKey: key("cap") })
    const refund = await client.createRefund(
      orderId,
      { refunded_amount: 5000, description: "Returned one shirt", reference: "ref_01", order_lines: [ONE_SHIRT] },
      { idempotencyKey: key("refund") },
    )
    const [logged] = await simRequests(sim, { method: "POST", path_contains: "/refunds" })
    expect(refund.refundId).toBe(logged.response?.headers["Refund-Id"])
    expect(refund.location).toBe(logged.response?.headers["Location"])
    const got = await client.getRefund(orderId, refund.refundId)
    expect(got).toMatchObject({ refund_id: refund.refundId, refunded_amount: 5000, description: "Returned one shirt" })
    expect((await client.getOrder(orderId)).refunded_amount).toBe(5000)
  })

  test("releaseRemainingAuthorization after a partial capture", async () => {
    const { client } = recordingClient(sim)
    const orderId = await createOrder(sim)
    await client.createCapture(orderId, { captured_amount: 5000, order_lines: [ONE_SHIRT] }, { idempotencyKey: key("cap") })
    await client.releaseRemainingAuthorization(orderId, { idempotencyKey: key("release") })
    const order = await client.getOrder(orderId)
    expect(order.remaining_authorized_amount).toBe(0)
    expect(order.captured_amount).toBe(5000)
  })

  test("cancelOrder", async () => {
    const { client } = recordingClient(sim)
    const orderId = await createOrder(sim)
    await client.cancelOrder(orderId, { idempotencyKey: key("cancel") })
    expect((await client.getOrder(orderId)).status).toBe("CANCELLED")
  })

  test("extendAuthorizationTime", async () => {
    const { client } = recordingClient(sim)
    const soon = new Date(Date.now() + 2 * 24 * 3600 * 1000).toISOString()
    const orderId = await createOrder(sim, { expires_at: soon })
    await client.extendAuthorizationTime(orderId, { idempotencyKey: key("extend") })
    const order = await client.getOrder(orderId)
    expect(Date.parse(order.expires_at ?? "")).toBeGreaterThan(Date.parse(soon))
  })

  test("updateMerchantReferences", async () => {
    const { client } = recordingClient(sim)
    const orderId = await createOrder(sim)
    await client.updateMerchantReferences(
      orderId,
      { merchant_reference1: "10001", merchant_reference2: "order_01HXYZ" },
      { idempotencyKey: key("refs") },
    )
    const [logged] = await simRequests(sim, { method: "PATCH" })
    expect(logged.body).toEqual({ merchant_reference1: "10001", merchant_reference2: "order_01HXYZ" })
    expect(await client.getOrder(orderId)).toMatchObject({ merchant_reference1: "10001", merchant_reference2: "order_01HXYZ" })
  })

  test("updateAuthorization (lower the amount, new lines)", async () => {
    const { client } = recordingClient(sim)
    const orderId = await createOrder(sim)
    await client.updateAuthorization(
      orderId,
      { order_amount: 5500, order_lines: [ONE_SHIRT, SHIPPING] },
      { idempotencyKey: key("update-auth") },
    )
    expect(await client.getOrder(orderId)).toMatchObject({ order_amount: 5500, remaining_authorized_amount: 5500 })
  })

  test("the client satisfies the KlarnaApi interface", () => {
    const api: KlarnaApi = recordingClient(sim).client
    expect(typeof api.createCapture).toBe("function")
  })
})

describe("Klarna Payments (checkout)", () => {
  const sessionRequest = { ...ORDER_FIXTURE, locale: "de-DE", merchant_reference1: "cart_01" }

  test("create session → (widget authorizes) → create order → the OM order exists", async () => {
    const { client } = recordingClient(sim)
    const session = await client.createPaymentSession(sessionRequest)
    expect(session.session_id).toEqual(expect.any(String))
    expect(session.client_token).toEqual(expect.any(String))
    expect(session.payment_method_categories?.[0]?.identifier).toBe("klarna")

    const { authorization_token } = await control<{ authorization_token: string }>(
      sim,
      "POST",
      `/__sim/sessions/${session.session_id}/authorize`,
    )
    const order = await client.createOrderFromAuthorization(authorization_token, {
      ...sessionRequest,
      merchant_urls: { confirmation: "https://shop.example/confirm" },
    })
    expect(order.order_id).toEqual(expect.any(String))
    expect(order.fraud_status).toBe("ACCEPTED")
    expect(order.redirect_url).toEqual(expect.any(String))

    const om = await client.getOrder(order.order_id)
    expect(om).toMatchObject({ order_id: order.order_id, status: "AUTHORIZED", order_amount: 10500 })
  })

  test("at the call gate, a checkout call goes ahead of the sync's captures already waiting", async () => {
    const orderIds = await Promise.all([1, 2, 3, 4].map(() => createOrder(sim)))
    await control(sim, "POST", "/__sim/config", { latencyMs: 80, jitterMs: 0 })
    try {
      // One call at a time: the first capture goes, the other three wait at the gate.
      const { client } = recordingClient(sim, { gate: new KlarnaCallGate({ initialInFlight: 1, maxInFlight: 1 }) })
      const captures = orderIds.map((orderId, i) =>
        client.createCapture(
          orderId,
          { captured_amount: 5000, reference: `ful_gate_${i}`, order_lines: [ONE_SHIRT] },
          { idempotencyKey: key(`gate-${i}`) },
        ),
      )
      await new Promise((resolve) => setTimeout(resolve, 20))
      const session = client.createPaymentSession(sessionRequest)
      await Promise.all([...captures, session])
      const sent = (await simRequests(sim, { method: "POST" }))
        .filter((r) => r.path === "/payments/v1/sessions" || orderIds.some((id) => r.path === `/ordermanagement/v1/orders/${id}/captures`))
        .slice(-5)
        .map((r) => (r.path === "/payments/v1/sessions" ? "session" : `capture ${orderIds.findIndex((id) => r.path.includes(id))}`))
      expect(sent).toEqual(["capture 0", "session", "capture 1", "capture 2", "capture 3"])
    } finally {
      await control(sim, "POST", "/__sim/config", { latencyMs: 0, jitterMs: 0 })
    }
  })

  test("cancelAuthorization: the token can no longer place an order", async () => {
    const { client } = recordingClient(sim)
    const session = await client.createPaymentSession(sessionRequest)
    const { authorization_token } = await control<{ authorization_token: string }>(
      sim,
      "POST",
      `/__sim/sessions/${session.session_id}/authorize`,
    )
    await client.cancelAuthorization(authorization_token)
    const [logged] = await simRequests(sim, { method: "DELETE" })
    expect(logged.status).toBe(204)
    const err = await failure(client.createOrderFromAuthorization(authorization_token, sessionRequest))
    expect(err).toBeInstanceOf(KlarnaApiError)
    expect(err.httpStatus).toBe(404)
    expect(err.operation).toBe("createOrderFromAuthorization")
  })
})
