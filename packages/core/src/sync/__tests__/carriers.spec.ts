/** The carrier table (carriers.ts) and the tracking_uri the engine sends with it (shipping-info.ts). */
import { carrierName, carrierTrackingUrl, trackingUrlFor } from "../carriers"
import type { FulfillmentSnapshot } from "../order-model"
import { shippingInfoFor } from "../shipping-info"

const fulfillment = (trackings: FulfillmentSnapshot["trackings"], shippingCompany?: string): FulfillmentSnapshot => ({
  id: "ful_1",
  createdAt: new Date(0),
  items: [],
  trackings,
  shippingCompany,
  shippingMethod: "Home",
})

describe("carrier table", () => {
  test.each([
    ["postnord", "00370712345678901234", "https://www.postnord.se/en/our-tools/track-and-trace?shipmentId=00370712345678901234"],
    ["PostNord", "00370712345678901234", "https://www.postnord.se/en/our-tools/track-and-trace?shipmentId=00370712345678901234"],
    ["dhl-express", "JD0146", "https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id=JD0146"],
    ["ups", "A B&C", "https://www.ups.com/track?tracknum=A%20B%26C"],
    ["bring", " 70701 ", "https://tracking.bring.com/tracking/70701"],
  ])("%s %j → %s", (company, number, url) => {
    expect(carrierTrackingUrl(company, number)).toBe(url)
  })

  test("no page: unknown carrier, carrier without a public page, no carrier, blank number", () => {
    expect(carrierTrackingUrl("acme", "X1")).toBeUndefined()
    expect(carrierTrackingUrl("gls", "X1")).toBeUndefined()
    expect(carrierTrackingUrl(undefined, "X1")).toBeUndefined()
    expect(carrierTrackingUrl("ups", "  ")).toBeUndefined()
  })

  test("the store's http(s) URL wins over the carrier's page; any other scheme is ignored", () => {
    expect(trackingUrlFor({ trackingNumber: "1Z9", trackingUrl: "https://track.example.com/1Z9", shippingCompany: "ups" })).toBe(
      "https://track.example.com/1Z9",
    )
    expect(trackingUrlFor({ trackingNumber: "1Z9", trackingUrl: "javascript:alert(1)", shippingCompany: "ups" })).toBe(
      "https://www.ups.com/track?tracknum=1Z9",
    )
    expect(trackingUrlFor({ trackingNumber: "1Z9", trackingUrl: "" })).toBeUndefined()
  })

  test("names", () => {
    expect(carrierName("dhl_express")).toBe("DHL Express")
    expect(carrierName("acme-freight")).toBe("acme-freight")
  })
})

describe("shipping_info.tracking_uri", () => {
  test("the fulfillment's own tracking URL, exactly as recorded", () => {
    const [entry] = shippingInfoFor(
      fulfillment([{ trackingNumber: "T1", trackingUrl: "https://carrier.example/t?id=T1&x=%C3%A5" }], "postnord"),
    )
    expect(entry).toEqual({
      tracking_number: "T1",
      shipping_company: "postnord",
      shipping_method: "Home",
      tracking_uri: "https://carrier.example/t?id=T1&x=%C3%A5",
    })
  })

  test("without one, the carrier's page for the number", () => {
    const entries = shippingInfoFor(fulfillment([{ trackingNumber: "00370730253234503321" }, { trackingNumber: "A/2" }], "postnord"))
    expect(entries.map((e) => e.tracking_uri)).toEqual([
      "https://www.postnord.se/en/our-tools/track-and-trace?shipmentId=00370730253234503321",
      "https://www.postnord.se/en/our-tools/track-and-trace?shipmentId=A%2F2",
    ])
  })

  test("no URL known: no tracking_uri at all", () => {
    expect(shippingInfoFor(fulfillment([{ trackingNumber: "T1" }], "acme"))[0]).not.toHaveProperty("tracking_uri")
    expect(shippingInfoFor(fulfillment([{ trackingNumber: "T1" }]))[0]).not.toHaveProperty("tracking_uri")
  })

  test("a URL longer than Klarna's 1024 characters is left out, never cut", () => {
    const long = `https://carrier.example/${"a".repeat(1001)}`
    expect(long.length).toBe(1025)
    expect(shippingInfoFor(fulfillment([{ trackingNumber: "T1", trackingUrl: long }], "acme"))[0]).not.toHaveProperty("tracking_uri")
    const fits = long.slice(0, 1024)
    expect(shippingInfoFor(fulfillment([{ trackingNumber: "T1", trackingUrl: fits }], "acme"))[0].tracking_uri).toBe(fits)
  })
})
