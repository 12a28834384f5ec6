/**
 * The Shopify payload → engine snapshot mapping, as pure functions, on Shopify's published sample
 * payloads (test/shopify/fixtures, copied from shopify.dev) and on our own edge cases.
 */
import { findKlarnaOrderId, resolveKlarnaOrder } from "../../packages/shopify/src/klarna-order-id"
import { parseShopifyJson, quoteUnsafeIntegers } from "../../packages/shopify/src/json"
import { toSnapshot } from "../../packages/shopify/src/map-order"
import { toMinorUnits } from "../../packages/shopify/src/money"
import { parseKlarnaOrderIdSources, shopifyAdapterOptions } from "../../packages/shopify/src/options"
import { emptyOrderState, mergeFulfillmentPayload, mergeOrder, mergeRefundPayload } from "../../packages/shopify/src/order-state"
import type { FulfillmentPayload, OrderPayload, RefundPayload } from "../../packages/shopify/src/payloads"
import { allocateOrder } from "../../packages/core/src/sync/order-lines/order-allocation"
import { planCapture } from "../../packages/core/src/sync/plan-capture"
import { sampleText } from "./support/harness"
import { buildFulfillment, buildOrder, buildRefund } from "./support/payloads"

const KLARNA_ID = "0b1d9815-165e-42e2-8867-35bc03789e00"

describe("parseShopifyJson", () => {
  test("keeps 64-bit ids exact where JSON.parse rounds them", () => {
    const text = sampleText("orders-cancelled")
    expect((JSON.parse(text) as { id: number }).id).toBe(820982911946154500)
    const order = parseShopifyJson(text) as OrderPayload
    expect(order.id).toBe("820982911946154508")
    expect(order.line_items?.map((item) => String(item.id))).toEqual([
      "487817672276298554",
      "789012345678901234",
      "890123456789012345",
      "976318377106520349",
      "315789986012684393",
    ])
  })

  test("leaves safe numbers, fractions, exponents and digits inside strings alone", () => {
    const text = '{"a":1,"b":-12.5,"c":1e21,"d":"id 9007199254740993 in text","e":[9007199254740993,-9007199254740993],"f":0.0}'
    expect(quoteUnsafeIntegers(text)).toBe(
      '{"a":1,"b":-12.5,"c":1e21,"d":"id 9007199254740993 in text","e":["9007199254740993","-9007199254740993"],"f":0.0}',
    )
    expect(quoteUnsafeIntegers('{"s":"a\\"1234567890123456789"}')).toBe('{"s":"a\\"1234567890123456789"}')
  })
})

describe("toMinorUnits", () => {
  test.each([
    ["159.99", 2, 15999],
    ["10.5", 2, 1050],
    ["1000", 0, 1000],
    ["12.000", 2, 1200],
    ["-5.00", 2, -500],
    ["0.001", 3, 1],
    [89.99, 2, 8999],
    [0.0, 2, 0],
  ])("%p with %p decimals is %p", (value, decimals, expected) => {
    expect(toMinorUnits(value, decimals, "x")).toBe(expected)
  })

  test("refuses what cannot be exact", () => {
    expect(() => toMinorUnits("1.005", 2, "price")).toThrow('price: "1.005" has more than 2 decimals')
    expect(() => toMinorUnits("abc", 2, "price")).toThrow("not a decimal amount")
    expect(() => toMinorUnits("1e3", 2, "price")).toThrow("not a decimal amount")
  })
})

