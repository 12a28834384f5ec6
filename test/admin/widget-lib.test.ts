/** The widget's pure helpers: money in the order's currency, carriers and tracking links, labels. */
import { currencyDigits, formatMoney, minorToDecimalString } from "../../packages/admin-widget/src/lib/money"
import { currencyDecimals } from "../../packages/core/src/sync/currency"
import { carrierName, trackingHref } from "../../packages/admin-widget/src/lib/tracking"
import { jobState, orderStatus, operationLabel } from "../../packages/admin-widget/src/lib/labels"
import { fulfillmentTitles } from "../../packages/admin-widget/src/lib/fulfillment-titles"
import { noCapturesText, notCapturedForGood, settlementNote } from "../../packages/admin-widget/src/lib/settlement"
import type { KlarnaOrder } from "../../packages/admin-widget/src/lib/types"

describe("money", () => {
  test.each([
    ["sek", 2],
    ["SEK", 2],
    ["eur", 2],
    ["jpy", 0],
    ["krw", 0],
    ["kwd", 3],
    ["xxx-not-a-currency", 2],
  ])("%s has %i decimals", (currency, digits) => {
    expect(currencyDigits(currency)).toBe(digits)
  })

  test.each([
    [123450, 2, "1234.50"],
    [5, 2, "0.05"],
    [-5, 2, "-0.05"],
    [0, 2, "0.00"],
    [1200, 0, "1200"],
    [1234, 3, "1.234"],
    [Number.MAX_SAFE_INTEGER, 2, "90071992547409.91"],
  ])("%i minor units with %i decimals is %s", (minor, digits, decimal) => {
    expect(minorToDecimalString(minor, digits)).toBe(decimal)
  })

  test("refuses what is not an integer amount", () => {
    expect(() => minorToDecimalString(12.5, 2)).toThrow(RangeError)
  })

  test.each([
    [123000, "sek", "SEK 1,230.00"],
    [1, "sek", "SEK 0.01"],
    [-500, "sek", "-SEK 5.00"],
    [1200, "jpy", "¥1,200"],
    [1234, "kwd", "KWD 1.234"],
    [999, "eur", "€9.99"],
    // Exact beyond what a float division by 100 would keep.
    [Number.MAX_SAFE_INTEGER, "usd", "$90,071,992,547,409.91"],
  ])("%i %s shows as %s (en-US)", (minor, currency, text) => {
    expect(formatMoney(minor, currency, "en-US").replace(/\u00a0/g, " ")).toBe(text)
  })

  // Issue 13: Intl (CLDR) shows HUF, IDR and COP without decimals and IQD with 0, while the engine
  // stores and sends them at 2 and 3: the widget showed those amounts 100 (1000) times too large.
  test.each([
    [123456, "huf", "HUF 1,234.56"],
    [123456, "idr", "IDR 1,234.56"],
    [123456, "cop", "COP 1,234.56"],
    [123456, "iqd", "IQD 123.456"],
    [1234, "isk", "ISK 1,234"],
  ])("%i %s shows at the engine's exponent as %s", (minor, currency, text) => {
    expect(formatMoney(minor, currency, "en-US").replace(/\u00a0/g, " ")).toBe(text)
  })

  test("the widget's decimals are the engine's, for every ISO 4217 code Intl knows", () => {
    const codes = (Intl as unknown as { supportedValuesOf(key: string): string[] }).supportedValuesOf("currency")
    expect(codes.length).toBeGreaterThan(100)
    for (const code of [...codes, "xxx-not-a-currency"]) {
      expect([code, currencyDigits(code)]).toEqual([code, currencyDecimals(code)])
      // and what formatMoney prints has exactly that many decimals
      const digits = currencyDecimals(code)
      const shown = formatMoney(1, code, "en-US")
      expect([code, /[.,](\d+)\D*$/.exec(shown)?.[1]?.length ?? 0]).toEqual([code, digits])
    }
  })

  test("the locale decides the format, the currency the decimals", () => {
    expect(formatMoney(123000, "sek", "sv-SE").replace(/\s/g, " ")).toBe("1 230,00 kr")
  })
})

