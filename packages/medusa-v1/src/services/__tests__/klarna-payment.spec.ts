import { PaymentSessionStatus } from "@medusajs/medusa"
import { KlarnaError } from "@klarna-order-sync/core"
import KlarnaPaymentProcessor from "../klarna-payment"

const options = { credentials: [{ username: "PK_TEST", password: "test-password-secret", baseUrl: "http://127.0.0.1:9" }] }

describe("KlarnaPaymentProcessor", () => {
  const sync = {
    captureRemainingForPayment: jest.fn(async () => undefined),
    assertRefundable: jest.fn(async () => undefined),
    handlePaymentCanceled: jest.fn(async () => undefined),
    recordCheckoutAuthorization: jest.fn(async () => undefined),
    findCheckoutAuthorization: jest.fn(async () => null),
  }
  const processor = new KlarnaPaymentProcessor({ klarnaSyncService: sync }, options)

  test("invalid options throw in the constructor (Medusa builds processors at startup)", () => {
    expect(() => new KlarnaPaymentProcessor({}, { ...options, captureOn: "never" })).toThrow(/captureOn/)
  })

  test("updatePaymentData accepts only the authorization token", async () => {
    await expect(processor.updatePaymentData("ps_1", { authorization_token: "tok" })).resolves.toEqual({
      authorization_token: "tok",
    })
    const rejected = await processor.updatePaymentData("ps_1", { order_id: "someone-elses" })
    expect(rejected).toMatchObject({ code: "INVALID_PAYMENT_DATA" })
    expect(JSON.parse((rejected as { detail: string }).detail)).toEqual({ rejected_keys: ["order_id"] })
  })

  test("authorizePayment without a token requires more; with an order id it is authorized without a call", async () => {
    await expect(processor.authorizePayment({ session_id: "s" }, {})).resolves.toMatchObject({
      status: PaymentSessionStatus.REQUIRES_MORE,
    })
    await expect(processor.authorizePayment({ order_id: "k1" }, {})).resolves.toMatchObject({
      status: PaymentSessionStatus.AUTHORIZED,
      data: { order_id: "k1" },
    })
  })

  test("a completion run again on a Klarna order cancelled as an orphan is refused: the shopper pays again", async () => {
    const findAuthorization = sync.findCheckoutAuthorization as unknown as jest.Mock
    findAuthorization.mockResolvedValueOnce({ status: "cancelled", reason: "completion failed: 409 sold out" })
    const refused = (await processor.authorizePayment({ order_id: "k9" }, {})) as { error: string; code: string; detail: string }
    expect(refused.code).toBe("KLARNA_AUTHORIZATION_CANCELLED")
    expect(refused.error).toMatch(/Klarna order k9 of this cart was cancelled .*completion failed: 409 sold out.*pay again/)
    expect(JSON.parse(refused.detail)).toEqual({ order_id: "k9", status: "cancelled" })
    expect(findAuthorization).toHaveBeenCalledWith("k9")
  })

  test("capture, refund and cancel go through the sync service", async () => {
    const data = { order_id: "k1", purchase_currency: "SEK" }
    await expect(processor.capturePayment(data)).resolves.toEqual(data)
    await expect(processor.refundPayment(data, 500)).resolves.toEqual(data)
    await expect(processor.cancelPayment(data)).resolves.toEqual(data)
    expect(sync.captureRemainingForPayment).toHaveBeenCalledWith(data)
    expect(sync.assertRefundable).toHaveBeenCalledWith(data, 500)
    expect(sync.handlePaymentCanceled).toHaveBeenCalledWith(data)
  })

  test("errors become PaymentProcessorErrors with Klarna's details and all three fields Medusa checks", async () => {
    sync.assertRefundable.mockRejectedValueOnce(
      new KlarnaError({
        message: "REFUND_NOT_ALLOWED on createRefund",
        operation: "createRefund",
        attempts: 1,
        retryable: false,
        httpStatus: 403,
        errorCode: "REFUND_NOT_ALLOWED",
        errorMessages: ["Refund not allowed"],
        correlationId: "corr-1",
      }),
    )
    const res = (await processor.refundPayment({ order_id: "k1" }, 10_000)) as { error: string; code: string; detail: string }
    expect(res.code).toBe("REFUND_NOT_ALLOWED")
    expect(res.error).toContain("REFUND_NOT_ALLOWED")
    expect(JSON.parse(res.detail)).toMatchObject({ http_status: 403, correlation_id: "corr-1", error_messages: ["Refund not allowed"] })
    expect(JSON.stringify(res)).not.toContain("test-password-secret")
  })
})
