/**
 * Errors, retries, timeouts and idempotency of KlarnaClient against the real simulator, with faults
 * injected through its control API and the wire checked in its request log.
 */
import {
  KlarnaApiError,
  KlarnaAuthenticationError,
  KlarnaClient,
  KlarnaConnectionError,
  KlarnaRateLimitError,
  type KlarnaOperation,
} from "../../packages/core/src/klarna"
import { addFault, control, createOrder, failure, key, ONE_SHIRT, recordingClient, simRequests, startSim, type Simulator } from "./support"

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

describe("Klarna errors become KlarnaError with Klarna's fields", () => {
  test("403 CAPTURE_NOT_ALLOWED", async () => {
    const { client } = recordingClient(sim)
    const orderId = await createOrder(sim)
    const err = await failure(client.createCapture(orderId, { captured_amount: 20000 }, { idempotencyKey: key("over") }))
    expect(err).toBeInstanceOf(KlarnaApiError)
    expect(err.httpStatus).toBe(403)
    expect(err.errorCode).toBe("CAPTURE_NOT_ALLOWED")
    expect(err.errorMessages.length).toBeGreaterThan(0)
    expect(err.correlationId).toEqual(expect.any(String))
    expect(err.retryable).toBe(false)
    expect(err.operation).toBe("createCapture")
    expect(err.attempts).toBe(1)
    expect(err.message).toBe(
      `Klarna CAPTURE_NOT_ALLOWED (403) on createCapture: ${err.errorMessages.join("; ")} [correlation_id ${err.correlationId}]`,
    )
    // The body's correlation id is the one the simulator sent.
    const [logged] = await simRequests(sim, { method: "POST" })
    expect((logged.response?.body as { correlation_id: string }).correlation_id).toBe(err.correlationId)
    // 4xx: not retried.
    expect(await simRequests(sim, { method: "POST" })).toHaveLength(1)
  })

  test("404 NO_SUCH_ORDER", async () => {
    const { client } = recordingClient(sim)
    const err = await failure(client.getOrder("5ef9a5b3-6c08-42e1-91a3-065dcae5c5dd"))
    expect(err).toBeInstanceOf(KlarnaApiError)
    expect(err.httpStatus).toBe(404)
    expect(err.errorCode).toBe("NO_SUCH_ORDER")
    expect(err.retryable).toBe(false)
    expect(err.operation).toBe("getOrder")
    expect(err.correlationId).toEqual(expect.any(String))
    expect(await simRequests(sim)).toHaveLength(1)
  })

  test("422 UNPROCESSABLE_ENTITY (shipping_company longer than 100)", async () => {
    const { client } = recordingClient(sim)
    const orderId = await createOrder(sim)
    const { captureId } = await client.createCapture(
      orderId,
      { captured_amount: 5000, order_lines: [ONE_SHIRT] },
      { idempotencyKey: key("c") },
    )
    const err = await failure(
      client.appendCaptureShippingInfo(orderId, captureId, [{ shipping_company: "x".repeat(101), tracking_number: "1" }], {
        idempotencyKey: key("s"),
      }),
    )
    expect(err.httpStatus).toBe(422)
    expect(err.errorCode).toBe("UNPROCESSABLE_ENTITY")
    expect(err.errorMessages.join(" ")).toMatch(/shipping_company/)
    expect(err.retryable).toBe(false)
    expect(await simRequests(sim, { path_contains: "/shipping-info" })).toHaveLength(1)
  })

  test("401 with wrong credentials: KlarnaAuthenticationError, not retried", async () => {
    const client = new KlarnaClient({ username: sim.username, password: "wrong-password-123", baseUrl: sim.url, sleep: async () => {} })
    const orderId = await createOrder(sim)
    const err = await failure(client.getOrder(orderId))
    expect(err).toBeInstanceOf(KlarnaAuthenticationError)
    expect(err.httpStatus).toBe(401)
    expect(err.retryable).toBe(false)
    expect(err.attempts).toBe(1)
    expect(await simRequests(sim)).toHaveLength(1)
  })

  test("injected 400: never retried", async () => {
    const { client, sleeps } = recordingClient(sim)
    const orderId = await createOrder(sim)
    await addFault(sim, { method: "POST", path: "/cancel", times: 5 }, { type: "http", status: 400 })
    const err = await failure(client.cancelOrder(orderId, { idempotencyKey: key("cancel") }))
    expect(err.httpStatus).toBe(400)
    expect(sleeps).toEqual([])
    expect(await simRequests(sim, { path_contains: "/cancel" })).toHaveLength(1)
  })
})

