/**
 * The v2 order graph -> core snapshot mapping (src/lib/order-snapshot.ts): on an order graph captured from a
 * real Medusa 2.21.2 server (fixtures/order-graph.json: three lines, one at 35.91 SEK × 3 + 25 % VAT =
 * 134.6625 SEK, shipping 49 + 25 %, two fulfillments, one shipped with a label), and properties over random
 * v2 orders: the lines add up exactly to the order's rounded total, each line within one minor unit of its
 * exact value, discounts exact, whatever form (raw text, float, BigNumber-like) the amounts come in.
 */
import fc from "fast-check"
import { allocateOrder, parseKlarnaOptions } from "@klarna-order-sync/core"
import { isKlarnaProviderId, klarnaPaymentOf, toSyncableOrder, type V2OrderGraph } from "../order-snapshot"
import fixture from "./fixtures/order-graph.json"

const options = parseKlarnaOptions({ credentials: [{ username: "PK_TEST", password: "secret-for-tests" }] })
const graph = (): V2OrderGraph => structuredClone(fixture) as unknown as V2OrderGraph

describe("a refund Medusa recorded as an order credit line", () => {
  // Medusa 2.21's refundPaymentWorkflow adds a credit line for a refund the order does not owe (a goodwill
  // refund from the payment), and an order's total is subtotal + tax - discounts - credit lines: the total
  // drops by the refund while the lines stay. Found by `npm run bench -- --v2` (payment.refunded failed with
  // "the parts sum to 1215 but the total is 1205 SEK").
  test("the lines are allocated over the total before later credit lines, exactly as without the refund", () => {
    const refunded = graph()
    refunded.total = "1339.6625"
    refunded.credit_lines = [{ amount: 10, version: 2 }]
    const before = toSyncableOrder(graph(), options)
    const after = toSyncableOrder(refunded, options)
    expect(after.totalAmount).toBe(134966)
    expect(after.items).toEqual(before.items)
    expect(after.shippingLines).toEqual(before.shippingLines)
  })
})

describe("the order graph of a real v2 server", () => {
  const order = toSyncableOrder(graph(), options)

  test("the Klarna order id and the authorized amount come from the pp_klarna_ payment, in öre", () => {
    expect(order.klarnaOrderId).toBe("13870bab-2a05-42d9-a60d-5abd7a6dbc81")
    expect(order.authorizedAmount).toBe(134966) // 1349.6625 SEK rounded half away from zero
    expect(order).toMatchObject({ platform: "medusa", orderId: "order_01M92KENTM5DVVZ0NNF9NW5CNA", displayId: "1", currency: "SEK" })
    expect(order.currencyDecimals).toBe(2)
  })

  test("item lines: tax-inclusive totals in minor units, adding up with shipping to the rounded order total", () => {
    expect(order.items).toEqual([
      expect.objectContaining({
        reference: "JKT-1",
        name: "Rain jacket (Default)",
        quantity: 1,
        total: 112375,
        originalTotal: 112375,
        discountTotal: 0,
        taxRate: 2500,
        type: "physical",
      }),
      // 134.6625 SEK: the 0.25 öre goes nowhere, the order total 1349.6625 rounds down as well.
      expect.objectContaining({
        reference: "COF-1",
        name: "Coffee (Default)",
        quantity: 3,
        total: 13466,
        originalTotal: 13466,
        discountTotal: 0,
        taxRate: 2500,
      }),
      expect.objectContaining({ reference: "TOM-1", name: "Tomatoes (Default)", quantity: 2, total: 3000, taxRate: 2500 }),
    ])
    expect(order.shippingLines).toEqual([
      { id: "ordsm_01M92KENTGX7V7W9K5HFZXDMEN", name: "Standard", originalTotal: 6125, discountTotal: 0, total: 6125, taxRate: 2500 },
    ])
    const sum = order.items.reduce((s, i) => s + i.total, 0) + order.shippingLines.reduce((s, l) => s + l.total, 0)
    expect(sum).toBe(134966)
    expect(order.totalAmount).toBe(134966)
    expect(order.giftCards).toEqual([])
  })

  test("fulfillments: items by order line, labels as tracking exactly as typed, shipped flag, creation order", () => {
    expect(
      order.fulfillments.map((f) => ({ id: f.id, items: f.items, trackings: f.trackings, shipped: f.shipped, canceled: f.canceled })),
    ).toEqual([
      {
        id: "ful_01M92KEQ2KWB7NZKQDXRJ53V4Y",
        items: [{ itemId: "ordli_01M92KENTQ6YD8D6S3NHZAPD11", quantity: 2 }],
        trackings: [{ trackingNumber: "TRK-Å1", trackingUrl: "https://track.example/Å1" }],
        shipped: true,
        canceled: false,
      },
      {
        id: "ful_01M92KEVEVNWKX4GJAEGEWTY30",
        items: [
          { itemId: "ordli_01M92KENTQ042DRJV93DM8FJK0", quantity: 1 },
          { itemId: "ordli_01M92KENTQ6YD8D6S3NHZAPD11", quantity: 1 },
        ],
        trackings: [],
        shipped: false,
        canceled: false,
      },
    ])
    expect(order.fulfillments[0].shippingMethod).toBe("Home")
  })

  test("the core splits it into captures that add up to the authorized amount", () => {
    const allocation = allocateOrder(order)
    expect(allocation.targetAmount).toBe(134966)
    expect(allocation.parts.reduce((s, p) => s + p.amount, 0)).toBe(134966)
  })

  test("a canceled order and a canceled fulfillment are flagged", () => {
    const g = graph()
    g.status = "canceled"
    g.fulfillments![1].canceled_at = "2026-12-05T08:00:00.000Z"
    const canceled = toSyncableOrder(g, options)
    expect(canceled.canceled).toBe(true)
    expect(canceled.fulfillments.map((f) => f.canceled)).toEqual([false, true])
  })
})

