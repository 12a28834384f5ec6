/**
 * The credentials never leave the client: make every kind of failure happen against the real simulator,
 * then search everything the client produced (errors in every rendering, every logger call with all its
 * arguments, every attempt event, the client object) for the username, the password and the Basic token.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { inspect } from "node:util"
import { KlarnaClient, KlarnaError, type KlarnaAttemptEvent } from "../../packages/core/src/klarna"
import { addFault, control, createOrder, failure, key, recordingClient, startSim, type Simulator } from "./support"

let sim: Simulator

beforeAll(async () => {
  sim = await startSim()
})
afterAll(async () => {
  await sim.close()
})

async function closedPortUrl(): Promise<string> {
  const s = createServer()
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve))
  const port = (s.address() as AddressInfo).port
  await new Promise((resolve) => s.close(resolve))
  return `http://127.0.0.1:${port}`
}

test("credentials never appear in errors, messages, serialisations, logs or events", async () => {
  await control(sim, "POST", "/__sim/reset")
  const WRONG_PASSWORD = "wrong-pw-Qz9#also-secret"
  const produced: string[] = []
  const loggers: string[][] = []
  const events: KlarnaAttemptEvent[][] = []
  const clients: KlarnaClient[] = []

  const collect = (err: KlarnaError): void => {
    produced.push(
      err.message,
      String(err),
      String(err.stack),
      JSON.stringify(err),
      inspect(err, { depth: 10, showHidden: true }),
      JSON.stringify(err.errorMessages),
      String(err.errorCode),
      String(err.correlationId),
    )
  }
  const make = (extra: Parameters<typeof recordingClient>[1] = {}) => {
    const r = recordingClient(sim, extra)
    loggers.push(r.logs)
    events.push(r.events)
    clients.push(r.client)
    return r.client
  }

  const client = make()
  const orderId = await createOrder(sim)

  // 403, 404, 422
  collect(await failure(client.createCapture(orderId, { captured_amount: 999999 }, { idempotencyKey: key("403") })))
  collect(await failure(client.getOrder("00000000-0000-0000-0000-000000000000")))
  const { captureId } = await client.createCapture(orderId, { captured_amount: 100 }, { idempotencyKey: key("ok") })
  collect(
    await failure(
      client.appendCaptureShippingInfo(orderId, captureId, [{ shipping_company: "y".repeat(150) }], { idempotencyKey: key("422") }),
    ),
  )
  // 401 (the wrong password must not leak either)
  const wrong = make({ password: WRONG_PASSWORD })
  collect(await failure(wrong.getOrder(orderId)))
  // 5xx until exhausted, 429 too long, timeout, dropped connection without retries, Payments 503
  await addFault(sim, { method: "GET", times: 10 }, { type: "http", status: 503 })
  collect(await failure(client.getOrder(orderId, { maxRetries: 2 })))
  await control(sim, "DELETE", "/__sim/faults")
  await addFault(sim, { method: "GET", times: 1 }, { type: "rate_limit", retry_after_seconds: 600 })
  collect(await failure(client.listCaptures(orderId)))
  await addFault(sim, { method: "POST", path: "/cancel", times: 5 }, { type: "timeout", ms: 3000 })
  collect(await failure(client.cancelOrder(orderId, { idempotencyKey: key("t"), timeoutMs: 50, maxRetries: 1 })))
  await control(sim, "DELETE", "/__sim/faults")
  await addFault(sim, { method: "POST", path: "/refunds", times: 1 }, { type: "apply_then_drop" })
  collect(await failure(client.createRefund(orderId, { refunded_amount: 10 }, { idempotencyKey: key("drop"), maxRetries: 0 })))
  await addFault(sim, { method: "POST", path: "/payments/v1/sessions", times: 1 }, { type: "http", status: 503 })
  collect(
    await failure(client.createPaymentSession({ purchase_country: "DE", purchase_currency: "EUR", order_amount: 0, order_lines: [] })),
  )
  // A request rejected before sending, and a host that refuses connections
  collect(await failure(client.releaseRemainingAuthorization(orderId, { idempotencyKey: "" })))
  const refused = make({ baseUrl: await closedPortUrl(), maxRetries: 1 })
  collect(await failure(refused.getOrder(orderId)))

  for (const logs of loggers) produced.push(...logs)
  for (const e of events) produced.push(JSON.stringify(e), inspect(e, { depth: 10 }))
  for (const c of clients) produced.push(JSON.stringify(c), inspect(c, { depth: 10, showHidden: true }), String(c))

  const all = produced.join("\n")
  const secrets = [
    sim.username,
    sim.password,
    WRONG_PASSWORD,
    Buffer.from(`${sim.username}:${sim.password}`).toString("base64"),
    Buffer.from(`${sim.username}:${WRONG_PASSWORD}`).toString("base64"),
  ]
  for (const secret of secrets) expect(all).not.toContain(secret)
  expect(all).not.toMatch(/authorization["':\s]+basic/i)
  expect(all).not.toMatch(/Basic [A-Za-z0-9+/=]{8,}/)
  // Sanity: every kind of failure did produce output, and the logger saw each attempt.
  expect(loggers.flat().length).toBeGreaterThanOrEqual(15)
  expect(all).toMatch(/CAPTURE_NOT_ALLOWED/)
  expect(all).toMatch(/NO_SUCH_ORDER/)
  expect(all).toMatch(/UNPROCESSABLE_ENTITY/)
  expect(all).toMatch(/\(401\)|HTTP 401/)
  expect(all).toMatch(/timed out after 50 ms/)
  expect(all).toMatch(/ECONNREFUSED/)
})
