import type { KlarnaOrderLine } from "@klarna-order-sync/core"
import { taxIncluded } from "@klarna-order-sync/core"
import { planRemainingCapture } from "@klarna-order-sync/core"
import { toSnapshot } from "../order-source"
import { buildPaymentsOrderLines, buildPaymentsOrderRequest, type CartForKlarna, localeFor } from "../payments-request"
import { parsePluginOptions } from "../plugin-options"

const options = { credentials: [{ username: "PK_TEST", password: "test-password-secret", baseUrl: "http://127.0.0.1:9" }] }

function cart(overrides: Partial<CartForKlarna> = {}): CartForKlarna {
  return {
    id: "cart_1",
    email: "a@example.com",
    total: 0,
    items: [
      // 3 x 19.99 incl. 19 % tax, 7 % discount → Medusa: total 5577, original 5997
      {
        id: "item_1",
        title: "Cups",
        quantity: 3,
        unit_price: 1999,
        variant: { sku: "CUP" },
        total: 5577,
        original_total: 5997,
        tax_total: 891,
        tax_lines: [{ rate: 19 }],
      },
      {
        id: "item_2",
        title: "Papers",
        quantity: 7,
        unit_price: 333,
        variant_id: "variant_2",
        total: 2168,
        original_total: 2331,
        tax_total: 346,
        tax_lines: [{ rate: 19 }],
      },
    ],
    shipping_methods: [
      {
        id: "sm_1",
        price: 4900,
        total: 4900,
        original_total: 4900,
        tax_total: 782,
        tax_lines: [{ rate: 19 }],
        shipping_option: { name: "Home" },
      },
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
  // Klarna's tax formula on every line (890, not Medusa's 891, for 5577 at 19 %) and no tax on the gift card:
  // see "the tax of every line ..." below.
  expect(req.order_tax_amount).toBe(890 + 346 + 782)
  expect(req.order_tax_amount).toBe(req.order_lines.reduce((a, l) => a + (l.total_tax_amount ?? 0), 0))
  const noAddress = buildPaymentsOrderRequest(cart({ shipping_address: null }), o, "sek", 11177)
  expect(noAddress.purchase_country).toBe("SE")
  expect(() => buildPaymentsOrderRequest(cart({ shipping_address: null }), parsePluginOptions(options), "eur", 1)).toThrow(
    /purchaseCountry/,
  )
  expect(localeFor("se")).toBe("sv-SE")
  expect(localeFor("XY")).toBe("en-XY")
})

/** Klarna's line rules: total = quantity * unit_price - discount, and the lines add up to the amount. */
function expectKlarnaArithmetic(lines: KlarnaOrderLine[], orderAmount: number): void {
  for (const l of lines) expect(l.total_amount).toBe(l.quantity * l.unit_price - (l.total_discount_amount ?? 0))
  expect(lines.reduce((a, l) => a + l.total_amount, 0)).toBe(orderAmount)
}

describe("the core's line rules", () => {
  test("the tax of every line is Klarna's formula total - total*10000/(10000+rate), not Medusa's per-line rounding", () => {
    // Medusa says 891 for the cups (19 % of the net 4686.55 rounded after the discount); Klarna Payments checks
    // total_tax_amount = 5577 - 5577*10000/11900 = 890.45 and answers BAD_VALUE for anything but its rounding.
    const lines = buildPaymentsOrderLines(cart(), 11177)
    expect(lines.map((l) => l.total_tax_amount)).toEqual([890, 346, 782, 0])
    for (const l of lines) expect(l.total_tax_amount).toBe(taxIncluded(l.total_amount, l.tax_rate ?? 0))
  })

  test("gift cards are one line per card, drawn in the cart's order up to their balance, untaxed, codes masked", () => {
    const lines = buildPaymentsOrderLines(
      cart({
        gift_cards: [
          { id: "gc_1", code: "GIFT-AAAA-1111", balance: 1000 },
          { id: "gc_2", code: "GIFT-BBBB-2222", balance: 5000 },
        ],
      }),
      11177,
    )
    expectKlarnaArithmetic(lines, 11177)
    expect(lines.filter((l) => l.type === "gift_card")).toEqual([
      expect.objectContaining({ reference: "gc_1", name: "Gift card ****1111", total_amount: -1000, tax_rate: 0, total_tax_amount: 0 }),
      expect.objectContaining({ reference: "gc_2", name: "Gift card ****2222", total_amount: -468, tax_rate: 0, total_tax_amount: 0 }),
    ])
  })

  test("a positive rounding gap is a surcharge line; a shipping discount is the shipping line's discount", () => {
    const c = cart({
      shipping_methods: [
        {
          id: "sm_1",
          price: 4900,
          total: 0,
          original_total: 4900,
          tax_total: 0,
          tax_lines: [{ rate: 19 }],
          shipping_option: { name: "Home" },
        },
      ],
    })
    const lines = buildPaymentsOrderLines(c, 6278)
    expectKlarnaArithmetic(lines, 6278)
    expect(lines[2]).toMatchObject({
      type: "shipping_fee",
      unit_price: 4900,
      total_discount_amount: 4900,
      total_amount: 0,
      merchant_data: "sm_1",
    })
    // Lines: items, shipping, the positive rounding difference, then the credits (gift cards).
    expect(lines.slice(3).map((l) => [l.type, l.reference, l.total_amount])).toEqual([
      ["surcharge", "rounding-adjustment", 1],
      ["gift_card", "gift-card", -1468],
    ])
  })

  test("a SKU is sent whole (up to Klarna's 255), and a long name is cut with an ellipsis, never mid-character", () => {
    const sku = "S".repeat(100)
    const title = `${"é".repeat(254)}😀😀`
    const c = cart({
      items: [
        {
          id: "item_1",
          title,
          quantity: 1,
          unit_price: 100,
          variant: { sku },
          total: 100,
          original_total: 100,
          tax_total: 0,
          tax_lines: [],
        },
      ],
      shipping_methods: [],
      gift_card_total: 0,
      gift_card_tax_total: 0,
    })
    const [line] = buildPaymentsOrderLines(c, 100)
    expect(line.reference).toBe(sku)
    expect(line.name).toBe(`${"é".repeat(254)}…`)
    expect(line.merchant_data).toBe("item_1")
  })
})

describe("what Klarna authorizes is what the engine captures", () => {
  test("the checkout's lines carry the same amounts as the remaining capture of the order the cart becomes", () => {
    const c = cart({
      gift_cards: [{ id: "gc_1", code: "GIFT-AAAA-1111", balance: 5000 }],
      shipping_methods: [
        {
          id: "sm_1",
          price: 4900,
          total: 4410,
          original_total: 4900,
          tax_total: 704,
          tax_lines: [{ rate: 19 }],
          shipping_option: { name: "Home" },
        },
      ],
    })
    const amount = 5577 + 2168 + 4410 - 1468
    const authorized = buildPaymentsOrderLines(c, amount)
    // The same cart as the Medusa order it completes into (order-source.ts reads it for every capture).
    const order = toSnapshot(
      {
        id: "order_1",
        status: "pending",
        currency_code: "eur",
        total: amount,
        items: c.items.map((item) => ({ ...item, variant: item.variant ? { ...item.variant, id: "variant_1" } : null })),
        shipping_methods: (c.shipping_methods ?? []).map((m) => ({
          ...m,
          shipping_option: { name: m.shipping_option?.name ?? undefined },
        })),
        gift_card_transactions: [{ gift_card_id: "gc_1", amount: 1468, gift_card: { code: "GIFT-AAAA-1111" } }],
      },
      parsePluginOptions(options),
    )
    const captured = planRemainingCapture(order, []).orderLines
    const amounts = (lines: KlarnaOrderLine[]) =>
      lines.map((l) => [l.type, l.quantity, l.unit_price, l.total_discount_amount, l.total_amount, l.tax_rate, l.total_tax_amount])
    expect(amounts(authorized)).toEqual(amounts(captured))
    expectKlarnaArithmetic(authorized, amount)
  })
})
