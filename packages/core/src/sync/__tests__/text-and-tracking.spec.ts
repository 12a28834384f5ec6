/**
 * Issue 12: no text is cut in the middle of a character, identifiers and tracking are never cut at all.
 * Emoji (surrogate pairs, ZWJ sequences), combining accents, right-to-left text, 100/101/200 characters.
 */
import { codePointLength, fitsWhole, isWellFormed, klarnaName, klarnaReference, truncateText } from "../order-lines/text"
import { planShippingInfo, shippingInfoFor } from "../shipping-info"
import type { FulfillmentSnapshot } from "../order-model"
import { RequestValidator } from "../../../../simulator/validation"

const HEBREW = "משלוח מהיר לתל אביב" // 19 characters, right to left
const FAMILY = "👨‍👩‍👧" // one grapheme, 5 code points, 8 UTF-16 units

/** Every UTF-16 unit of `text` is part of a whole character: no lone surrogate, which would be invalid JSON. */
const wellFormedJson = (text: string) => JSON.parse(JSON.stringify(text)) === text && isWellFormed(text)

describe("truncateText cuts only between characters", () => {
  test.each([100, 101, 200])("%i characters of emoji into 255, 100 and 7 units", (count) => {
    const text = "😀".repeat(count)
    for (const max of [255, 100, 7]) {
      const cut = truncateText(text, max)
      expect(cut.length).toBeLessThanOrEqual(max)
      expect(wellFormedJson(cut)).toBe(true)
      expect(text.startsWith(cut)).toBe(true)
      expect(cut.length % 2).toBe(0) // whole pairs only
    }
  })

  test("99 letters and an emoji cut at 100 units keep the letters and drop the whole emoji", () => {
    const text = `${"a".repeat(99)}📦`
    expect(truncateText(text, 100)).toBe("a".repeat(99))
    expect(truncateText(text, 101)).toBe(text)
  })

  test("a ZWJ family and a combining accent are kept whole or dropped whole", () => {
    expect(truncateText(`ab${FAMILY}`, 6)).toBe("ab")
    expect(truncateText(`ab${FAMILY}`, 10)).toBe(`ab${FAMILY}`)
    expect(truncateText("cafe\u0301s", 4)).toBe("caf") // é as e + U+0301 is one character
  })

  test("right-to-left text is cut at its logical end, in whole characters", () => {
    const text = HEBREW.repeat(20) // 380 characters
    const cut = truncateText(text, 255, { ellipsis: true })
    expect(cut.endsWith("…")).toBe(true)
    expect(text.startsWith(cut.slice(0, -1))).toBe(true)
    expect(cut.length).toBe(255)
  })

  test("a lone surrogate becomes U+FFFD instead of invalid JSON", () => {
    expect(truncateText("ab\uD83D", 10)).toBe("ab\uFFFD")
    expect(klarnaName("\uDE00 Jacket", "Item")).toBe("\uFFFD Jacket")
  })
})

describe("identifiers are sent whole or not at all", () => {
  test("references count code points like Klarna's schema, and are never cut", () => {
    const emoji255 = "😀".repeat(255) // 255 code points, 510 UTF-16 units
    expect(codePointLength(emoji255)).toBe(255)
    expect(klarnaReference(emoji255)).toBe(emoji255)
    expect(klarnaReference(`${emoji255}x`)).toBeUndefined()
    expect(klarnaReference(`${HEBREW}-1`)).toBe(`${HEBREW}-1`)
    expect(fitsWhole("ok\uD83D", 10)).toBe(false)
  })
})

function fulfillment(trackings: { trackingNumber: string; trackingUrl?: string }[], shippingCompany?: string): FulfillmentSnapshot {
  return { id: "ful_1", createdAt: new Date(0), items: [], trackings, shippingCompany, shippingMethod: "Home" }
}

