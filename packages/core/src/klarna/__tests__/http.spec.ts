/**
 * The request function against a scripted local HTTP server (real sockets, no mocks of fetch).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { inspect } from "node:util"
import { KlarnaClient } from "../client"
import type { KlarnaAttemptEvent, KlarnaClientConfig, KlarnaLogger } from "../config"
import {
  KlarnaApiError,
  KlarnaAuthenticationError,
  KlarnaConnectionError,
  KlarnaError,
  KlarnaInvalidRequestError,
  KlarnaRateLimitError,
  KlarnaUnexpectedResponseError,
} from "../errors"
import { PACKAGE_VERSION } from "../version"

const USERNAME = "PK_test_merchant_4711"
const PASSWORD = "pw-Zq8!secret-do-not-leak"
const KEY = "0b6f4a4e-8c1e-5d2f-9a55-6f1f3d2c1b0a"

interface Recorded {
  method: string
  url: string
  headers: IncomingMessage["headers"]
  body: string
}
type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void

let server: Server
let baseUrl: string
let script: Handler[] = []
let fallback: Handler
let recorded: Recorded[] = []

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8")
      recorded.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body })
      const handler = script.shift() ?? fallback
      handler(req, res, body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

beforeEach(() => {
  script = []
  recorded = []
  fallback = json(500, { error_code: "UNSCRIPTED", error_messages: ["no handler"] })
})

function json(status: number, body: unknown, headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res.writeHead(status, { "Content-Type": "application/json", ...headers })
    res.end(JSON.stringify(body))
  }
}
function empty(status: number, headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res.writeHead(status, headers)
    res.end()
  }
}
function stall(ms: number, then: Handler): Handler {
  return (req, res, body) => {
    const t = setTimeout(() => then(req, res, body), ms)
    res.on("close", () => clearTimeout(t))
  }
}

interface Harness {
  client: KlarnaClient
  sleeps: number[]
  events: KlarnaAttemptEvent[]
  logs: string[]
}

function harness(extra: Partial<KlarnaClientConfig> = {}): Harness {
  const sleeps: number[] = []
  const events: KlarnaAttemptEvent[] = []
  const logs: string[] = []
  const record =
    (level: string) =>
    (message: string, meta?: Record<string, unknown>): void => {
      logs.push(`${level} ${message} ${JSON.stringify(meta ?? {})} ${inspect(meta, { depth: 10 })}`)
    }
  const logger: KlarnaLogger = { debug: record("debug"), info: record("info"), warn: record("warn"), error: record("error") }
  const client = new KlarnaClient({
    username: USERNAME,
    password: PASSWORD,
    baseUrl,
    logger,
    onResponse: (e) => events.push(e),
    sleep: async (ms) => {
      sleeps.push(ms)
    },
    random: () => 0,
    ...extra,
  })
  return { client, sleeps, events, logs }
}

/** A local port with nothing listening on it. */
async function closedPortUrl(): Promise<string> {
  const s = createServer()
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve))
  const port = (s.address() as AddressInfo).port
  await new Promise((resolve) => s.close(resolve))
  return `http://127.0.0.1:${port}`
}

async function failure(p: Promise<unknown>): Promise<KlarnaError> {
  try {
    await p
  } catch (e: unknown) {
    if (e instanceof KlarnaError) return e
    throw e
  }
  throw new Error("expected the call to fail")
}

