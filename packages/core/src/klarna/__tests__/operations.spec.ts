import { KlarnaInvalidRequestError } from "../errors"
import {
  type KlarnaHttpResponse,
  type KlarnaOperation,
  lastPathSegment,
  parseCreatedResource,
  parseJsonArray,
  parseJsonObject,
  requireIdempotencyKey,
} from "../operation"
import { KlarnaClient } from "../client"
import { KLARNA_ENDPOINTS, klarnaOperation as op } from "../endpoints"

const O = "/ordermanagement/v1/orders/ord-1"
const KEY = "6f1c1a52-1f53-5a8c-9b0e-3f1f1f1f1f1f"
const capture = { captured_amount: 1000 }
const session = { purchase_country: "SE", purchase_currency: "SEK", order_amount: 100, order_lines: [] }

function res(status: number, h: Record<string, string> = {}, bodyText = ""): KlarnaHttpResponse {
  return { status, headers: new Headers(h), bodyText }
}

describe("operation definitions", () => {
  test.each<[string, KlarnaOperation<unknown>, string, string, boolean, string | undefined, unknown]>([
    ["getOrder", op("getOrder", "ord-1"), "GET", O, true, undefined, undefined],
    ["createCapture", op("createCapture", "ord-1", capture, { idempotencyKey: KEY }), "POST", `${O}/captures`, true, KEY, capture],
    ["listCaptures", op("listCaptures", "ord-1"), "GET", `${O}/captures`, true, undefined, undefined],
    ["getCapture", op("getCapture", "ord-1", "cap-1"), "GET", `${O}/captures/cap-1`, true, undefined, undefined],
    [
      "appendCaptureShippingInfo",
      op("appendCaptureShippingInfo", "ord-1", "cap-1", [{ tracking_number: "T1" }], { idempotencyKey: KEY }),
      "POST",
      `${O}/captures/cap-1/shipping-info`,
      true,
      KEY,
      { shipping_info: [{ tracking_number: "T1" }] },
    ],
    [
      "triggerSendOut",
      op("triggerSendOut", "ord-1", "cap-1", { idempotencyKey: KEY }),
      "POST",
      `${O}/captures/cap-1/trigger-send-out`,
      true,
      KEY,
      undefined,
    ],
    [
      "createRefund",
      op("createRefund", "ord-1", { refunded_amount: 5 }, { idempotencyKey: KEY }),
      "POST",
      `${O}/refunds`,
      true,
      KEY,
      { refunded_amount: 5 },
    ],
    ["getRefund", op("getRefund", "ord-1", "ref-1"), "GET", `${O}/refunds/ref-1`, true, undefined, undefined],
    [
      "releaseRemainingAuthorization",
      op("releaseRemainingAuthorization", "ord-1", { idempotencyKey: KEY }),
      "POST",
      `${O}/release-remaining-authorization`,
      true,
      KEY,
      undefined,
    ],
    ["cancelOrder", op("cancelOrder", "ord-1", { idempotencyKey: KEY }), "POST", `${O}/cancel`, true, KEY, undefined],
    [
      "extendAuthorizationTime",
      op("extendAuthorizationTime", "ord-1", { idempotencyKey: KEY }),
      "POST",
      `${O}/extend-authorization-time`,
      true,
      KEY,
      undefined,
    ],
    [
      "updateMerchantReferences",
      op("updateMerchantReferences", "ord-1", { merchant_reference1: "10001" }, { idempotencyKey: KEY }),
      "PATCH",
      `${O}/merchant-references`,
      true,
      KEY,
      { merchant_reference1: "10001" },
    ],
    [
      "updateAuthorization",
      op("updateAuthorization", "ord-1", { order_amount: 500 }, { idempotencyKey: KEY }),
      "PATCH",
      `${O}/authorization`,
      true,
      KEY,
      { order_amount: 500 },
    ],
    ["createPaymentSession", op("createPaymentSession", session), "POST", "/payments/v1/sessions", false, undefined, session],
    [
      "createOrderFromAuthorization",
      op("createOrderFromAuthorization", "tok-1", session),
      "POST",
      "/payments/v1/authorizations/tok-1/order",
      false,
      undefined,
      session,
    ],
    ["cancelAuthorization", op("cancelAuthorization", "tok-1"), "DELETE", "/payments/v1/authorizations/tok-1", false, undefined, undefined],
  ])("%s", (name, op, method, path, safeToRetry, key, body) => {
    expect(op.name).toBe(name)
    expect(op.method).toBe(method)
    expect(op.path).toBe(path)
    expect(op.safeToRetry).toBe(safeToRetry)
    expect(op.idempotencyKey).toBe(key)
    expect(op.body).toEqual(body)
    // Safe to retry ⇔ a GET or a mutation with an idempotency key.
    expect(op.safeToRetry).toBe(op.method === "GET" || op.idempotencyKey !== undefined)
  })

  test("path parameters are percent-encoded", () => {
    expect(op("getCapture", "a/b", "c d?").path).toBe("/ordermanagement/v1/orders/a%2Fb/captures/c%20d%3F")
  })

  test("authorization tokens are masked in the log path", () => {
    expect(op("createOrderFromAuthorization", "secret-token", session).logPath).toBe(
      "/payments/v1/authorizations/{authorizationToken}/order",
    )
    expect(op("cancelAuthorization", "secret-token").logPath).not.toContain("secret-token")
  })

  test.each<[string, () => unknown]>([
    ["createCapture without key", () => op("createCapture", "o", capture, undefined as never)],
    ["createCapture with empty key", () => op("createCapture", "o", capture, { idempotencyKey: "" })],
    ["cancelOrder with a key containing a line break", () => op("cancelOrder", "o", { idempotencyKey: "a\nb" })],
    ["createRefund with a padded key", () => op("createRefund", "o", { refunded_amount: 1 }, { idempotencyKey: " k " })],
    ["getOrder with empty order id", () => op("getOrder", "")],
    ["getCapture with blank capture id", () => op("getCapture", "o", "  ")],
    ["createCapture with no body", () => op("createCapture", "o", null as never, { idempotencyKey: KEY })],
    ["appendCaptureShippingInfo with no entries", () => op("appendCaptureShippingInfo", "o", "c", [], { idempotencyKey: KEY })],
    [
      "appendCaptureShippingInfo with 501 entries",
      () =>
        op(
          "appendCaptureShippingInfo",
          "o",
          "c",
          Array.from({ length: 501 }, () => ({})),
          { idempotencyKey: KEY },
        ),
    ],
    ["createOrderFromAuthorization with empty token", () => op("createOrderFromAuthorization", "", session)],
  ])("rejects before sending: %s", (_name, build) => {
    expect(build).toThrow(KlarnaInvalidRequestError)
  })

  test("a key given to createOrderFromAuthorization is sent, but the Payments call stays unrepeatable", () => {
    const withKey = op("createOrderFromAuthorization", "tok-1", session, { idempotencyKey: KEY })
    expect(withKey.idempotencyKey).toBe(KEY)
    expect(withKey.safeToRetry).toBe(false)
    expect(() => op("createOrderFromAuthorization", "tok-1", session, { idempotencyKey: " padded " })).toThrow(KlarnaInvalidRequestError)
  })

  test("the client has one method per declared endpoint, and nothing else calls Klarna", () => {
    const methods = Object.getOwnPropertyNames(Object.getPrototypeOf(KlarnaClient.prototype)).filter((n) => n !== "constructor")
    expect(methods.sort()).toEqual(Object.keys(KLARNA_ENDPOINTS).sort())
    for (const declaration of Object.values(KLARNA_ENDPOINTS)) {
      // A Klarna Payments call is never declared as requiring a key, an Order Management mutation always is.
      const om = declaration.path.startsWith("/ordermanagement/")
      expect(declaration.idempotencyKey === "required").toBe(om && declaration.method !== "GET")
    }
  })

  test("requireIdempotencyKey accepts UUIDs and other printable keys", () => {
    expect(requireIdempotencyKey("x", { idempotencyKey: KEY })).toBe(KEY)
    expect(requireIdempotencyKey("x", { idempotencyKey: "capture:ful_01 H" })).toBe("capture:ful_01 H")
  })
})

