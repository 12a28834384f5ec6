import { inspect } from "node:util"
import {
  describeNetworkError,
  KlarnaApiError,
  KlarnaAuthenticationError,
  KlarnaConflictError,
  KlarnaConnectionError,
  KlarnaError,
  KlarnaRateLimitError,
  KlarnaUnexpectedResponseError,
  parseErrorBody,
  type FromResponseInput,
} from "../errors"

const CORRELATION = "66782175-ae05-44fc-9eb3-eeceadbad271"

function fromBody(status: number, body: string, h: Record<string, string> = {}, extra: Partial<FromResponseInput> = {}) {
  return KlarnaError.fromResponse({
    operation: "createCapture",
    attempts: 1,
    safeToRetry: true,
    response: { status, headers: new Headers(h), bodyText: body },
    ...extra,
  } as FromResponseInput)
}

describe("KlarnaError.fromResponse: bodies", () => {
  test("error_messages (Order Management)", () => {
    const err = fromBody(
      403,
      JSON.stringify({
        error_code: "CAPTURE_NOT_ALLOWED",
        error_messages: ["Captured amount is higher than the remaining authorized amount. Capture not possible."],
        correlation_id: CORRELATION,
      }),
    )
    expect(err).toBeInstanceOf(KlarnaApiError)
    expect(err).toBeInstanceOf(KlarnaError)
    expect(err).toBeInstanceOf(Error)
    expect(err.name).toBe("KlarnaApiError")
    expect(err.httpStatus).toBe(403)
    expect(err.errorCode).toBe("CAPTURE_NOT_ALLOWED")
    expect(err.errorMessages).toEqual(["Captured amount is higher than the remaining authorized amount. Capture not possible."])
    expect(err.correlationId).toBe(CORRELATION)
    expect(err.retryable).toBe(false)
    expect(err.operation).toBe("createCapture")
    expect(err.attempts).toBe(1)
    expect(err.message).toBe(
      "Klarna CAPTURE_NOT_ALLOWED (403) on createCapture: Captured amount is higher than the remaining authorized " +
        `amount. Capture not possible. [correlation_id ${CORRELATION}]`,
    )
  })

  test("singular error_message (Klarna's general error format)", () => {
    const err = fromBody(400, JSON.stringify({ error_code: "BAD_VALUE", error_message: "Bad value: order_lines" }))
    expect(err.errorCode).toBe("BAD_VALUE")
    expect(err.errorMessages).toEqual(["Bad value: order_lines"])
    expect(err.message).toBe("Klarna BAD_VALUE (400) on createCapture: Bad value: order_lines")
  })

  test("both error_messages and error_message, without duplicates", () => {
    const body = { error_code: "X", error_messages: ["a", "b"], error_message: "a" }
    expect(fromBody(400, JSON.stringify(body)).errorMessages).toEqual(["a", "b"])
    const body2 = { error_code: "X", error_messages: ["a"], error_message: "c" }
    expect(fromBody(400, JSON.stringify(body2)).errorMessages).toEqual(["a", "c"])
  })

  test("several messages are joined", () => {
    const err = fromBody(422, JSON.stringify({ error_code: "UNPROCESSABLE_ENTITY", error_messages: ["one", "two"] }))
    expect(err.message).toBe("Klarna UNPROCESSABLE_ENTITY (422) on createCapture: one; two")
  })

  test("no body: correlation id from the Klarna-Correlation-Id header", () => {
    const err = fromBody(404, "", { "Klarna-Correlation-Id": CORRELATION })
    expect(err).toBeInstanceOf(KlarnaApiError)
    expect(err.errorCode).toBeUndefined()
    expect(err.errorMessages).toEqual([])
    expect(err.correlationId).toBe(CORRELATION)
    expect(err.message).toBe(`Klarna HTTP 404 on createCapture: no error body [correlation_id ${CORRELATION}]`)
  })

  test("body correlation_id wins over the header", () => {
    const err = fromBody(403, JSON.stringify({ error_code: "NOT_ALLOWED", correlation_id: "from-body" }), {
      "Klarna-Correlation-Id": "from-header",
    })
    expect(err.correlationId).toBe("from-body")
    expect(err.message).toBe("Klarna NOT_ALLOWED (403) on createCapture: no error message [correlation_id from-body]")
  })

  test("HTML body (a proxy's error page)", () => {
    const html = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad gateway</h1></body></html>"
    const err = fromBody(502, html)
    expect(err.errorCode).toBeUndefined()
    expect(err.errorMessages).toEqual([])
    expect(err.retryable).toBe(true)
    expect(err.message).toBe('Klarna HTTP 502 on createCapture: HTML error page "502 Bad Gateway"')
  })

  test("HTML body without a title", () => {
    expect(fromBody(503, "<html><body>down</body></html>").message).toBe("Klarna HTTP 503 on createCapture: HTML error page")
  })

  test("plain-text body is shown, collapsed and truncated", () => {
    expect(fromBody(500, "  upstream\n  exploded ").message).toBe("Klarna HTTP 500 on createCapture: non-JSON body: upstream exploded")
    const long = "x".repeat(1000)
    expect(fromBody(500, long).message.length).toBeLessThan(300)
  })

  test("JSON without Klarna's fields (e.g. the reported 401 shape)", () => {
    const body = { http_status_code: 401, http_status_message: "Unauthorized", internal_message: "authorization_error" }
    const err = fromBody(401, JSON.stringify(body))
    expect(err).toBeInstanceOf(KlarnaAuthenticationError)
    expect(err.message).toMatch(/^Klarna HTTP 401 on createCapture: unrecognised error body: \{"http_status_code":401/)
  })

  test("JSON that is not an object", () => {
    expect(fromBody(500, "[1,2]").message).toBe("Klarna HTTP 500 on createCapture: unrecognised error body: [1,2]")
  })

  test("non-string entries in error_messages are dropped", () => {
    expect(parseErrorBody(JSON.stringify({ error_messages: ["ok", 3, null, ""] })).errorMessages).toEqual(["ok"])
  })
})

describe("KlarnaError.fromResponse: classes and retryable", () => {
  test.each<[string, number, boolean, new (...a: never[]) => KlarnaError, boolean]>([
    ["401 → authentication", 401, true, KlarnaAuthenticationError, false],
    ["403 → api error", 403, true, KlarnaApiError, false],
    ["404 → api error", 404, true, KlarnaApiError, false],
    ["408 → api error, retryable", 408, true, KlarnaApiError, true],
    ["409 → conflict, retryable", 409, true, KlarnaConflictError, true],
    ["422 → api error", 422, true, KlarnaApiError, false],
    ["429 → rate limit, retryable", 429, true, KlarnaRateLimitError, true],
    ["500 → api error, retryable", 500, true, KlarnaApiError, true],
    ["503 → api error, retryable", 503, true, KlarnaApiError, true],
    ["503 on a call that is not safe to repeat → not retryable", 503, false, KlarnaApiError, false],
    ["429 on a call that is not safe to repeat → not retryable", 429, false, KlarnaRateLimitError, false],
  ])("%s", (_name, status, safeToRetry, cls, retryable) => {
    const err = fromBody(status, "", {}, { safeToRetry })
    expect(err).toBeInstanceOf(cls)
    expect(err).toBeInstanceOf(KlarnaApiError)
    expect(err.retryable).toBe(retryable)
  })

  test("an unusable 2xx response", () => {
    const err = fromBody(201, "", {}, { unexpected: "201 without Capture-Id or Location header" } as never)
    expect(err).toBeInstanceOf(KlarnaUnexpectedResponseError)
    expect(err.retryable).toBe(false)
    expect(err.message).toBe("Klarna HTTP 201 on createCapture: 201 without Capture-Id or Location header")
  })

  test("retryAfterMs and attempts are carried", () => {
    const err = fromBody(429, JSON.stringify({ error_code: "TOO_MANY_REQUESTS", error_messages: ["Too many requests"] }), {}, {
      attempts: 4,
      retryAfterMs: 3_600_000,
    } as never)
    expect(err.retryAfterMs).toBe(3_600_000)
    expect(err.attempts).toBe(4)
    expect(err.message).toBe("Klarna TOO_MANY_REQUESTS (429) on createCapture: Too many requests (4 attempts)")
  })
})

describe("KlarnaError.fromResponse: network failures", () => {
  test("timeout", () => {
    const err = KlarnaError.fromResponse({
      operation: "getOrder",
      attempts: 4,
      safeToRetry: true,
      network: { timedOut: true, timeoutMs: 250, error: new Error("This operation was aborted") },
    })
    expect(err).toBeInstanceOf(KlarnaConnectionError)
    const c = err as KlarnaConnectionError
    expect(c.timedOut).toBe(true)
    expect(c.networkErrorCode).toBe("TIMEOUT")
    expect(c.httpStatus).toBeUndefined()
    expect(c.retryable).toBe(true)
    expect(c.message).toBe("Klarna connection error on getOrder: timed out after 250 ms (4 attempts)")
  })

  test("connection refused (fetch's TypeError with a cause)", () => {
    const cause = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" })
    const err = KlarnaError.fromResponse({
      operation: "createPaymentSession",
      attempts: 1,
      safeToRetry: false,
      network: { timedOut: false, error: Object.assign(new TypeError("fetch failed"), { cause }) },
    }) as KlarnaConnectionError
    expect(err.networkErrorCode).toBe("ECONNREFUSED")
    expect(err.timedOut).toBe(false)
    expect(err.retryable).toBe(false)
    expect(err.message).toBe("Klarna connection error on createPaymentSession: fetch failed: connect ECONNREFUSED 127.0.0.1:9")
  })

  test("describeNetworkError with a code that is not in the message", () => {
    const cause = Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" })
    expect(describeNetworkError(Object.assign(new TypeError("fetch failed"), { cause }))).toEqual({
      code: "UND_ERR_SOCKET",
      description: "UND_ERR_SOCKET: fetch failed: other side closed",
    })
    expect(describeNetworkError("weird")).toEqual({ code: undefined, description: "weird" })
  })
})

describe("serialisation and redaction", () => {
  const secrets = ["s3cr3t-password", "merchant_user"]

  test("toJSON holds the fields and nothing else", () => {
    const err = fromBody(403, JSON.stringify({ error_code: "NOT_ALLOWED", error_messages: ["m"], correlation_id: "c" }))
    expect(JSON.parse(JSON.stringify(err))).toEqual({
      name: "KlarnaApiError",
      message: "Klarna NOT_ALLOWED (403) on createCapture: m [correlation_id c]",
      httpStatus: 403,
      errorCode: "NOT_ALLOWED",
      errorMessages: ["m"],
      correlationId: "c",
      retryable: false,
      operation: "createCapture",
      attempts: 1,
    })
  })

  test("secrets echoed by a server are removed from every field", () => {
    const body = JSON.stringify({
      error_code: "BAD merchant_user",
      error_messages: ["password s3cr3t-password is wrong"],
      correlation_id: "merchant_user",
    })
    const err = fromBody(400, body, {}, { secrets } as never)
    const everything = [err.message, JSON.stringify(err), inspect(err, { depth: 10 }), String(err.stack)].join("\n")
    expect(everything).not.toContain("s3cr3t-password")
    expect(everything).not.toContain("merchant_user")
    expect(err.errorMessages).toEqual(["password [REDACTED] is wrong"])
  })

  test("secrets in a network error message are removed", () => {
    const err = KlarnaError.fromResponse({
      operation: "getOrder",
      attempts: 1,
      safeToRetry: true,
      secrets,
      network: { timedOut: false, error: new Error("failed for merchant_user:s3cr3t-password@host") },
    })
    expect(err.message).toBe("Klarna connection error on getOrder: failed for [REDACTED]:[REDACTED]@host")
  })

  test("invalidRequest", () => {
    const err = KlarnaError.invalidRequest("cancelOrder", "an idempotencyKey is required for this mutation")
    expect(err.name).toBe("KlarnaInvalidRequestError")
    expect(err.attempts).toBe(0)
    expect(err.retryable).toBe(false)
    expect(err.errorCode).toBe("INVALID_REQUEST")
    expect(err.message).toBe("Klarna invalid request on cancelOrder: an idempotencyKey is required for this mutation")
  })
})
