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
import { appendCaptureShippingInfoOperation } from "../operations/append-capture-shipping-info"
import { cancelAuthorizationOperation } from "../operations/cancel-authorization"
import { cancelOrderOperation } from "../operations/cancel-order"
import { createCaptureOperation } from "../operations/create-capture"
import { createOrderFromAuthorizationOperation } from "../operations/create-order-from-authorization"
import { createPaymentSessionOperation } from "../operations/create-payment-session"
import { createRefundOperation } from "../operations/create-refund"
import { extendAuthorizationTimeOperation } from "../operations/extend-authorization-time"
import { getCaptureOperation } from "../operations/get-capture"
import { getOrderOperation } from "../operations/get-order"
import { getRefundOperation } from "../operations/get-refund"
import { listCapturesOperation } from "../operations/list-captures"
import { releaseRemainingAuthorizationOperation } from "../operations/release-remaining-authorization"
import { triggerSendOutOperation } from "../operations/trigger-send-out"
import { updateAuthorizationOperation } from "../operations/update-authorization"
import { updateMerchantReferencesOperation } from "../operations/update-merchant-references"

const O = "/ordermanagement/v1/orders/ord-1"
const KEY = "6f1c1a52-1f53-5a8c-9b0e-3f1f1f1f1f1f"
const capture = { captured_amount: 1000 }
const session = { purchase_country: "SE", purchase_currency: "SEK", order_amount: 100, order_lines: [] }

function res(status: number, h: Record<string, string> = {}, bodyText = ""): KlarnaHttpResponse {
  return { status, headers: new Headers(h), bodyText }
}

describe("operation definitions", () => {
  test.each<[string, KlarnaOperation<unknown>, string, string, boolean, string | undefined, unknown]>([
    ["getOrder", getOrderOperation("ord-1"), "GET", O, true, undefined, undefined],
    ["createCapture", createCaptureOperation("ord-1", capture, KEY), "POST", `${O}/captures`, true, KEY, capture],
    ["listCaptures", listCapturesOperation("ord-1"), "GET", `${O}/captures`, true, undefined, undefined],
    ["getCapture", getCaptureOperation("ord-1", "cap-1"), "GET", `${O}/captures/cap-1`, true, undefined, undefined],
    [
      "appendCaptureShippingInfo",
      appendCaptureShippingInfoOperation("ord-1", "cap-1", [{ tracking_number: "T1" }], KEY),
      "POST",
      `${O}/captures/cap-1/shipping-info`,
      true,
      KEY,
      { shipping_info: [{ tracking_number: "T1" }] },
    ],
    ["triggerSendOut", triggerSendOutOperation("ord-1", "cap-1", KEY), "POST", `${O}/captures/cap-1/trigger-send-out`, true, KEY, undefined],
    ["createRefund", createRefundOperation("ord-1", { refunded_amount: 5 }, KEY), "POST", `${O}/refunds`, true, KEY, { refunded_amount: 5 }],
    ["getRefund", getRefundOperation("ord-1", "ref-1"), "GET", `${O}/refunds/ref-1`, true, undefined, undefined],
    [
      "releaseRemainingAuthorization",
      releaseRemainingAuthorizationOperation("ord-1", KEY),
      "POST",
      `${O}/release-remaining-authorization`,
      true,
      KEY,
      undefined,
    ],
    ["cancelOrder", cancelOrderOperation("ord-1", KEY), "POST", `${O}/cancel`, true, KEY, undefined],
    ["extendAuthorizationTime", extendAuthorizationTimeOperation("ord-1", KEY), "POST", `${O}/extend-authorization-time`, true, KEY, undefined],
    [
      "updateMerchantReferences",
      updateMerchantReferencesOperation("ord-1", { merchant_reference1: "10001" }, KEY),
      "PATCH",
      `${O}/merchant-references`,
      true,
      KEY,
      { merchant_reference1: "10001" },
    ],
    [
      "updateAuthorization",
      updateAuthorizationOperation("ord-1", { order_amount: 500 }, KEY),
      "PATCH",
      `${O}/authorization`,
      true,
      KEY,
      { order_amount: 500 },
    ],
    ["createPaymentSession", createPaymentSessionOperation(session), "POST", "/payments/v1/sessions", false, undefined, session],
    [
      "createOrderFromAuthorization",
      createOrderFromAuthorizationOperation("tok-1", session),
      "POST",
      "/payments/v1/authorizations/tok-1/order",
      false,
      undefined,
      session,
    ],
    ["cancelAuthorization", cancelAuthorizationOperation("tok-1"), "DELETE", "/payments/v1/authorizations/tok-1", false, undefined, undefined],
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
    expect(getCaptureOperation("a/b", "c d?").path).toBe("/ordermanagement/v1/orders/a%2Fb/captures/c%20d%3F")
  })

  test("authorization tokens are masked in the log path", () => {
    expect(createOrderFromAuthorizationOperation("secret-token", session).logPath).toBe(
      "/payments/v1/authorizations/{authorizationToken}/order"
    )
    expect(cancelAuthorizationOperation("secret-token").logPath).not.toContain("secret-token")
  })

  test.each<[string, () => unknown]>([
    ["createCapture without key", () => createCaptureOperation("o", capture, undefined as unknown as string)],
    ["createCapture with empty key", () => createCaptureOperation("o", capture, "")],
    ["cancelOrder with a key containing a line break", () => cancelOrderOperation("o", "a\nb")],
    ["createRefund with a padded key", () => createRefundOperation("o", { refunded_amount: 1 }, " k ")],
    ["getOrder with empty order id", () => getOrderOperation("")],
    ["getCapture with blank capture id", () => getCaptureOperation("o", "  ")],
    ["createCapture with no body", () => createCaptureOperation("o", null as never, KEY)],
    ["appendCaptureShippingInfo with no entries", () => appendCaptureShippingInfoOperation("o", "c", [], KEY)],
    [
      "appendCaptureShippingInfo with 501 entries",
      () => appendCaptureShippingInfoOperation("o", "c", Array.from({ length: 501 }, () => ({})), KEY),
    ],
    ["createOrderFromAuthorization with empty token", () => createOrderFromAuthorizationOperation("", session)],
  ])("rejects before sending: %s", (_name, build) => {
    expect(build).toThrow(KlarnaInvalidRequestError)
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
