/**
 * Named examples for planCapture, one per input kind of issue 4, with numbers checked by hand.
 * Lines are compared as [name, quantity, unit_price, total_discount_amount, total_amount,
 * tax_rate, total_tax_amount]; tax = total - round_half_away(total*10000/(10000+rate)).
 */
import { validateOrderLines } from "../line-validation"
import type { OrderSnapshot } from "../order-model"
import { FulfillmentNotFoundError, OrderSnapshotError } from "../order-lines/errors"
import { planCapture } from "../plan-capture"
import { compact, fulfillment, giftCard, item, order, shipping } from "./__fixtures__/order-builder"

type Row = [string, number, number, number, number, number | undefined, number | undefined]
interface Example {
  name: string
  order: OrderSnapshot
  captures: Record<string, { amount: number; lines: Row[]; skip?: string; includesShipping?: boolean }>
}

const examples: Example[] = [
  {
    name: "tax-inclusive prices, 25% VAT, shipping taxed too",
    order: order({
      items: [item("A", 2, 20000, { taxRate: 2500 })],
      shippingLines: [shipping("S", 495, { taxRate: 2500 })],
      fulfillments: [fulfillment("F1", { A: 2 })],
    }),
    captures: {
      // 20000/1.25 = 16000 -> tax 4000; 495/1.25 = 396 -> tax 99
      F1: {
        amount: 20495,
        includesShipping: true,
        lines: [
          ["Item A", 2, 10000, 0, 20000, 2500, 4000],
          ["Standard shipping", 1, 495, 0, 495, 2500, 99],
        ],
      },
    },
  },
  {
    name: "tax-exclusive store: 3 x 9.99 net + 19% VAT on the line (gross 35.66, not a multiple of 3), shipped 1 then 2",
    order: order({
      items: [item("A", 3, 3566, { taxRate: 1900 })],
      fulfillments: [fulfillment("F1", { A: 1 }), fulfillment("F2", { A: 2 })],
    }),
    captures: {
      // units [0,1): floor(3566/3) = 1188; 1188/1.19 = 998.32 -> 998, tax 190
      F1: { amount: 1188, lines: [["Item A", 1, 1188, 0, 1188, 1900, 190]] },
      // units [1,3): 3566 - 1188 = 2378 = 2 x 1189; 2378/1.19 = 1998.32 -> 1998, tax 380
      F2: { amount: 2378, lines: [["Item A", 2, 1189, 0, 2378, 1900, 380]] },
    },
  },
  {
    name: "several tax rates in one order (25%, 7%, shipping 18%)",
    order: order({
      items: [item("A", 1, 12500, { taxRate: 2500 }), item("B", 2, 2140, { taxRate: 700 })],
      shippingLines: [shipping("S", 590, { taxRate: 1800 })],
      fulfillments: [fulfillment("F1", { A: 1, B: 2 })],
    }),
    captures: {
      F1: {
        amount: 15230,
        lines: [
          ["Item A", 1, 12500, 0, 12500, 2500, 2500],
          ["Item B", 2, 1070, 0, 2140, 700, 140],
          ["Standard shipping", 1, 590, 0, 590, 1800, 90],
        ],
      },
    },
  },
  {
    name: "line-item discount (10.00 off two units of 25.00, 20% VAT)",
    order: order({ items: [item("A", 2, 5000, { discount: 1000, taxRate: 2000 })], fulfillments: [fulfillment("F1", { A: 2 })] }),
    // 4000/1.2 = 3333.33 -> 3333, tax 667
    captures: { F1: { amount: 4000, lines: [["Item A", 2, 2500, 1000, 4000, 2000, 667]] } },
  },
  {
    name: "order-level 10% discount spread by the platform, item split over two shipments",
    order: order({
      items: [item("A", 1, 3000, { discount: 300, taxRate: 2500 }), item("B", 3, 4500, { discount: 450, taxRate: 2500 })],
      fulfillments: [fulfillment("F1", { A: 1, B: 1 }), fulfillment("F2", { B: 2 })],
    }),
    captures: {
      // B units [0,1): total floor(4050/3) = 1350, gross 1500 -> discount 150; 1350/1.25 = 1080 -> tax 270
      F1: {
        amount: 4050,
        lines: [
          ["Item A", 1, 3000, 300, 2700, 2500, 540],
          ["Item B", 1, 1500, 150, 1350, 2500, 270],
        ],
      },
      F2: { amount: 2700, lines: [["Item B", 2, 1500, 300, 2700, 2500, 540]] },
    },
  },
  {
    name: "fixed 10.00 discount spread over 3 units, shipped one by one (cent remainder allocated by unit)",
    order: order({
      items: [item("A", 3, 3000, { discount: 1000 })],
      fulfillments: [fulfillment("F1", { A: 1 }), fulfillment("F2", { A: 1 }), fulfillment("F3", { A: 1 })],
    }),
    captures: {
      // totals: floor(2000/3)=666, floor(4000/3)-666=667, 2000-1333=667; unit price stays 10.00
      F1: { amount: 666, lines: [["Item A", 1, 1000, 334, 666, 0, 0]] },
      F2: { amount: 667, lines: [["Item A", 1, 1000, 333, 667, 0, 0]] },
      F3: { amount: 667, lines: [["Item A", 1, 1000, 333, 667, 0, 0]] },
    },
  },
  {
    name: "free-shipping discount: shipping line sent with total 0",
    order: order({
      items: [item("A", 1, 5000, { taxRate: 2500 })],
      shippingLines: [shipping("S", 495, { discount: 495, taxRate: 2500 })],
      fulfillments: [fulfillment("F1", { A: 1 })],
    }),
    captures: {
      F1: {
        amount: 5000,
        includesShipping: true,
        lines: [
          ["Item A", 1, 5000, 0, 5000, 2500, 1000],
          ["Standard shipping", 1, 495, 495, 0, 2500, 0],
        ],
      },
    },
  },
  {
    name: "gift card larger than the first shipment: used greedily, first capture 0, rest on the second",
    order: order({
      items: [item("A", 1, 3000, { taxRate: 2500 }), item("B", 1, 7000, { taxRate: 2500 })],
      shippingLines: [shipping("S", 500, { taxRate: 2500 })],
      giftCards: [giftCard("GC", 4000, "GIFT-XYZ-9876")],
      fulfillments: [fulfillment("F1", { A: 1 }), fulfillment("F2", { B: 1 })],
    }),
    captures: {
      F1: {
        amount: 0,
        skip: "zero_amount",
        lines: [
          ["Item A", 1, 3000, 0, 3000, 2500, 600],
          ["Standard shipping", 1, 500, 0, 500, 2500, 100],
          ["Gift card ****9876", 1, -3500, 0, -3500, 0, 0],
        ],
      },
      F2: {
        amount: 6500,
        lines: [
          ["Item B", 1, 7000, 0, 7000, 2500, 1400],
          ["Gift card ****9876", 1, -500, 0, -500, 0, 0],
        ],
      },
    },
  },
  {
    name: "shipping method with its own tax (food 12%, express shipping 25%)",
    order: order({
      items: [item("A", 4, 4480, { taxRate: 1200 })],
      shippingLines: [shipping("S", 6250, { taxRate: 2500, name: "Express" })],
      fulfillments: [fulfillment("F1", { A: 4 })],
    }),
    captures: {
      F1: {
        amount: 10730,
        lines: [
          ["Item A", 4, 1120, 0, 4480, 1200, 480],
          ["Express", 1, 6250, 0, 6250, 2500, 1250],
        ],
      },
    },
  },
  {
    name: "custom line-item adjustment (7.77 off a line of 3 x 9.99, 21% VAT), shipped 2 then 1",
    order: order({
      items: [item("A", 3, 2997, { discount: 777, taxRate: 2100 })],
      fulfillments: [fulfillment("F1", { A: 2 }), fulfillment("F2", { A: 1 })],
    }),
    captures: {
      // total 2220: units [0,2) floor(4440/3) = 1480, gross 1998 -> discount 518; 1480/1.21 = 1223.14 -> tax 257
      F1: { amount: 1480, lines: [["Item A", 2, 999, 518, 1480, 2100, 257]] },
      // units [2,3): 740, discount 259; 740/1.21 = 611.57 -> 612, tax 128
      F2: { amount: 740, lines: [["Item A", 1, 999, 259, 740, 2100, 128]] },
    },
  },
  {
    name: "currency with 0 decimals (JPY 1000 for 3 units, 10% tax), shipped one by one",
    order: order({
      currency: "JPY",
      currencyDecimals: 0,
      items: [item("A", 3, 1000, { taxRate: 1000 })],
      fulfillments: [fulfillment("F1", { A: 1 }), fulfillment("F2", { A: 1 }), fulfillment("F3", { A: 1 })],
    }),
    captures: {
      // 333/1.1 = 302.73 -> 303, tax 30; 334/1.1 = 303.64 -> 304, tax 30
      F1: { amount: 333, lines: [["Item A", 1, 333, 0, 333, 1000, 30]] },
      F2: { amount: 333, lines: [["Item A", 1, 333, 0, 333, 1000, 30]] },
      F3: { amount: 334, lines: [["Item A", 1, 334, 0, 334, 1000, 30]] },
    },
  },
  {
    name: "currency with 3 decimals (KWD 12.345 for 2 units + 1.500 shipping)",
    order: order({
      currency: "KWD",
      currencyDecimals: 3,
      items: [item("A", 2, 12345)],
      shippingLines: [shipping("S", 1500)],
      fulfillments: [fulfillment("F1", { A: 1 }), fulfillment("F2", { A: 1 })],
    }),
    captures: {
      F1: {
        amount: 7672,
        lines: [
          ["Item A", 1, 6172, 0, 6172, 0, 0],
          ["Standard shipping", 1, 1500, 0, 1500, 0, 0],
        ],
      },
      F2: { amount: 6173, lines: [["Item A", 1, 6173, 0, 6173, 0, 0]] },
    },
  },
  {
    name: "platform total 1 cent above the lines: explicit surcharge on the first capture",
    order: order({ items: [item("A", 1, 1000)], platformAdjustment: 1, fulfillments: [fulfillment("F1", { A: 1 })] }),
    captures: {
      F1: {
        amount: 1001,
        lines: [
          ["Item A", 1, 1000, 0, 1000, 0, 0],
          ["Rounding adjustment", 1, 1, 0, 1, 0, 0],
        ],
      },
    },
  },
  {
    name: "platform total 1 cent below the lines: explicit discount line",
    order: order({ items: [item("A", 1, 1000)], platformAdjustment: -1, fulfillments: [fulfillment("F1", { A: 1 })] }),
    captures: {
      F1: {
        amount: 999,
        lines: [
          ["Item A", 1, 1000, 0, 1000, 0, 0],
          ["Rounding adjustment", 1, -1, 0, -1, 0, 0],
        ],
      },
    },
  },
  {
    name: "platform total 19.00 above the lines (snapshot misses something): still explicit, named as a total adjustment",
    order: order({ items: [item("A", 1, 1000)], platformAdjustment: 1900, fulfillments: [fulfillment("F1", { A: 1 })] }),
    captures: {
      F1: {
        amount: 2900,
        lines: [
          ["Item A", 1, 1000, 0, 1000, 0, 0],
          ["Order total adjustment", 1, 1900, 0, 1900, 0, 0],
        ],
      },
    },
  },
  {
    name: "canceled fulfillment: its units go back, shipping moves to the first active one",
    order: order({
      items: [item("A", 3, 3000)],
      shippingLines: [shipping("S", 500)],
      fulfillments: [fulfillment("F1", { A: 2 }, { canceled: true }), fulfillment("F2", { A: 1 }), fulfillment("F3", { A: 2 })],
    }),
    captures: {
      F1: { amount: 0, skip: "fulfillment_canceled", includesShipping: false, lines: [] },
      F2: {
        amount: 1500,
        includesShipping: true,
        lines: [
          ["Item A", 1, 1000, 0, 1000, 0, 0],
          ["Standard shipping", 1, 500, 0, 500, 0, 0],
        ],
      },
      F3: { amount: 2000, includesShipping: false, lines: [["Item A", 2, 1000, 0, 2000, 0, 0]] },
    },
  },
]