describe("what goes on the wire", () => {
  test("Basic auth, User-Agent, JSON, idempotency key", async () => {
    script = [empty(201, { "Capture-Id": "cap-1", Location: `${baseUrl}/ordermanagement/v1/orders/o-1/captures/cap-1` })]
    const { client } = harness({ userAgentSuffix: "medusa/1.20.8" })
    const result = await client.createCapture("o-1", { captured_amount: 1000, description: "Shipped" }, { idempotencyKey: KEY })
    expect(result).toEqual({
      captureId: "cap-1",
      location: `${baseUrl}/ordermanagement/v1/orders/o-1/captures/cap-1`,
      correlationId: undefined,
    })
    expect(recorded).toHaveLength(1)
    const [r] = recorded
    expect(r.method).toBe("POST")
    expect(r.url).toBe("/ordermanagement/v1/orders/o-1/captures")
    expect(r.headers.authorization).toBe(`Basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString("base64")}`)
    expect(r.headers["user-agent"]).toBe(`klarna-order-sync/${PACKAGE_VERSION} (node ${process.versions.node}) medusa/1.20.8`)
    expect(r.headers["content-type"]).toBe("application/json")
    expect(r.headers.accept).toBe("application/json")
    expect(r.headers["klarna-idempotency-key"]).toBe(KEY)
    expect(JSON.parse(r.body)).toEqual({ captured_amount: 1000, description: "Shipped" })
  })

  test("GETs carry no body, no content type and no idempotency key", async () => {
    script = [json(200, { order_id: "o-1", status: "AUTHORIZED" })]
    const { client } = harness()
    await expect(client.getOrder("o-1")).resolves.toMatchObject({ order_id: "o-1" })
    expect(recorded[0].headers["content-type"]).toBeUndefined()
    expect(recorded[0].headers["klarna-idempotency-key"]).toBeUndefined()
    expect(recorded[0].body).toBe("")
  })

  test("a mutation without an idempotency key is rejected before anything is sent", async () => {
    const { client } = harness()
    const err = await failure(client.cancelOrder("o-1", {} as never))
    expect(err).toBeInstanceOf(KlarnaInvalidRequestError)
    const err2 = await failure(client.createCapture("o-1", { captured_amount: 1 }, undefined as never))
    expect(err2).toBeInstanceOf(KlarnaInvalidRequestError)
    expect(recorded).toHaveLength(0)
  })

  test("redirects are not followed (credentials stay with the configured host)", async () => {
    script = [empty(302, { Location: "http://example.invalid/elsewhere" })]
    const { client } = harness()
    const err = await failure(client.getOrder("o-1"))
    expect(err).toBeInstanceOf(KlarnaApiError)
    expect(err.httpStatus).toBe(302)
    expect(recorded).toHaveLength(1)
  })
})