describe("Shopify's sample payloads as a snapshot", () => {
  const options = shopifyAdapterOptions({ klarnaGateways: ["bogus"] })
  const order = parseShopifyJson(sampleText("orders-cancelled")) as OrderPayload
  const fulfillment = parseShopifyJson(sampleText("fulfillments-create")) as FulfillmentPayload
  const refund = parseShopifyJson(sampleText("refunds-create")) as RefundPayload

  test("the order: five lines, shipping, total after the order discount, canceled", () => {
    const state = mergeOrder(emptyOrderState(), order)
    const snapshot = toSnapshot(state, KLARNA_ID, options)
    expect(snapshot).not.toBeNull()
    expect(snapshot).toMatchObject({
      platform: "shopify",
      orderId: "820982911946154508",
      displayId: "#9999",
      currency: "USD",
      currencyDecimals: 2,
      totalAmount: 40495,
      canceled: true,
      klarnaOrderId: KLARNA_ID,
    })
    expect(snapshot?.items.map((item) => [item.id, item.reference, item.quantity, item.total, item.taxRate])).toEqual([
      ["487817672276298554", "SKU2006-001", 1, 8999, 0],
      ["789012345678901234", "LENS-PROTECT-2YR", 1, 1999, 0],
      ["890123456789012345", "CASE-LEATHER-PREM", 1, 2499, 0],
      ["976318377106520349", "SKU2006-020", 1, 15999, 0],
      ["315789986012684393", "SKU2006-035", 1, 11999, 0],
    ])
    expect(snapshot?.shippingLines).toEqual([
      { id: "271878346596884015", name: "Generic Shipping", originalTotal: 1000, discountTotal: 0, total: 1000, taxRate: 0 },
    ])
    // 414.95 + 10.00 - 404.95: the 20.00 order discount the sample allocates to no line.
    expect(allocateOrder({ ...snapshot!, canceled: false }).platformAdjustment).toBe(-2000)
  })

  test("the fulfillment: `pending` is left out until it ships; then its lines and UPS tracking", () => {
    const state = mergeFulfillmentPayload(mergeOrder(emptyOrderState(), order), fulfillment)
    expect(toSnapshot(state, KLARNA_ID, options)!.fulfillments).toEqual([])
    const shipped = mergeFulfillmentPayload(state, { ...fulfillment, status: "success", updated_at: "2022-01-01T00:00:00-05:00" })
    const [mapped] = toSnapshot(shipped, KLARNA_ID, options)!.fulfillments
    expect(mapped).toMatchObject({
      id: "123456",
      shipped: true,
      canceled: false,
      shippingCompany: "UPS",
      trackings: [
        { trackingNumber: "1z827wk74630", trackingUrl: "https://www.ups.com/WebTracking?loc=en_US&requester=ST&trackNums=1z827wk74630" },
      ],
    })
    expect(mapped.items).toHaveLength(5)
    // It is the whole order in one capture: 404.95, lines adding up exactly.
    const plan = planCapture({ ...toSnapshot(shipped, KLARNA_ID, options)!, canceled: false }, "123456")
    expect(plan.capturedAmount).toBe(40495)
    expect(plan.orderLines.reduce((sum, line) => sum + line.total_amount, 0)).toBe(40495)
  })

  test("the refund: 85.00 through the bogus gateway; shipped units are returns, unshipped ones cancellations", () => {
    const shipped = mergeFulfillmentPayload(mergeOrder(emptyOrderState(), order), { ...fulfillment, status: "success" })
    const withRefund = mergeRefundPayload(shipped, refund)
    const snapshot = toSnapshot(withRefund, KLARNA_ID, options)!
    expect(snapshot.refunds).toEqual([
      expect.objectContaining({
        id: "890088186047892319",
        amount: 8500,
        returnedItems: snapshot.items.map((item) => ({ itemId: item.id, quantity: 1 })),
      }),
    ])
    expect(snapshot.canceledQuantities).toEqual({})

    // Same refund before anything shipped: every unit is a cancellation, worth more than the 85.00 paid
    // back, so nothing is left to refund through Klarna (those units were never captured).
    const unshipped = toSnapshot(mergeRefundPayload(mergeOrder(emptyOrderState(), order), refund), KLARNA_ID, options)!
    expect(unshipped.refunds[0]).toMatchObject({ amount: 0, returnedItems: [] })
    expect(Object.values(unshipped.canceledQuantities ?? {})).toEqual([1, 1, 1, 1, 1])
  })

  test("the Klarna order id and gateway decide: the sample is paid through visa and bogus", () => {
    const withId = { ...order, note_attributes: [{ name: "klarna_order_id", value: KLARNA_ID }] }
    const found = findKlarnaOrderId(withId, [], options)
    expect(found).toEqual({ value: KLARNA_ID, source: "note_attribute:klarna_order_id" })
    expect(resolveKlarnaOrder(withId, null, found, options)).toMatchObject({ status: "klarna", klarnaOrderId: KLARNA_ID })
    const klarnaOnly = shopifyAdapterOptions({})
    expect(resolveKlarnaOrder(withId, null, found, klarnaOnly)).toMatchObject({ status: "not_klarna", klarnaOrderId: null })
    expect(resolveKlarnaOrder(order, null, null, options)).toMatchObject({ status: "no_klarna_order_id" })
    expect(resolveKlarnaOrder(order, null, { value: "1001", source: "transaction" }, options)).toMatchObject({
      status: "invalid_klarna_order_id",
    })
    expect(resolveKlarnaOrder(null, null, null, options)).toMatchObject({ status: "awaiting_order" })
  })

  test("a transaction's authorization as the source, and metafields", () => {
    const sources = parseKlarnaOrderIdSources("metafield:custom.klarna_id,transaction")
    expect(sources).toEqual([{ type: "metafield", namespace: "custom", key: "klarna_id" }, { type: "transaction" }])
    const config = { klarnaOrderIdSources: sources, klarnaGateways: ["klarna"] }
    const transactions = [
      {
        id: "1",
        kind: "authorization",
        gateway: "Klarna",
        status: "success",
        authorization: KLARNA_ID,
        created_at: "2026-01-01T00:00:00Z",
      },
      { id: "2", kind: "authorization", gateway: "visa", status: "success", authorization: "1001" },
    ]
    expect(findKlarnaOrderId(null, transactions, config)).toEqual({ value: KLARNA_ID, source: "transaction" })
    const withMetafield = {
      ...order,
      metafields: [{ namespace: "custom", key: "klarna_id", value: "5f0a3c1e-0000-4000-8000-000000000001" }],
    }
    expect(findKlarnaOrderId(withMetafield, transactions, config)?.source).toBe("metafield:custom.klarna_id")
    expect(() => parseKlarnaOrderIdSources("header:x")).toThrow("unknown Klarna order id source")
  })
})