describe("planCapture: named examples", () => {
  test.each(examples.map((e) => [e.name, e] as const))("%s", (_name, example) => {
    let sum = 0
    for (const [id, expected] of Object.entries(example.captures)) {
      const plan = planCapture(example.order, id)
      expect(compact(plan.orderLines)).toEqual(expected.lines)
      expect(plan.capturedAmount).toBe(expected.amount)
      expect(plan.skip).toBe(expected.skip)
      if (expected.includesShipping !== undefined) expect(plan.includesShipping).toBe(expected.includesShipping)
      validateOrderLines(plan.capturedAmount, plan.orderLines)
      sum += plan.capturedAmount
    }
    // every example ships everything: the captures add up to the order total
    expect(sum).toBe(example.order.totalAmount)
  })
})

describe("planCapture: other behaviour", () => {
  const base = order({ items: [item("A", 2, 2000)], fulfillments: [fulfillment("F1", { A: 1 })] })

  test("unknown fulfillment is a typed error", () => {
    expect(() => planCapture(base, "nope")).toThrow(FulfillmentNotFoundError)
  })

  test("a canceled order captures nothing", () => {
    expect(planCapture({ ...base, canceled: true }, "F1")).toMatchObject({ capturedAmount: 0, orderLines: [], skip: "order_canceled" })
  })

  test("gift card and reference details: masked code, item reference and type kept", () => {
    const o = order({
      items: [item("A", 1, 1000, { type: "digital" })],
      giftCards: [giftCard("gc_1", 100, "SECRET-CODE-7777")],
      fulfillments: [fulfillment("F1", { A: 1 })],
    })
    const plan = planCapture(o, "F1")
    expect(plan.orderLines[0]).toMatchObject({ type: "digital", reference: "sku-A" })
    expect(plan.orderLines[1]).toMatchObject({ type: "gift_card", reference: "gc_1", name: "Gift card ****7777" })
    expect(JSON.stringify(plan)).not.toContain("SECRET")
  })

  test.each([
    [
      "total != original - discount",
      { ...item("A", 1, 1000), total: 999 },
      /items\[0\]\.total: 999 must equal originalTotal 1000 - discountTotal 0/,
    ],
    ["fractional amount", { ...item("A", 1, 1000), originalTotal: 10.5, total: 10.5 }, /items\[0\]\.originalTotal: must be a safe integer/],
    ["negative tax rate", { ...item("A", 1, 1000), taxRate: -1 }, /items\[0\]\.taxRate/],
  ])("inconsistent snapshot is refused: %s", (_name, badItem, message) => {
    const o = order({ items: [badItem], totalAmount: 1000, fulfillments: [fulfillment("F1", { A: 1 })] })
    expect(() => planCapture(o, "F1")).toThrow(OrderSnapshotError)
    expect(() => planCapture(o, "F1")).toThrow(message)
  })

  test("over-fulfilment is refused with the item and counts", () => {
    const o = order({ items: [item("A", 2, 2000)], fulfillments: [fulfillment("F1", { A: 2 }), fulfillment("F2", { A: 1 })] })
    expect(() => planCapture(o, "F2")).toThrow(/item A is fulfilled 3 times .* quantity is 2/)
  })

  test("negative totalAmount is refused", () => {
    const o = order({ items: [item("A", 1, 1000)], totalAmount: -1, fulfillments: [fulfillment("F1", { A: 1 })] })
    expect(() => planCapture(o, "F1")).toThrow(/totalAmount: must be >= 0/)
  })
})