describe("which payment is Klarna's", () => {
  test("only the plugin's provider (pp_klarna_<id>) or a listed id, with an order id at orderIdPath", () => {
    expect(isKlarnaProviderId("pp_klarna_klarna", options)).toBe(true)
    expect(isKlarnaProviderId("pp_klarna_kustom", options)).toBe(true)
    expect(isKlarnaProviderId("pp_system_default", options)).toBe(false)
    expect(isKlarnaProviderId("pp_stripe_stripe", options)).toBe(false)
  })

  test("a pp_system_default order has no Klarna order id: the engine leaves it alone", () => {
    const g = graph()
    g.payment_collections![0].payments![0].provider_id = "pp_system_default"
    const order = toSyncableOrder(g, options)
    expect(order.klarnaOrderId).toBeUndefined()
    expect(order.authorizedAmount).toBeUndefined()
    expect(order.refunds).toEqual([])
  })

  test("the order id at a nested orderIdPath", () => {
    const g = graph()
    g.payment_collections![0].payments![0].data = { klarna: { order_id: "k-nested" } }
    expect(klarnaPaymentOf(g, { ...options, orderIdPath: "klarna.order_id" })?.klarnaOrderId).toBe("k-nested")
    expect(klarnaPaymentOf(g, options)).toBeUndefined()
  })
})