describe("our own edge cases", () => {
  const options = shopifyAdapterOptions({ carrierMapping: { "DHL Express": "DHL" } })

  test("tax-exclusive lines: tax added, discount made gross with the line's rate", () => {
    const built = buildOrder({
      taxesIncluded: false,
      items: [{ title: "Lamp", sku: "L", quantity: 2, price: "100.00", discount: "20.00", tax: { price: "45.00", rate: 0.25 } }],
      shipping: { title: "Standard", price: "4.00", tax: { price: "1.00", rate: 0.25 } },
      totalPrice: "230.00",
      klarnaOrderId: KLARNA_ID,
    })
    const snapshot = toSnapshot(mergeOrder(emptyOrderState(), built.payload as unknown as OrderPayload), KLARNA_ID, options)!
    expect(snapshot.items[0]).toMatchObject({ quantity: 2, total: 22500, discountTotal: 2500, originalTotal: 25000, taxRate: 2500 })
    expect(snapshot.shippingLines[0]).toMatchObject({ total: 500, discountTotal: 0, originalTotal: 500, taxRate: 2500 })
    expect(snapshot.totalAmount).toBe(23000)
    expect(allocateOrder(snapshot).platformAdjustment).toBe(0)
  })

  test("several tracking numbers, carrier mapping; canceled after shipping; open ones wait", () => {
    const built = buildOrder({ items: [{ title: "Shoe", sku: "S", quantity: 3, price: "30.00" }], totalPrice: "90.00" })
    const itemId = built.items[0].id
    let state = mergeOrder(emptyOrderState(), built.payload as unknown as OrderPayload)
    const tracked = buildFulfillment({
      orderId: built.id,
      lines: [{ id: itemId, quantity: 2 }],
      company: "DHL Express",
      trackingNumbers: ["JD1", "JD2", "JD1", " "],
      trackingUrls: ["https://dhl/JD1"],
    })
    state = mergeFulfillmentPayload(state, tracked as unknown as FulfillmentPayload, "2026-11-21T09:00:01.000Z")
    const returned = buildFulfillment({ orderId: built.id, lines: [{ id: itemId, quantity: 1 }], createdAt: "2026-11-21T10:00:00+01:00" })
    state = mergeFulfillmentPayload(state, returned as unknown as FulfillmentPayload, "2026-11-21T10:00:01.000Z")
    state = mergeFulfillmentPayload(state, {
      ...returned,
      status: "cancelled",
      updated_at: "2026-11-22T10:00:00+01:00",
    } as unknown as FulfillmentPayload)
    state = mergeFulfillmentPayload(
      state,
      buildFulfillment({
        orderId: built.id,
        status: "open",
        lines: [{ id: itemId, quantity: 1 }],
        createdAt: "2026-11-21T11:00:00+01:00",
      }) as unknown as FulfillmentPayload,
    )
    const fulfillments = toSnapshot(state, KLARNA_ID, options)!.fulfillments
    expect(fulfillments.map((f) => [f.id, f.shipped, f.canceled])).toEqual([
      [String(tracked.id), true, false],
      [String(returned.id), false, true],
    ])
    expect(fulfillments[0]).toMatchObject({
      shippingCompany: "DHL",
      trackings: [{ trackingNumber: "JD1", trackingUrl: "https://dhl/JD1" }, { trackingNumber: "JD2" }],
    })
  })

  test("fulfillments take their share in the order they shipped, not by created_at", () => {
    const built = buildOrder({
      items: [{ title: "Shoe", sku: "S", quantity: 2, price: "30.00" }],
      shipping: { title: "Std", price: "5.00" },
      totalPrice: "65.00",
    })
    const itemId = built.items[0].id
    const older = buildFulfillment({
      orderId: built.id,
      status: "open",
      lines: [{ id: itemId, quantity: 1 }],
      createdAt: "2026-11-21T09:00:00+01:00",
    })
    const newer = buildFulfillment({ orderId: built.id, lines: [{ id: itemId, quantity: 1 }], createdAt: "2026-11-21T10:00:00+01:00" })
    let state = mergeOrder(emptyOrderState(), built.payload as unknown as OrderPayload)
    state = mergeFulfillmentPayload(state, older as unknown as FulfillmentPayload, "2026-11-21T09:00:01.000Z")
    state = mergeFulfillmentPayload(state, newer as unknown as FulfillmentPayload, "2026-11-21T10:00:01.000Z")
    const first = planCapture(toSnapshot(state, KLARNA_ID, options)!, String(newer.id))
    expect(first.capturedAmount).toBe(3500) // one shoe and the shipping
    state = mergeFulfillmentPayload(
      state,
      { ...older, status: "success", updated_at: "2026-11-22T09:00:00+01:00" } as unknown as FulfillmentPayload,
      "2026-11-22T09:00:01.000Z",
    )
    const snapshot = toSnapshot(state, KLARNA_ID, options)!
    expect(snapshot.fulfillments.map((f) => f.id)).toEqual([String(newer.id), String(older.id)])
    expect(planCapture(snapshot, String(newer.id)).capturedAmount).toBe(3500)
    expect(planCapture(snapshot, String(older.id)).capturedAmount).toBe(3000)
  })

  test("an older fulfillments/update arriving late does not overwrite a newer one", () => {
    const built = buildOrder({ items: [{ title: "Shoe", sku: "S", quantity: 1, price: "30.00" }], totalPrice: "30.00" })
    const first = buildFulfillment({
      orderId: built.id,
      lines: [{ id: built.items[0].id, quantity: 1 }],
      trackingNumbers: ["NEW"],
      updatedAt: "2026-11-22T10:00:00+01:00",
    })
    const stale = { ...first, tracking_numbers: ["OLD"], tracking_number: "OLD", updated_at: "2026-11-21T10:00:00+01:00" }
    let state = mergeOrder(emptyOrderState(), built.payload as unknown as OrderPayload)
    state = mergeFulfillmentPayload(
      mergeFulfillmentPayload(state, first as unknown as FulfillmentPayload),
      stale as unknown as FulfillmentPayload,
    )
    expect(toSnapshot(state, KLARNA_ID, options)!.fulfillments[0].trackings).toEqual([{ trackingNumber: "NEW" }])
  })

  test("shipping refunds from refund_shipping_lines, from legacy order_adjustments, and only Klarna-gateway money", () => {
    const built = buildOrder({
      items: [{ title: "Shoe", sku: "S", quantity: 1, price: "30.00" }],
      shipping: { title: "Std", price: "4.90" },
      totalPrice: "34.90",
    })
    let state = mergeOrder(emptyOrderState(), built.payload as unknown as OrderPayload)
    state = mergeRefundPayload(
      state,
      buildRefund({
        orderId: built.id,
        transactions: [{ amount: "4.90" }],
        shippingLines: [{ subtotal: "4.90" }],
        createdAt: "2026-11-25T12:00:00+01:00",
      }) as unknown as RefundPayload,
    )
    state = mergeRefundPayload(
      state,
      buildRefund({
        orderId: built.id,
        transactions: [{ amount: "3.00" }],
        orderAdjustments: [
          { kind: "shipping_refund", amount: "-3.00" },
          { kind: "refund_discrepancy", amount: "-1.00" },
        ],
        createdAt: "2026-11-25T13:00:00+01:00",
      }) as unknown as RefundPayload,
    )
    state = mergeRefundPayload(
      state,
      buildRefund({
        orderId: built.id,
        transactions: [
          { amount: "2.00", gateway: "gift_card" },
          { amount: "1.00", status: "failure" },
        ],
        createdAt: "2026-11-25T14:00:00+01:00",
      }) as unknown as RefundPayload,
    )
    const refunds = toSnapshot(state, KLARNA_ID, options)!.refunds
    expect(refunds.map((r) => [r.amount, r.shippingAmount])).toEqual([
      [490, 490],
      [300, 300],
      [0, undefined],
    ])
  })

  test("a shop selling in several currencies: amounts without presentment money are refused, not mixed", () => {
    const built = buildOrder({ items: [{ title: "Shoe", sku: "S", quantity: 1, price: "30.00" }], totalPrice: "30.00", currency: "SEK" })
    const payload = { ...built.payload, currency: "EUR", total_price_set: null } as unknown as OrderPayload
    expect(() => toSnapshot(mergeOrder(emptyOrderState(), payload), KLARNA_ID, options)).toThrow(
      "total_price has no presentment amount (shop EUR, customer SEK)",
    )
  })

  test("nothing personal is kept", () => {
    const built = buildOrder({
      items: [{ title: "Shoe", sku: "S", quantity: 1, price: "30.00" }],
      totalPrice: "30.00",
      klarnaOrderId: KLARNA_ID,
    })
    const state = mergeFulfillmentPayload(
      mergeOrder(emptyOrderState(), built.payload as unknown as OrderPayload),
      buildFulfillment({ orderId: built.id, lines: [{ id: built.items[0].id, quantity: 1 }] }) as unknown as FulfillmentPayload,
    )
    const stored = JSON.stringify(state)
    for (const personal of ["customer@example.com", "Kim", "Street 1", "Berlin", "note_attributes", KLARNA_ID])
      expect(stored).not.toContain(personal)
  })
})