describe("tracking", () => {
  test("the store's tracking URL wins", () => {
    expect(trackingHref({ tracking_number: "1Z999", tracking_uri: "https://track.example.com/1Z999", shipping_company: "ups" })).toBe(
      "https://track.example.com/1Z999",
    )
  })

  test("else the carrier's tracking page, with the number encoded", () => {
    expect(trackingHref({ tracking_number: "00370712345678901234", shipping_company: "postnord" })).toBe(
      "https://www.postnord.se/en/our-tools/track-and-trace?shipmentId=00370712345678901234",
    )
    expect(trackingHref({ tracking_number: "A B&C", shipping_company: "UPS" })).toBe("https://www.ups.com/track?tracknum=A%20B%26C")
  })

  test("no link for an unknown carrier, a carrier without a public page, or a non-http URL", () => {
    expect(trackingHref({ tracking_number: "X1", shipping_company: "acme" })).toBeUndefined()
    expect(trackingHref({ tracking_number: "X1", shipping_company: "gls" })).toBeUndefined()
    expect(trackingHref({ tracking_number: "X1" })).toBeUndefined()
    expect(trackingHref({ tracking_number: "X1", tracking_uri: "javascript:alert(1)" })).toBeUndefined()
  })

  test("carrier names", () => {
    expect(carrierName("postnord")).toBe("PostNord")
    expect(carrierName("DHL")).toBe("DHL")
    expect(carrierName("dhl-express")).toBe("DHL Express")
    expect(carrierName("acme-freight")).toBe("acme-freight")
    expect(carrierName(undefined)).toBeUndefined()
  })
})

describe("labels", () => {
  test("Klarna statuses", () => {
    expect(orderStatus("PART_CAPTURED")).toEqual({ label: "Partly captured", color: "orange" })
    expect(orderStatus("SOMETHING_NEW")).toEqual({ label: "SOMETHING_NEW", color: "grey" })
  })

  test("a queued job that already failed once is retrying", () => {
    expect(jobState({ state: "pending", attempts: 0 }).label).toBe("Queued")
    expect(jobState({ state: "pending", attempts: 2 }).label).toBe("Retrying")
    expect(jobState({ state: "failed", attempts: 1 })).toEqual({ label: "Failed", color: "red" })
  })

  test("operations", () => {
    expect(operationLabel("trigger_send_out")).toBe("Resend to customer")
    expect(operationLabel("update_references")).toBe("Order references")
    expect(operationLabel("new_thing")).toBe("new_thing")
  })
})

describe("fulfillment titles", () => {
  test("named and ordered like the order page's Fulfillment card", () => {
    const titles = fulfillmentTitles({
      fulfillments: [{ id: "ful_a" }, { id: "ful_b" }],
      claims: [{ fulfillments: [{ id: "ful_c" }] }],
      swaps: [{ fulfillments: [{ id: "ful_d" }] }, { fulfillments: null }],
    })
    expect([...titles.entries()]).toEqual([
      ["ful_a", "Fulfillment #1"],
      ["ful_b", "Fulfillment #2"],
      ["ful_c", "Claim fulfillment #1"],
      ["ful_d", "Swap fulfillment #1"],
    ])
    expect(fulfillmentTitles({}).size).toBe(0)
  })
})

describe("settlement wording (issue 13: a cancelled order says what was cancelled)", () => {
  const amounts = (a: Partial<KlarnaOrder["amounts"]>) => ({
    authorized: 161880,
    captured: 0,
    refunded: 0,
    released: 0,
    remaining: 0,
    ...a,
  })
  const sek = (minor: number) => formatMoney(minor, "SEK", "en-US")
  const order = (status: string, a: Partial<KlarnaOrder["amounts"]>) => ({ status, currency: "SEK", amounts: amounts(a) })

  test("a cancelled order with nothing captured: the whole authorization, cancelled", () => {
    const cancelled = order("CANCELLED", {})
    expect(settlementNote(cancelled, "en-US")).toBe(`Cancelled in Klarna: ${sek(161880)} authorization cancelled, nothing was charged`)
    expect(noCapturesText(cancelled, "en-US")).toBe(
      `Nothing captured: the order was cancelled in Klarna and its ${sek(161880)} authorization with it.`,
    )
    expect(notCapturedForGood(cancelled)).toBe(161880)
  })

  test("cancelled after a partial capture: what was captured and what was released", () => {
    const cancelled = order("CANCELLED", { captured: 60000 })
    expect(settlementNote(cancelled, "en-US")).toBe(
      `Cancelled in Klarna: ${sek(60000)} captured, the other ${sek(101880)} of the authorization released`,
    )
    expect(notCapturedForGood(cancelled)).toBe(101880)
  })

  test("a release says what was released; an open authorization says nothing", () => {
    const released = order("CAPTURED", { captured: 60000, released: 101880 })
    expect(settlementNote(released, "en-US")).toBe(`Released in Klarna: ${sek(101880)} of the authorization will not be captured`)
    expect(settlementNote(order("PART_CAPTURED", { captured: 60000, remaining: 101880 }), "en-US")).toBeNull()
    expect(settlementNote(order("AUTHORIZED", { remaining: 161880 }), "en-US")).toBeNull()
    expect(noCapturesText(order("AUTHORIZED", { remaining: 161880 }))).toBe("Nothing captured yet. Each fulfillment becomes a capture.")
    expect(noCapturesText(order("EXPIRED", {}))).toBe("Nothing captured: the authorization expired in Klarna.")
  })
})