describe("retries", () => {
  test("503 then 201: retried once with the same idempotency key and body, after the backoff delay", async () => {
    script = [
      json(503, { error_code: "TEMPORARILY_UNAVAILABLE", error_messages: ["Temporarily unavailable"] }),
      empty(201, { "Capture-Id": "cap-2" }),
    ]
    const { client, sleeps, events } = harness()
    const result = await client.createCapture("o-1", { captured_amount: 5 }, { idempotencyKey: KEY })
    expect(result.captureId).toBe("cap-2")
    expect(recorded.map((r) => r.headers["klarna-idempotency-key"])).toEqual([KEY, KEY])
    expect(recorded[0].body).toBe(recorded[1].body)
    expect(sleeps).toEqual([250]) // base 500 ms, random 0 → lower half bound
    expect(events.map((e) => [e.attempt, e.status, e.outcome, e.errorCode])).toEqual([
      [1, 503, "retrying", "TEMPORARILY_UNAVAILABLE"],
      [2, 201, "success", undefined],
    ])
  })

  test("backoff grows per retry; gives up after maxRetries with the attempt count", async () => {
    fallback = json(500, { error_code: "INTERNAL_SERVER_ERROR", error_messages: ["Unexpected server error"] })
    const { client, sleeps } = harness({ maxRetries: 3 })
    const err = await failure(client.getOrder("o-1"))
    expect(recorded).toHaveLength(4)
    expect(sleeps).toEqual([250, 500, 1000])
    expect(err).toBeInstanceOf(KlarnaApiError)
    expect(err.attempts).toBe(4)
    expect(err.retryable).toBe(true)
    expect(err.message).toBe("Klarna INTERNAL_SERVER_ERROR (500) on getOrder: Unexpected server error (4 attempts)")
  })

  test("429 with Retry-After: waits exactly what the server asked", async () => {
    script = [json(429, { error_code: "TOO_MANY_REQUESTS" }, { "Retry-After": "2" }), json(200, { order_id: "o-1" })]
    const { client, sleeps } = harness()
    await client.getOrder("o-1")
    expect(sleeps).toEqual([2000])
  })

  test("429 with X-Ratelimit-Reset", async () => {
    script = [json(429, { error_code: "TOO_MANY_REQUESTS" }, { "X-Ratelimit-Reset": "3" }), json(200, { order_id: "o-1" })]
    const { client, sleeps } = harness()
    await client.getOrder("o-1")
    expect(sleeps).toEqual([3000])
  })

  test("429 asking for an hour: not waited for; a retryable rate-limit error with retryAfterMs", async () => {
    script = [json(429, { error_code: "TOO_MANY_REQUESTS", error_messages: ["Too many requests"] }, { "Retry-After": "3600" })]
    const { client, sleeps } = harness()
    const err = await failure(client.getOrder("o-1"))
    expect(err).toBeInstanceOf(KlarnaRateLimitError)
    expect(err.retryable).toBe(true)
    expect(err.retryAfterMs).toBe(3_600_000)
    expect(sleeps).toEqual([])
    expect(recorded).toHaveLength(1)
  })

  test.each([400, 401, 403, 404, 413, 422])("%i is never retried", async (status) => {
    script = [json(status, { error_code: "X", error_messages: ["no"] })]
    const { client, sleeps } = harness()
    const err = await failure(client.cancelOrder("o-1", { idempotencyKey: KEY }))
    expect(recorded).toHaveLength(1)
    expect(sleeps).toEqual([])
    expect(err.httpStatus).toBe(status)
    expect(err.retryable).toBe(false)
    if (status === 401) expect(err).toBeInstanceOf(KlarnaAuthenticationError)
  })

  test.each([408, 409])("%i is retried", async (status) => {
    script = [json(status, { error_code: "X" }), empty(204)]
    const { client } = harness()
    await client.cancelOrder("o-1", { idempotencyKey: KEY })
    expect(recorded).toHaveLength(2)
  })

  test("a POST without an idempotency key (Payments) is not retried, and its error is not retryable", async () => {
    script = [json(503, { error_code: "TEMPORARILY_UNAVAILABLE" }), json(200, { session_id: "s", client_token: "t" })]
    const { client, sleeps } = harness()
    const err = await failure(
      client.createPaymentSession({ purchase_country: "SE", purchase_currency: "SEK", order_amount: 1, order_lines: [] }),
    )
    expect(err.httpStatus).toBe(503)
    expect(err.retryable).toBe(false)
    expect(recorded).toHaveLength(1)
    expect(sleeps).toEqual([])
  })

  test("per-call maxRetries override", async () => {
    fallback = json(503, {})
    const { client } = harness({ maxRetries: 5 })
    const err = await failure(client.getOrder("o-1", { maxRetries: 1 }))
    expect(recorded).toHaveLength(2)
    expect(err.attempts).toBe(2)
  })

  test("maxRetries 0 in the config", async () => {
    fallback = json(503, {})
    const { client } = harness({ maxRetries: 0 })
    await failure(client.getOrder("o-1"))
    expect(recorded).toHaveLength(1)
  })
})

describe("timeouts and network errors", () => {
  test("a slow response times out per attempt and is retried (per-call timeout override)", async () => {
    script = [stall(1000, json(200, { order_id: "late" })), json(200, { order_id: "o-1" })]
    const { client, events } = harness({ timeoutMs: 10_000 })
    // The stalled answer ("late") is never the result: the first attempt was cut at 100 ms and retried.
    await expect(client.getOrder("o-1", { timeoutMs: 100 })).resolves.toMatchObject({ order_id: "o-1" })
    expect(events[0]).toMatchObject({ attempt: 1, outcome: "retrying", networkError: "timed out after 100 ms" })
    expect(events[0].status).toBeUndefined()
  })

  test("a body that stalls after the headers counts as a timeout", async () => {
    script = [
      (_req, res) => {
        res.writeHead(200, { "Content-Type": "application/json" })
        res.write('{"order_id":')
      },
    ]
    const { client } = harness({ maxRetries: 0, timeoutMs: 100 })
    const err = await failure(client.getOrder("o-1"))
    expect(err).toBeInstanceOf(KlarnaConnectionError)
    expect((err as KlarnaConnectionError).timedOut).toBe(true)
    expect(err.message).toBe("Klarna connection error on getOrder: timed out after 100 ms")
  })

  test("timeouts exhaust the retries", async () => {
    fallback = stall(1000, empty(204))
    const { client, sleeps } = harness({ timeoutMs: 50, maxRetries: 2 })
    const err = await failure(client.releaseRemainingAuthorization("o-1", { idempotencyKey: KEY }))
    expect(err).toBeInstanceOf(KlarnaConnectionError)
    expect(err.attempts).toBe(3)
    expect(err.retryable).toBe(true)
    expect(err.httpStatus).toBeUndefined()
    expect(sleeps).toHaveLength(2)
    expect(recorded.map((r) => r.headers["klarna-idempotency-key"])).toEqual([KEY, KEY, KEY])
  })

  test("a dropped connection is retried", async () => {
    script = [(req) => req.socket.destroy(), json(200, { order_id: "o-1" })]
    const { client, events } = harness()
    await client.getOrder("o-1")
    expect(events[0].outcome).toBe("retrying")
    expect(events[0].networkError).toMatch(/closed|socket|reset/i)
  })

  test("connection refused", async () => {
    const { client } = harness({ baseUrl: await closedPortUrl(), maxRetries: 1 })
    const err = await failure(client.getOrder("o-1"))
    expect(err).toBeInstanceOf(KlarnaConnectionError)
    expect((err as KlarnaConnectionError).networkErrorCode).toBe("ECONNREFUSED")
    expect(err.attempts).toBe(2)
  })

  test("an invalid per-call timeout rejects (never throws synchronously)", async () => {
    const { client } = harness()
    const p = client.getOrder("o-1", { timeoutMs: -1 })
    await expect(p).rejects.toBeInstanceOf(KlarnaInvalidRequestError)
    expect(recorded).toHaveLength(0)
  })
})