describe("refunds", () => {
  test("refunds of the Klarna payment only, exact minor units; one paired with the received return of the same amount gets its lines", () => {
    const g = graph()
    const payment = g.payment_collections![0].payments![0]
    payment.refunds = [
      { id: "ref_2", amount: 30, raw_amount: { value: "30", precision: 20 }, created_at: "2026-12-05T09:00:00.000Z", note: "goodwill" },
      { id: "ref_1", amount: 89.775, raw_amount: { value: "89.775", precision: 20 }, created_at: "2026-12-05T08:00:00.000Z" },
    ]
    g.payment_collections!.push({
      payments: [
        {
          id: "pay_other",
          provider_id: "pp_system_default",
          amount: 10,
          refunds: [{ id: "ref_x", amount: 10, created_at: "2026-12-05T08:00:00.000Z" }],
        },
      ],
    })
    g.returns = [
      {
        id: "ret_1",
        status: "received",
        created_at: "2026-12-05T07:59:59.000Z",
        received_at: "2026-12-05T07:59:59.000Z",
        refund_amount: 89.775,
        items: [{ item_id: "ordli_01M92KENTQ6YD8D6S3NHZAPD11", quantity: 2, received_quantity: 2 }],
      },
    ]
    const order = toSyncableOrder(g, options)
    expect(order.refunds).toEqual([
      {
        id: "ref_1",
        amount: 8978, // 89.775 SEK, half away from zero
        createdAt: new Date("2026-12-05T08:00:00.000Z"),
        note: undefined,
        reason: "return",
        returnedItems: [{ itemId: "ordli_01M92KENTQ6YD8D6S3NHZAPD11", quantity: 2 }],
      },
      { id: "ref_2", amount: 3000, createdAt: new Date("2026-12-05T09:00:00.000Z"), note: "goodwill" },
    ])
  })
})

test("a goodwill refund made before a return was received is not taken for the return's refund (found by the v2 exploration)", () => {
  // Refund 15 SEK of goodwill, then a tomato (15 SEK with tax) is returned and its 15 SEK refunded: v2 links a
  // refund to its return only by amount, and the goodwill refund existed before the return was received.
  const g = graph()
  g.payment_collections![0].payments![0].refunds = [
    { id: "ref_goodwill", amount: 15, raw_amount: { value: "15", precision: 20 }, created_at: "2026-12-05T08:00:00.000Z", note: null },
    { id: "ref_return", amount: 15, raw_amount: { value: "15", precision: 20 }, created_at: "2026-12-05T08:10:00.000Z", note: null },
  ]
  g.returns = [
    {
      id: "ret_1",
      status: "received",
      created_at: "2026-12-05T08:05:00.000Z",
      received_at: "2026-12-05T08:09:00.000Z",
      refund_amount: 15,
      items: [{ item_id: "ordli_01M92KENTRP9XSYKN96DWM5C5Q", quantity: 1, received_quantity: 1 }],
    },
  ]
  const refunds = toSyncableOrder(g, options).refunds
  expect(refunds.map((r) => [r.id, r.reason, r.returnedItems])).toEqual([
    ["ref_goodwill", undefined, undefined],
    ["ref_return", "return", [{ itemId: "ordli_01M92KENTRP9XSYKN96DWM5C5Q", quantity: 1 }]],
  ])
})

// ---- Properties over random v2 orders --------------------------------------------------------------------

/** An exact decimal with `scale` fraction digits, as text: units / 10^scale. */
function text(units: bigint, scale: number): string {
  const negative = units < 0n
  const digits = (negative ? -units : units).toString().padStart(scale + 1, "0")
  return `${negative ? "-" : ""}${digits.slice(0, digits.length - scale)}${scale ? `.${digits.slice(digits.length - scale)}` : ""}`
}

const SCALE = 6 // v2 keeps up to 20 significant digits; 6 decimals is ample for tax × price products
const E = 10n ** BigInt(SCALE)

/** A line as v2 computes it: subtotal = unit × qty, discount (excl. tax), tax on what remains; all exact. */
const lineArb = fc.record({
  unitCents: fc.integer({ min: 1, max: 2_000_000 }), // unit price in 1/1000 SEK: sub-öre prices happen
  quantity: fc.integer({ min: 1, max: 20 }),
  discountPermille: fc.integer({ min: 0, max: 1000 }),
  ratePermille: fc.constantFrom(0, 60000, 120000, 125000, 250000), // tax rate in 1/10000 % (6 %, 12 %, 12.5 %, 25 %)
})

type Form = "text" | "raw" | "number" | "bignumber"
const formArb = fc.constantFrom<Form>("text", "raw", "number", "bignumber")

function present(value: string, form: Form): unknown {
  if (form === "raw") return { value, precision: 20 }
  if (form === "number") return Number(value)
  if (form === "bignumber") return { _isBigNumber: true, toFixed: () => value }
  return value
}