describe("parseCreatedResource", () => {
  const parse = parseCreatedResource("Capture-Id")

  test("reads Capture-Id and Location", () => {
    const r = parse(res(201, { "Capture-Id": "cap-9", Location: "https://api.klarna.com/ordermanagement/v1/orders/o/captures/cap-9" }))
    expect(r).toEqual({
      ok: true,
      value: { id: "cap-9", location: "https://api.klarna.com/ordermanagement/v1/orders/o/captures/cap-9", correlationId: undefined },
    })
  })

  test("the header wins over Location", () => {
    expect(parse(res(201, { "Capture-Id": "A", Location: "/x/B" }))).toMatchObject({ ok: true, value: { id: "A" } })
  })

  test.each([
    ["absolute", "https://api.klarna.com/ordermanagement/v1/orders/o/captures/cap-7", "cap-7"],
    ["relative", "/ordermanagement/v1/orders/o/captures/cap-7", "cap-7"],
    ["trailing slash", "/ordermanagement/v1/orders/o/captures/cap-7/", "cap-7"],
    ["query string", "/orders/o/captures/cap-7?x=1", "cap-7"],
    ["percent-encoded", "/orders/o/captures/a%20b", "a b"],
  ])("derives the id from Location (%s) when Capture-Id is missing", (_name, location, id) => {
    expect(parse(res(201, { Location: location }))).toEqual({ ok: true, value: { id, location, correlationId: undefined } })
  })

  test("fails clearly when both are missing", () => {
    expect(parse(res(201))).toEqual({ ok: false, problem: "201 without Capture-Id or Location header" })
    expect(parseCreatedResource("Refund-Id")(res(201, { "Refund-Id": " " }))).toEqual({
      ok: false,
      problem: "201 without Refund-Id or Location header",
    })
  })

  test("fails when Location has no path segment", () => {
    expect(parse(res(201, { Location: "https://api.klarna.com/" }))).toEqual({
      ok: false,
      problem: "201 without Capture-Id, and no id in its Location header",
    })
    expect(lastPathSegment("https://api.klarna.com")).toBeUndefined()
  })
})