describe("responses", () => {
  test("Capture-Id missing: derived from Location", async () => {
    script = [empty(201, { Location: "/ordermanagement/v1/orders/o-1/captures/cap-from-location" })]
    const { client } = harness()
    await expect(client.createCapture("o-1", { captured_amount: 1 }, { idempotencyKey: KEY })).resolves.toMatchObject({
      captureId: "cap-from-location",
    })
  })

  test("Refund-Id and Location both missing: a clear, non-retryable error", async () => {
    script = [empty(201, { "Klarna-Correlation-Id": "corr-1" })]
    const { client } = harness()
    const err = await failure(client.createRefund("o-1", { refunded_amount: 1 }, { idempotencyKey: KEY }))
    expect(err).toBeInstanceOf(KlarnaUnexpectedResponseError)
    expect(err.retryable).toBe(false)
    expect(err.message).toBe("Klarna HTTP 201 on createRefund: 201 without Refund-Id or Location header [correlation_id corr-1]")
    expect(recorded).toHaveLength(1)
  })

  test("createRefund reads Refund-Id, Location and the correlation id", async () => {
    script = [empty(201, { "Refund-Id": "ref-1", Location: "/x/ref-1", "Klarna-Correlation-Id": "corr-2" })]
    const { client, events } = harness()
    await expect(client.createRefund("o-1", { refunded_amount: 1 }, { idempotencyKey: KEY })).resolves.toEqual({
      refundId: "ref-1",
      location: "/x/ref-1",
      correlationId: "corr-2",
    })
    expect(events[0]).toMatchObject({ operation: "createRefund", status: 201, correlationId: "corr-2", attempt: 1 })
  })

  test("shipping info accepts 201 as well as 204 (the docs disagree)", async () => {
    script = [empty(201), empty(204)]
    const { client } = harness()
    const info = [{ shipping_company: "dhl-express", tracking_number: "JD0001" }]
    await client.appendCaptureShippingInfo("o-1", "c-1", info, { idempotencyKey: KEY })
    await client.appendCaptureShippingInfo("o-1", "c-1", info, { idempotencyKey: KEY })
    expect(JSON.parse(recorded[0].body)).toEqual({ shipping_info: info })
  })

  test("a 200 with a body that is not JSON is an unexpected response", async () => {
    script = [(_req, res) => res.end("<html>hello</html>")]
    const { client } = harness()
    const err = await failure(client.getOrder("o-1"))
    expect(err).toBeInstanceOf(KlarnaUnexpectedResponseError)
    expect(err.message).toBe("Klarna HTTP 200 on getOrder: 200 response body is not valid JSON")
  })
})