function exactLine(line: { unitCents: number; quantity: number; discountPermille: number; ratePermille: number }) {
  const subtotal = (BigInt(line.unitCents) * BigInt(line.quantity) * E) / 1000n // exact: unit has 3 decimals
  const discount = (subtotal * BigInt(line.discountPermille)) / 1000n
  const taxOn = (amount: bigint) => (amount * BigInt(line.ratePermille)) / 1_000_000n // rate/100 with rate in 1/10000 %
  const original = subtotal + taxOn(subtotal)
  const total = subtotal - discount + taxOn(subtotal - discount)
  return { original, total, rate: text(BigInt(line.ratePermille), 4) }
}

test("property: lines add up to the order's rounded total, each within one minor unit, discounts exact, in any amount form", () => {
  fc.assert(
    fc.property(
      fc.array(lineArb, { minLength: 1, maxLength: 8 }),
      fc.array(lineArb, { minLength: 0, maxLength: 2 }),
      formArb,
      (items, shipping, form) => {
        const exactItems = items.map(exactLine)
        const exactShipping = shipping.map(exactLine)
        const all = [...exactItems, ...exactShipping]
        const total = all.reduce((s, l) => s + l.total, 0n)
        // A JS number only carries ~15 significant digits: the float form is taken as the decimal it prints as.
        if (form === "number" && all.some((l) => Number(text(l.total, SCALE)).toString() !== trimmed(text(l.total, SCALE)))) return
        const g: V2OrderGraph = {
          id: "order_p",
          status: "pending",
          currency_code: "sek",
          total: present(text(total, SCALE), form === "number" ? "text" : form),
          items: exactItems.map((l, i) => ({
            id: `item_${i}`,
            title: `Item ${i}`,
            quantity: items[i].quantity,
            total: present(text(l.total, SCALE), form),
            original_total: present(text(l.original, SCALE), form),
            tax_lines: [{ rate: l.rate }],
          })),
          shipping_methods: exactShipping.map((l, i) => ({
            id: `sm_${i}`,
            total: present(text(l.total, SCALE), form),
            original_total: present(text(l.original, SCALE), form),
            tax_lines: [{ rate: l.rate }],
          })),
          payment_collections: [
            { payments: [{ id: "pay", provider_id: "pp_klarna_klarna", amount: text(total, SCALE), data: { order_id: "k" } }] },
          ],
        }
        const order = toSyncableOrder(g, options)
        const lines = [...order.items, ...order.shippingLines]
        const minorOf = (exact: bigint) => Number(exact) / Number(E / 100n) // for the ±1 bound only
        // Σ lines = round(total) = the authorized amount, exactly.
        const rounded = Number((total * 100n + (total >= 0n ? E / 2n : -E / 2n)) / E)
        expect(lines.reduce((s, l) => s + l.total, 0)).toBe(rounded)
        expect(order.totalAmount).toBe(rounded)
        expect(order.authorizedAmount).toBe(rounded)
        lines.forEach((line, i) => {
          expect(Number.isInteger(line.total) && Number.isInteger(line.discountTotal)).toBe(true)
          expect(Math.abs(line.total - minorOf(all[i].total))).toBeLessThan(1)
          expect(line.originalTotal - line.discountTotal).toBe(line.total)
          expect(Math.abs(line.discountTotal - minorOf(all[i].original - all[i].total))).toBeLessThan(1)
        })
        // Whatever the fulfillments, the core's captures of the whole order add up to it.
        expect(allocateOrder(order).targetAmount).toBe(rounded)
      },
    ),
    { numRuns: 400 },
  )
})

function trimmed(value: string): string {
  return value.includes(".") ? value.replace(/0+$/, "").replace(/\.$/, "") : value
}

test("a line total that does not add up to the order total is refused, naming the sums (nothing silently moved)", () => {
  const g = graph()
  g.total = 1349.6725 // 1 öre more than the lines
  expect(() => toSyncableOrder(g, options)).toThrow(/the parts sum to 1349.6625 but the total is 1349.6725 SEK/)
})