describe("tracking values are sent exactly as typed, or refused with the reason", () => {
  test("100 code points go whole, emoji counted as one", () => {
    const tracking = `${"T".repeat(99)}📦` // 100 code points, 101 UTF-16 units
    const carrier = `${"C".repeat(99)}🚚`
    const plan = planShippingInfo(fulfillment([{ trackingNumber: tracking }, { trackingNumber: HEBREW }], carrier))
    expect(plan.refused).toEqual([])
    expect(plan.entries).toEqual([
      { tracking_number: tracking, shipping_company: carrier, shipping_method: "Home" },
      { tracking_number: HEBREW, shipping_company: carrier, shipping_method: "Home" },
    ])
  })

  test("101 and 200 characters are left out and reported, the rest still goes", () => {
    const long101 = "1".repeat(101)
    const long200a = `${"Z".repeat(150)}${"a".repeat(50)}`
    const long200b = `${"Z".repeat(150)}${"b".repeat(50)}`
    const plan = planShippingInfo(
      fulfillment([{ trackingNumber: long101 }, { trackingNumber: long200a }, { trackingNumber: "OK-1" }, { trackingNumber: long200b }]),
    )
    expect(plan.entries).toEqual([{ tracking_number: "OK-1", shipping_method: "Home" }])
    expect(plan.refused.map((r) => r.message)).toEqual([
      `tracking_number "${long101}" is 101 characters; Klarna accepts at most 100: not sent`,
      `tracking_number "${long200a}" is 200 characters; Klarna accepts at most 100: not sent`,
      `tracking_number "${long200b}" is 200 characters; Klarna accepts at most 100: not sent`,
    ])
  })

  test("a too-long carrier is refused once; the tracking numbers go without it", () => {
    const carrier = "C".repeat(200)
    const plan = planShippingInfo(fulfillment([{ trackingNumber: "A" }, { trackingNumber: "B" }], carrier))
    expect(plan.entries).toEqual([
      { tracking_number: "A", shipping_method: "Home" },
      { tracking_number: "B", shipping_method: "Home" },
    ])
    expect(plan.refused).toEqual([
      {
        field: "shipping_company",
        value: carrier,
        message: `shipping_company "${carrier}" is 200 characters; Klarna accepts at most 100: not sent`,
      },
    ])
  })

  test("a tracking URL over 1024 code points is refused; 1024 goes", () => {
    const fits = `https://t.test/${"p".repeat(1024 - 15)}`
    const tooLong = `${fits}q`
    const plan = planShippingInfo(
      fulfillment([
        { trackingNumber: "A", trackingUrl: fits },
        { trackingNumber: "B", trackingUrl: tooLong },
      ]),
    )
    expect(plan.entries).toEqual([
      { tracking_number: "A", shipping_method: "Home", tracking_uri: fits },
      { tracking_number: "B", shipping_method: "Home" },
    ])
    expect(plan.refused.map((r) => [r.field, r.value])).toEqual([["tracking_uri", tooLong]])
    expect(plan.refused[0].message).toContain("is 1025 characters; Klarna accepts at most 1024")
  })

  test("a tracking number with a broken character is refused, not sent as invalid JSON", () => {
    const plan = planShippingInfo(fulfillment([{ trackingNumber: "AB\uD83D" }]))
    expect(plan.entries).toEqual([])
    expect(plan.refused[0]).toMatchObject({ field: "tracking_number" })
    expect(plan.refused[0].message).toContain("contains a broken character")
    expect(shippingInfoFor(fulfillment([{ trackingNumber: "  X-1 " }]))).toEqual([{ tracking_number: "X-1", shipping_method: "Home" }])
  })
})

describe("the simulator counts like the plugin (Klarna's schema: JSON Schema maxLength, code points)", () => {
  const validator = new RequestValidator()
  const accepts = (entry: Record<string, string>) => validator.validate("om", "UpdateShippingInfo", { shipping_info: [entry] }).length === 0

  test.each([
    ["tracking_number", 100],
    ["shipping_company", 100],
    ["tracking_uri", 1024],
  ] as const)("%s: what the plugin sends is accepted, what it refuses would be refused", (field, max) => {
    // max code points, max + 1 UTF-16 units (a tracking URL must be a web address to be sent at all)
    const prefix = field === "tracking_uri" ? "https://track.example/" : ""
    const whole = `${prefix}${"x".repeat(max - 1 - prefix.length)}📦`
    const over = `${whole}x`
    const entry = (value: string) => ({ tracking_number: "T-1", [field]: value })
    const plan = (value: string) =>
      planShippingInfo(
        fulfillment(
          [{ trackingNumber: field === "tracking_number" ? value : "T-1", trackingUrl: field === "tracking_uri" ? value : undefined }],
          field === "shipping_company" ? value : undefined,
        ),
      )
    expect(plan(whole).refused).toEqual([])
    expect(accepts(entry(whole))).toBe(true)
    expect(plan(over).refused.map((r) => r.field)).toEqual([field])
    expect(accepts(entry(over))).toBe(false)
  })
})