describe("retries", () => {
  test("503 then success: retried with the same idempotency key and body", async () => {
    const { client, sleeps, events } = recordingClient(sim)
    const orderId = await createOrder(sim)
    await addFault(sim, { method: "POST", path: "/captures", times: 1 }, { type: "http", status: 503 })
    const captureKey = key("capture-503")
    const result = await client.createCapture(orderId, { captured_amount: 5000, order_lines: [ONE_SHIRT] }, { idempotencyKey: captureKey })

    const attempts = await simRequests(sim, { method: "POST", path_contains: "/captures" })
    expect(attempts.map((a) => a.status)).toEqual([503, 201])
    expect(attempts.map((a) => a.headers["klarna-idempotency-key"])).toEqual([captureKey, captureKey])
    expect(attempts[1].body).toEqual(attempts[0].body)
    expect(result.captureId).toBe(attempts[1].response?.headers["Capture-Id"])
    expect(sleeps).toEqual([250])
    expect(events.map((e) => [e.attempt, e.status, e.outcome])).toEqual([
      [1, 503, "retrying"],
      [2, 201, "success"],
    ])
    expect(events[0].errorCode).toBe("TEMPORARILY_UNAVAILABLE")
  })

  test("429 with Retry-After: the wait is exactly what the server asked", async () => {
    const { client, sleeps } = recordingClient(sim)
    const orderId = await createOrder(sim)
    await addFault(sim, { method: "GET", times: 1 }, { type: "rate_limit", retry_after_seconds: 2, reset_seconds: 7 })
    await expect(client.getOrder(orderId)).resolves.toMatchObject({ order_id: orderId })
    expect(sleeps).toEqual([2000])
    expect((await simRequests(sim)).map((r) => r.status)).toEqual([429, 200])
  })

  test("429 with only X-Ratelimit-Reset", async () => {
    const { client, sleeps } = recordingClient(sim)
    const orderId = await createOrder(sim)
    await addFault(
      sim,
      { method: "GET", times: 1 },
      {
        type: "http",
        status: 429,
        headers: { "X-Ratelimit-Reset": "3" },
        body: { error_code: "TOO_MANY_REQUESTS", error_messages: ["Too many requests"] },
      },
    )
    await client.getOrder(orderId)
    expect(sleeps).toEqual([3000])
  })

  test("429 asking for longer than maxRetryAfterMs: fails fast, retryable, with retryAfterMs", async () => {
    const { client, sleeps } = recordingClient(sim)
    const orderId = await createOrder(sim)
    await addFault(sim, { method: "GET", times: 1 }, { type: "rate_limit", retry_after_seconds: 120 })
    const err = await failure(client.getOrder(orderId))
    expect(err).toBeInstanceOf(KlarnaRateLimitError)
    expect(err.errorCode).toBe("TOO_MANY_REQUESTS")
    expect(err.retryable).toBe(true)
    expect(err.retryAfterMs).toBe(120_000)
    expect(sleeps).toEqual([])
  })

  test("timeout: the attempt is abandoned and retried", async () => {
    const { client, events } = recordingClient(sim)
    const orderId = await createOrder(sim)
    await addFault(sim, { method: "POST", path: "/extend-authorization-time", times: 1 }, { type: "timeout", ms: 5000 })
    const extendKey = key("extend")
    const started = Date.now()
    await client.extendAuthorizationTime(orderId, { idempotencyKey: extendKey, timeoutMs: 200 })
    expect(Date.now() - started).toBeLessThan(3000)
    expect(events.map((e) => [e.attempt, e.outcome, e.networkError])).toEqual([
      [1, "retrying", "timed out after 200 ms"],
      [2, "success", undefined],
    ])
    const attempts = await simRequests(sim, { path_contains: "/extend-authorization-time" })
    expect(attempts.map((a) => [a.status, a.fault])).toEqual([
      [null, "timeout"],
      [204, undefined],
    ])
    expect(attempts.map((a) => a.headers["klarna-idempotency-key"])).toEqual([extendKey, extendKey])
  })

  test("timeouts exhaust the retries: KlarnaConnectionError", async () => {
    const { client } = recordingClient(sim, { timeoutMs: 100, maxRetries: 2 })
    const orderId = await createOrder(sim)
    await addFault(sim, { method: "GET", times: 10 }, { type: "timeout", ms: 5000 })
    const err = await failure(client.getOrder(orderId))
    expect(err).toBeInstanceOf(KlarnaConnectionError)
    expect((err as KlarnaConnectionError).timedOut).toBe(true)
    expect(err.httpStatus).toBeUndefined()
    expect(err.attempts).toBe(3)
    expect(err.retryable).toBe(true)
    expect(err.message).toBe("Klarna connection error on getOrder: timed out after 100 ms (3 attempts)")
  })

  test("503 until retries run out: the error says how many attempts were made", async () => {
    const { client, sleeps } = recordingClient(sim, { maxRetries: 2 })
    const orderId = await createOrder(sim)
    await addFault(sim, { method: "POST", path: "/refunds", times: 10 }, { type: "http", status: 503 })
    const err = await failure(client.createRefund(orderId, { refunded_amount: 100 }, { idempotencyKey: key("r") }))
    expect(err.httpStatus).toBe(503)
    expect(err.attempts).toBe(3)
    expect(err.retryable).toBe(true)
    expect(sleeps).toEqual([250, 500])
    expect(await simRequests(sim, { path_contains: "/refunds" })).toHaveLength(3)
  })

  test("per-call maxRetries override", async () => {
    const { client } = recordingClient(sim, { maxRetries: 5 })
    const orderId = await createOrder(sim)
    await addFault(sim, { method: "GET", times: 10 }, { type: "http", status: 500 })
    const err = await failure(client.getOrder(orderId, { maxRetries: 0 }))
    expect(err.attempts).toBe(1)
    expect(await simRequests(sim)).toHaveLength(1)
  })
})

