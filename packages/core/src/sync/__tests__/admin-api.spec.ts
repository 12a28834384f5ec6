import { malformedPathReason, parseRefundRequest, refundAnswer, type KlarnaAdminService } from "../admin-api"

describe("malformedPathReason", () => {
  test.each([
    ["/admin/klarna/orders/order_01ABC", null],
    ["/admin/klarna/orders/%E0%A4%A", "The id in the URL is not valid percent-encoding"],
    ["/admin/klarna/orders/%", "The id in the URL is not valid percent-encoding"],
    ["/admin/klarna/orders/%FF%FE", "The id in the URL is not valid percent-encoding"],
    ["/admin/klarna/orders/order%00x", "The id in the URL contains a control character"],
    [`/admin/klarna/orders/${"o".repeat(257)}`, "The id in the URL is 257 characters long (at most 256)"],
    [`/admin/klarna/orders/${"o".repeat(256)}`, null],
  ])("%s → %s", (path, reason) => {
    expect(malformedPathReason(path)).toBe(reason)
  })
})

describe("parseRefundRequest", () => {
  test("a positive integer amount in minor units, with an optional description of up to 255 characters", () => {
    expect(parseRefundRequest({ amount: 1250 })).toEqual({ ok: true, amount: 1250 })
    expect(parseRefundRequest({ amount: 1, description: "🙂".repeat(255) })).toEqual({ ok: true, amount: 1, description: "🙂".repeat(255) })
  })

  test.each([undefined, null, "x", {}, { amount: 0 }, { amount: -1 }, { amount: 1.5 }, { amount: "100" }, { amount: 2 ** 53 }])(
    "refuses %p",
    (body) => {
      expect(parseRefundRequest(body)).toMatchObject({ ok: false, message: expect.stringContaining("amount") })
    },
  )

  test("refuses a description that is not text or longer than Klarna takes (counted in characters, not cut)", () => {
    expect(parseRefundRequest({ amount: 1, description: 5 })).toMatchObject({ ok: false })
    expect(parseRefundRequest({ amount: 1, description: "é".repeat(256) })).toMatchObject({ ok: false })
  })
})

describe("refundAnswer", () => {
  const service = (refund: KlarnaAdminService["refundInKlarna"]) =>
    ({ isKlarnaOrder: async () => true, refundInKlarna: refund }) as unknown as KlarnaAdminService

  test("a refusal of the sync service becomes its status and message; any other error is thrown", async () => {
    const refused = Object.assign(new Error("Order o is not canceled"), { name: "KlarnaRefundRefused", status: 409 as const })
    await expect(
      refundAnswer(
        service(() => Promise.reject(refused)),
        "o",
        { amount: 1 },
      ),
    ).resolves.toEqual({
      status: 409,
      body: { type: "not_allowed", message: "Order o is not canceled" },
    })
    await expect(
      refundAnswer(
        service(() => Promise.reject(new Error("db down"))),
        "o",
        { amount: 1 },
      ),
    ).rejects.toThrow("db down")
  })

  test("a bad body is 400 before the sync service is asked", async () => {
    const refundInKlarna = jest.fn()
    await expect(refundAnswer(service(refundInKlarna), "o", { amount: "1" })).resolves.toMatchObject({ status: 400 })
    expect(refundInKlarna).not.toHaveBeenCalled()
  })
})
