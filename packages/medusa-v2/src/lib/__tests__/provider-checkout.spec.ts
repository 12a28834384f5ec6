/**
 * A v2 cart → Klarna Payments requests: the seeded store's cart line by line, v2's unrounded decimals, and
 * properties (the lines add up to exactly the amount authorized, each line obeys Klarna's arithmetic).
 */
import fc from "fast-check"
import { cartAsOrder, checkoutOrderRequest, checkoutSessionRequest, type V2CartForKlarna } from "../provider-checkout"
import { StorefrontDataError, statusFromData, storefrontData } from "../provider-payment-data"

const OPTIONS = { klarnaProviderIds: ["klarna"], orderIdPath: "order_id", carrierMapping: {}, shippingMethod: "Home" as const }

const ADDRESS = {
  first_name: "Testperson-se",
  last_name: "Approved",
  address_1: "Stårgatan 1",
  city: "Ankeborg",
  postal_code: "12345",
  country_code: "se",
  phone: "+46765260000",
}

/** The cart of test/medusa-v2/boot.test.ts as query.graph returns it: 3 × 12 + 899 SEK, 49 shipping, 25 % on top. */
const SEEDED_CART: V2CartForKlarna = {
  id: "cart_01",
  email: "customer@klarna-order-sync.test",
  currency_code: "sek",
  total: 1230,
  items: [
    {
      id: "cali_tom",
      product_title: "Tomatoes",
      variant_title: "Default variant",
      variant_sku: "TOM-1",
      quantity: 3,
      original_total: 45,
      total: 45,
      tax_lines: [{ rate: 25 }],
    },
    {
      id: "cali_jkt",
      product_title: "Rain jacket",
      variant_title: "Default variant",
      variant_sku: "JKT-1",
      quantity: 1,
      original_total: 1123.75,
      total: 1123.75,
      tax_lines: [{ rate: 25 }],
    },
  ],
  shipping_methods: [{ id: "casm_std", name: "Standard", original_total: 61.25, total: 61.25, tax_lines: [{ rate: 25 }] }],
  shipping_address: ADDRESS,
  billing_address: ADDRESS,
}

test("the seeded cart becomes Klarna lines with exact minor units, tax and references", () => {
  const body = checkoutSessionRequest(SEEDED_CART, OPTIONS, 123000)
  expect(body).toMatchObject({
    purchase_country: "SE",
    purchase_currency: "SEK",
    locale: "sv-SE",
    order_amount: 123000,
    order_tax_amount: 24600,
    intent: "buy",
    merchant_reference2: "cart_01",
  })
  expect(body.order_lines).toEqual([
    expect.objectContaining({
      type: "physical",
      reference: "TOM-1",
      name: "Tomatoes",
      quantity: 3,
      unit_price: 1500,
      tax_rate: 2500,
      total_amount: 4500,
      total_discount_amount: 0,
      total_tax_amount: 900,
      merchant_data: "cali_tom",
    }),
    expect.objectContaining({
      reference: "JKT-1",
      name: "Rain jacket",
      quantity: 1,
      unit_price: 112375,
      total_amount: 112375,
      total_tax_amount: 22475,
      merchant_data: "cali_jkt",
    }),
    expect.objectContaining({
      type: "shipping_fee",
      name: "Standard",
      quantity: 1,
      total_amount: 6125,
      total_tax_amount: 1225,
      merchant_data: "casm_std",
    }),
  ])
  expect(body.billing_address).toEqual({
    given_name: "Testperson-se",
    family_name: "Approved",
    street_address: "Stårgatan 1",
    postal_code: "12345",
    city: "Ankeborg",
    phone: "+46765260000",
    country: "SE",
    email: "customer@klarna-order-sync.test",
  })
})

test("v2's unrounded decimals (448.875 SEK) are allocated so the lines add up to the amount authorized", () => {
  const cart: V2CartForKlarna = {
    ...SEEDED_CART,
    total: "459",
    items: [
      { id: "a", product_title: "A", quantity: 3, original_total: "448.875", total: "448.875", tax_lines: [{ rate: 25 }] },
      {
        id: "b",
        product_title: "B",
        quantity: 1,
        original_total: { value: "10.125", precision: 20 },
        total: { value: "10.125", precision: 20 },
        tax_lines: [{ rate: 25 }],
      },
    ],
    shipping_methods: [],
  }
  // 448.875 + 10.125 = 459.00 exactly: the two half-öre remainders become one öre on one line.
  const order = cartAsOrder(cart, 45900, OPTIONS)
  expect(order.items.map((i) => i.total)).toEqual([44888, 1012])
  const body = checkoutOrderRequest(cart, OPTIONS, 45900)
  expect(body.order_lines.reduce((s, l) => s + l.total_amount, 0)).toBe(45900)
})