describe("JSON parsers", () => {
  test("object with required fields", () => {
    const p = parseJsonObject<{ order_id: string }>("order_id")
    expect(p(res(200, {}, '{"order_id":"o1","status":"AUTHORIZED"}'))).toEqual({
      ok: true,
      value: { order_id: "o1", status: "AUTHORIZED" },
    })
    expect(p(res(200, {}, '{"status":"AUTHORIZED"}'))).toEqual({ ok: false, problem: "response body has no order_id" })
    expect(p(res(200, {}, "[]"))).toEqual({ ok: false, problem: "response body is not a JSON object" })
    expect(p(res(200, {}, "<html>"))).toEqual({ ok: false, problem: "200 response body is not valid JSON" })
    expect(p(res(200, {}, ""))).toEqual({ ok: false, problem: "200 response without a body" })
  })

  test("array of objects", () => {
    const p = parseJsonArray("capture_id")
    expect(p(res(200, {}, "[]"))).toEqual({ ok: true, value: [] })
    expect(p(res(200, {}, '[{"capture_id":"c"}]'))).toEqual({ ok: true, value: [{ capture_id: "c" }] })
    expect(p(res(200, {}, '[{"x":1}]'))).toEqual({ ok: false, problem: "an array entry has no capture_id" })
    expect(p(res(200, {}, "[1]"))).toEqual({ ok: false, problem: "response array holds a non-object" })
    expect(p(res(200, {}, "{}"))).toEqual({ ok: false, problem: "response body is not a JSON array" })
  })
})
