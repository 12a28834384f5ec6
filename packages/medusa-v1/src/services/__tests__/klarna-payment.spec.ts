import { PaymentSessionStatus } from "@medusajs/medusa"
import { KlarnaError } from "@klarna-order-sync/core"
import KlarnaPaymentProcessor, {
  buildPaymentsOrderLines,
  buildPaymentsOrderRequest,
  type CartForKlarna,
  localeFor,
} from "../klarna-payment"
import { parsePluginOptions } from "../../medusa/plugin-options"

const options = { credentials: [{ username: "PK_TEST", password: "test-password-secret", baseUrl: "http://127.0.0.1:9" }] }

function cart(overrides: Partial<CartForKlarna> = {}): CartForKlarna {
  return {
    id: "cart_1",
    email: "a@example.com",
    total: 0,
    items: [
      // 3 x 19.99 incl. 19 % tax, 7 % discount → Medusa: total 5577, original 5997
      { id: "item_1", title: "Cups", quantity: 3, unit_price: 1999, variant: { sku: "CUP" }, total: 5577, original_total: 5997, tax_total: 891, tax_lines: [{ rate: 19 }] },
      { id: "item_2", title: "Papers", quantity: 7, unit_price: 333, variant_id: "variant_2", total: 2168, original_total: 2331, tax_total: 346, tax_lines: [{ rate: 19 }] },
    ],
    shipping_methods: [
      { id: "sm_1", price: 4900, total: 4900, original_total: 4900, tax_total: 782, tax_lines: [{ rate: 19 }], shipping_option: { name: "Home" } },
    ],
    shipping_address: { country_code: "de", first_name: "Erika", last_name: "M", city: "Berlin" },
    gift_card_total: 1234,
    gift_card_tax_total: 234,
    region: { currency_code: "eur", tax_rate: 19 },
    ...overrides,
  }
}

describe("buildPaymentsOrderLines", () => {
  test("every line obeys total = quantity * unit_price - discount and the lines add up to the amount", () => {
    const lines = buildPaymentsOrderLines(cart(), 11177)
    for (const l of lines) expect(l.total_amount).toBe(l.quantity * l.unit_price - (l.total_discount_amount ?? 0))
    expect(lines.reduce((a, l) => a + l.total_amount, 0)).toBe(11177)
    expect(lines.map((l) => l.type)).toEqual(["physical", "physical", "shipping_fee", "gift_card"])
    expect(lines[0]).toMatchObject({ reference: "CUP", unit_price: 1999, total_discount_amount: 420, tax_rate: 1900 })
    expect(lines[1].reference).toBe("variant_2")
  })

  test("a rounding gap becomes one balancing line", () => {
    const lines = buildPaymentsOrderLines(cart(), 11175)
    expect(lines[lines.length - 1]).toMatchObject({ type: "discount", total_amount: -2, tax_rate: 0, total_tax_amount: 0 })
    expect(lines.reduce((a, l) => a + l.total_amount, 0)).toBe(11175)
  })

  test("an uneven total per unit rounds the unit price up and shows the rest as discount", () => {
    const c = cart({
      items: [{ id: "i", title: "X", quantity: 3, unit_price: 100, total: 250, original_total: 250, tax_total: 0, tax_lines: [] }],
      shipping_methods: [],
      gift_card_total: 0,
      gift_card_tax_total: 0,
    })
    const [line] = buildPaymentsOrderLines(c, 250)
    expect(line).toMatchObject({ quantity: 3, unit_price: 84, total_discount_amount: 2, total_amount: 250 })
  })
})

test("buildPaymentsOrderRequest: country from the address, falling back to purchaseCountry", () => {
  const o = parsePluginOptions({ ...options, purchaseCountry: "se" })
  const req = buildPaymentsOrderRequest(cart(), o, "eur", 11177)
  expect(req).toMatchObject({ purchase_country: "DE", purchase_currency: "EUR", locale: "de-DE", order_amount: 11177 })
  expect(req.order_tax_amount).toBe(891 + 346 + 782 - 234)
  const noAddress = buildPaymentsOrderRequest(cart({ shipping_address: null }), o, "sek", 11177)
  expect(noAddress.purchase_country).toBe("SE")
  expect(() => buildPaymentsOrderRequest(cart({ shipping_address: null }), parsePluginOptions(options), "eur", 1)).toThrow(
    /purchaseCountry/
  )
  expect(localeFor("se")).toBe("sv-SE")
  expect(localeFor("XY")).toBe("en-XY")
})

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
      })
    )
    const res = (await processor.refundPayment({ order_id: "k1" }, 10_000)) as { error: string; code: string; detail: string }
    expect(res.code).toBe("REFUND_NOT_ALLOWED")
    expect(res.error).toContain("REFUND_NOT_ALLOWED")
    expect(JSON.parse(res.detail)).toMatchObject({ http_status: 403, correlation_id: "corr-1", error_messages: ["Refund not allowed"] })
    expect(JSON.stringify(res)).not.toContain("test-password-secret")
  })
})