test("a discount is the gap between v2's original_total and total, tax included", () => {
  const cart: V2CartForKlarna = {
    ...SEEDED_CART,
    total: 225,
    items: [{ id: "a", product_title: "A", variant_sku: "A-1", quantity: 2, original_total: 250, total: 225, tax_lines: [{ rate: 25 }] }],
    shipping_methods: [],
  }
  const [line] = checkoutOrderRequest(cart, OPTIONS, 22500).order_lines
  expect(line).toMatchObject({ quantity: 2, unit_price: 12500, total_discount_amount: 2500, total_amount: 22500, total_tax_amount: 4500 })
})

test("a payment amount that is not the cart's (the cart changed since) is refused, naming both", () => {
  expect(() => checkoutOrderRequest(SEEDED_CART, OPTIONS, 100000)).toThrow(/comes to 123000 minor units but the payment asks for 100000/)
})

test("no country anywhere is refused with the option to set; the option fills in", () => {
  const cart = { ...SEEDED_CART, shipping_address: null, billing_address: null }
  expect(() => checkoutOrderRequest(cart, OPTIONS, 123000)).toThrow(/purchaseCountry/)
  expect(checkoutOrderRequest(cart, { ...OPTIONS, purchaseCountry: "se" }, 123000).purchase_country).toBe("SE")
})

test("a fractional quantity is refused (Klarna counts whole units)", () => {
  const cart = { ...SEEDED_CART, total: 106.25, items: [{ ...SEEDED_CART.items[0], quantity: 1.5 }] }
  expect(() => checkoutOrderRequest(cart, OPTIONS, 10625)).toThrow(/quantity/)
})

test("property: any v2 cart's lines sum to its rounded total and obey total = quantity × unit_price − discount", () => {
  // Amounts with 4 decimals (sub-öre, as v2 computes them): units of 0.0001 SEK.
  const text = (units: bigint) => `${units / 10000n}.${(units % 10000n).toString().padStart(4, "0")}`
  const item = fc.record({
    quantity: fc.integer({ min: 1, max: 50 }),
    total: fc.bigInt({ min: 0n, max: 100_000_000n }),
    discount: fc.bigInt({ min: 0n, max: 10_000_000n }),
    rate: fc.constantFrom(0, 6, 12, 25),
  })
  fc.assert(
    fc.property(fc.array(item, { minLength: 1, maxLength: 6 }), fc.bigInt({ min: 0n, max: 1_000_000n }), (items, shipping) => {
      const sum = items.reduce((acc, it) => acc + it.total, 0n) + shipping
      // round half away from zero to öre (100 units of 0.0001)
      const amount = Number((sum + 50n) / 100n)
      const cart: V2CartForKlarna = {
        ...SEEDED_CART,
        total: text(sum),
        items: items.map((it, i) => ({
          id: `i${i}`,
          product_title: `P${i}`,
          quantity: it.quantity,
          total: text(it.total),
          original_total: text(it.total + it.discount),
          tax_lines: [{ rate: it.rate }],
        })),
        shipping_methods: [{ id: "s", name: "S", total: text(shipping), original_total: text(shipping), tax_lines: [] }],
      }
      const body = checkoutOrderRequest(cart, OPTIONS, amount)
      expect(body.order_amount).toBe(amount)
      expect(body.order_lines.reduce((acc, l) => acc + l.total_amount, 0)).toBe(amount)
      for (const line of body.order_lines) {
        expect(Number.isInteger(line.total_amount)).toBe(true)
        expect(line.total_amount).toBe(line.quantity * line.unit_price - (line.total_discount_amount ?? 0))
      }
    }),
    { numRuns: 300 },
  )
})

describe("what a storefront may put in a payment session's data", () => {
  test("only the authorization token (Medusa's own session_id aside)", () => {
    expect(storefrontData({ session_id: "payses_1", authorization_token: "tok" })).toEqual({ authorization_token: "tok" })
    expect(storefrontData(undefined)).toEqual({})
  })
  test("an order_id (someone else's Klarna order) or anything else is refused, by name", () => {
    expect(() => storefrontData({ order_id: "k-1", authorization_token: "tok" })).toThrow(StorefrontDataError)
    expect(() => storefrontData({ order_id: "k-1", order_amount: 1 })).toThrow(/refused: order_id, order_amount/)
    expect(() => storefrontData({ authorization_token: "" })).toThrow(/non-empty/)
  })
  test("the session status follows from the data", () => {
    expect(statusFromData({})).toBe("requires_more")
    expect(statusFromData({ authorization_token: "t" })).toBe("pending")
    expect(statusFromData({ order_id: "k" })).toBe("authorized")
    expect(statusFromData({ order_id: "k", fraud_status: "REJECTED" })).toBe("error")
  })
})