describe("observability and secrets", () => {
  test("one event per attempt, no headers in it; a throwing hook does not break the call", async () => {
    script = [json(503, { error_code: "TEMPORARILY_UNAVAILABLE", correlation_id: "c-503" }), json(200, { order_id: "o-1" })]
    const events: KlarnaAttemptEvent[] = []
    const { client, logs } = harness({
      onResponse: (e) => {
        events.push(e)
        throw new Error("hook bug")
      },
    })
    await client.getOrder("o-1")
    expect(events).toHaveLength(2)
    expect(events[0]).toEqual({
      operation: "getOrder",
      method: "GET",
      path: "/ordermanagement/v1/orders/o-1",
      attempt: 1,
      status: 503,
      elapsedMs: expect.any(Number),
      idempotencyKey: undefined,
      correlationId: "c-503",
      errorCode: "TEMPORARILY_UNAVAILABLE",
      outcome: "retrying",
      delayMs: 250,
    })
    expect(Object.keys(events[1]).sort()).toEqual(
      ["attempt", "correlationId", "elapsedMs", "idempotencyKey", "method", "operation", "outcome", "path", "status"].sort(),
    )
    expect(logs.some((l) => l.includes("onResponse hook threw: hook bug"))).toBe(true)
  })

  test("authorization tokens are not logged", async () => {
    script = [json(200, { order_id: "o-9" })]
    const { client, logs, events } = harness()
    await client.createOrderFromAuthorization("tok-abc-123-secret", {
      purchase_country: "SE",
      purchase_currency: "SEK",
      order_amount: 1,
      order_lines: [],
    })
    expect(recorded[0].url).toBe("/payments/v1/authorizations/tok-abc-123-secret/order")
    expect(JSON.stringify(events) + logs.join("\n")).not.toContain("tok-abc-123-secret")
  })

  test("credentials never appear in errors, logs, events or the client itself", async () => {
    const basic = Buffer.from(`${USERNAME}:${PASSWORD}`).toString("base64")
    const echo: Handler = (req, res) => {
      // A hostile server echoing the credentials back in every field it can.
      res.writeHead(403, { "Content-Type": "application/json", "Klarna-Correlation-Id": USERNAME })
      res.end(
        JSON.stringify({
          error_code: `NOT_ALLOWED_${PASSWORD}`,
          error_messages: [`auth was ${req.headers.authorization}`, `user ${USERNAME} pass ${PASSWORD}`],
          error_message: basic,
        }),
      )
    }
    const produced: string[] = []
    const h = harness()
    const collect = (err: KlarnaError): void => {
      produced.push(err.message, String(err.stack), JSON.stringify(err), inspect(err, { depth: 10, showHidden: true }))
      produced.push(...err.errorMessages, String(err.errorCode), String(err.correlationId))
    }
    script = [echo]
    collect(await failure(h.client.getOrder("o-1")))
    script = [json(401, { error_code: "UNAUTHORIZED" })]
    collect(await failure(h.client.getOrder("o-1")))
    script = [stall(500, empty(204))]
    collect(await failure(h.client.cancelOrder("o-1", { idempotencyKey: KEY, timeoutMs: 20, maxRetries: 1 })))
    script = [(req) => req.socket.destroy()]
    collect(
      await failure(h.client.createPaymentSession({ purchase_country: "SE", purchase_currency: "SEK", order_amount: 1, order_lines: [] })),
    )
    script = [empty(201)]
    collect(await failure(h.client.createCapture("o-1", { captured_amount: 1 }, { idempotencyKey: KEY })))
    script = [(_req, res) => res.end("<html><title>" + PASSWORD + "</title></html>")]
    collect(await failure(h.client.getCapture("o-1", "c-1")))
    collect(await failure(h.client.cancelOrder("o-1", { idempotencyKey: "" })))
    const refused = harness({ baseUrl: await closedPortUrl(), maxRetries: 0 })
    collect(await failure(refused.client.getOrder("o-1")))

    produced.push(...h.logs, JSON.stringify(h.events), inspect(h.events, { depth: 10 }), ...refused.logs)
    produced.push(inspect(h.client, { depth: 10, showHidden: true }), JSON.stringify(h.client))
    const all = produced.join("\n")
    expect(all.length).toBeGreaterThan(1000)
    expect(all).not.toContain(PASSWORD)
    expect(all).not.toContain(USERNAME)
    expect(all).not.toContain(basic)
    expect(all.toLowerCase()).not.toContain("authorization:")
    expect(all).not.toMatch(/Basic [A-Za-z0-9+/=]{8,}/)
    expect(all).toContain("[REDACTED]") // the hostile echo was seen, and scrubbed
  })
})