describe("idempotency", () => {
  test("apply_then_drop: the retry with the same key gets the same capture; Klarna holds ONE capture", async () => {
    const { client, events } = recordingClient(sim)
    const orderId = await createOrder(sim)
    await addFault(sim, { method: "POST", path: "/captures", times: 1 }, { type: "apply_then_drop" })
    const captureKey = key("capture-drop")
    const result = await client.createCapture(orderId, { captured_amount: 5000, order_lines: [ONE_SHIRT] }, { idempotencyKey: captureKey })

    const attempts = await simRequests(sim, { method: "POST", path_contains: "/captures" })
    expect(attempts).toHaveLength(2)
    expect(attempts[0]).toMatchObject({ status: 201, dropped: true })
    expect(attempts[1]).toMatchObject({ status: 201, replayed: true })
    expect(attempts.map((a) => a.headers["klarna-idempotency-key"])).toEqual([captureKey, captureKey])
    // The id the client returns is the one created by the first (dropped) attempt.
    expect(result.captureId).toBe(attempts[0].response?.headers["Capture-Id"])
    expect(events[0]).toMatchObject({ attempt: 1, outcome: "retrying" })
    expect(events[0].networkError).toEqual(expect.any(String))

    const simOrder = await control<{ captures: unknown[]; captured_amount: number }>(sim, "GET", `/__sim/orders/${orderId}`)
    expect(simOrder.captures).toHaveLength(1)
    expect(simOrder.captured_amount).toBe(5000)
    expect(await client.listCaptures(orderId)).toHaveLength(1)
  })

  test("apply_then_drop with no retries left: the caller retries later with the same key and gets the same capture", async () => {
    const { client } = recordingClient(sim, { maxRetries: 0 })
    const orderId = await createOrder(sim)
    await addFault(sim, { method: "POST", path: "/captures", times: 1 }, { type: "apply_then_drop" })
    const captureKey = key("capture-outbox")
    const err = await failure(client.createCapture(orderId, { captured_amount: 5000 }, { idempotencyKey: captureKey }))
    expect(err).toBeInstanceOf(KlarnaConnectionError)
    expect(err.retryable).toBe(true)
    const again = await client.createCapture(orderId, { captured_amount: 5000 }, { idempotencyKey: captureKey })
    const [first] = await simRequests(sim, { method: "POST", path_contains: "/captures" })
    expect(again.captureId).toBe(first.response?.headers["Capture-Id"])
    expect(await client.listCaptures(orderId)).toHaveLength(1)
  })

  test("a mutation without an idempotency key (Payments create session) is not retried", async () => {
    const { client, sleeps } = recordingClient(sim)
    await addFault(sim, { method: "POST", path: "/payments/v1/sessions", times: 1 }, { type: "http", status: 503 })
    const err = await failure(
      client.createPaymentSession({ purchase_country: "DE", purchase_currency: "EUR", order_amount: 0, order_lines: [] }),
    )
    expect(err.httpStatus).toBe(503)
    expect(err.retryable).toBe(false)
    expect(err.attempts).toBe(1)
    expect(sleeps).toEqual([])
    const attempts = await simRequests(sim, { path_contains: "/payments/v1/sessions" })
    expect(attempts).toHaveLength(1)
    expect(attempts[0].headers["klarna-idempotency-key"]).toBeUndefined()
  })

  test("an OM mutation sent without a key through the raw request() is not retried either (even on a drop)", async () => {
    const { client } = recordingClient(sim)
    const orderId = await createOrder(sim)
    await addFault(sim, { method: "POST", path: "/cancel", times: 1 }, { type: "apply_then_drop" })
    const keyless: KlarnaOperation<void> = {
      name: "cancelOrderWithoutKey",
      method: "POST",
      path: `/ordermanagement/v1/orders/${orderId}/cancel`,
      safeToRetry: false,
      parse: () => ({ ok: true, value: undefined }),
    }
    const err = await failure(client.request(keyless))
    expect(err).toBeInstanceOf(KlarnaConnectionError)
    expect(err.retryable).toBe(false)
    expect(await simRequests(sim, { path_contains: "/cancel" })).toHaveLength(1)
  })

  test("OM mutations refuse to run without a key: nothing reaches Klarna", async () => {
    const { client } = recordingClient(sim)
    const orderId = await createOrder(sim)
    const err = await failure(client.createCapture(orderId, { captured_amount: 100 }, { idempotencyKey: undefined as unknown as string }))
    expect(err.name).toBe("KlarnaInvalidRequestError")
    expect(err.attempts).toBe(0)
    expect(await simRequests(sim)).toHaveLength(0)
  })
})
