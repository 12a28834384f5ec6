/**
 * Which return a v2 refund pays for (order-snapshot.ts refunds()), and the returned units' value v2 takes off an
 * item's totals (wholeItemTotals). The graphs are the shapes a Medusa 2.21.2 server returned in
 * test/medusa-v2/provider.test.ts: 3 socks at 9.99 SEK + 25 % tax (37.4625 SEK, captured as 3746 öre) and a
 * tomato (15 SEK), shipping 61.25 SEK; the dashboard's return flow leaves return.refund_amount null.
 */
import { toSyncableOrder, type V2OrderGraph, type V2OrderItem, type V2Return } from "../order-snapshot"

const OPTIONS = { klarnaProviderIds: [], orderIdPath: "order_id", carrierMapping: {}, shippingMethod: "Home" as const }

const SOCKS = "ordli_socks"
const TOMATO = "ordli_tomato"

/** An item (net unit price, 25 % tax) with `returned` of its units back: v2's totals cover the others only. */
function itemGraph(id: string, sku: string, quantity: number, unitPrice: number, returned: number): V2OrderItem {
  const gross = unitPrice * 1.25
  const left = gross * (quantity - returned)
  return {
    id,
    variant_sku: sku,
    quantity,
    unit_price: unitPrice,
    is_tax_inclusive: false,
    total: left,
    original_total: left,
    tax_lines: [{ rate: 25 }],
    detail: { return_received_quantity: returned, return_dismissed_quantity: 0 },
    return_received_total: gross * returned,
    return_dismissed_total: 0,
  }
}

/** The order after `returned` socks and tomatoes came back. */
function order(
  returned: { socks?: number; tomato?: number },
  refunds: { amount: number; at: string }[],
  returns: V2Return[],
): V2OrderGraph {
  const items = [itemGraph(SOCKS, "SCK-1", 3, 9.99, returned.socks ?? 0), itemGraph(TOMATO, "TOM-1", 1, 12, returned.tomato ?? 0)]
  return {
    id: "order_1",
    status: "pending",
    currency_code: "sek",
    total: Number(items[0].total) + Number(items[1].total) + 61.25,
    items,
    shipping_methods: [{ id: "ordsm_1", name: "Standard", total: 61.25, original_total: 61.25, tax_lines: [{ rate: 25 }] }],
    payment_collections: [
      {
        payments: [
          {
            id: "pay_1",
            provider_id: "pp_klarna_klarna",
            amount: 113.7125,
            data: { order_id: "klarna_1" },
            created_at: "2026-12-05T10:00:00.000Z",
            refunds: refunds.map((r, i) => ({ id: `ref_${i + 1}`, amount: r.amount, created_at: r.at })),
          },
        ],
      },
    ],
    returns,
  }
}

const received = (id: string, at: string, items: [string, number][], refund_amount: number | null = null): V2Return => ({
  id,
  status: "received",
  created_at: at,
  received_at: at,
  refund_amount,
  items: items.map(([item_id, quantity]) => ({ item_id, quantity, received_quantity: quantity })),
})

/** Each refund: [id, the items it carries to Klarna]. */
const pairing = (graph: V2OrderGraph) => toSyncableOrder(graph, OPTIONS).refunds.map((r) => [r.id, r.returnedItems ?? null])

test("items and order keep what was ordered and captured after a return, though v2's totals drop by the returned units", () => {
  const snapshot = toSyncableOrder(order({ socks: 1 }, [], [received("ret_1", "2026-12-05T10:01:00.000Z", [[SOCKS, 1]])]), OPTIONS)
  expect(snapshot.totalAmount).toBe(11371)
  expect(snapshot.items.map((i) => [i.id, i.quantity, i.total, i.originalTotal])).toEqual([
    [SOCKS, 3, 3746, 3746],
    [TOMATO, 1, 1500, 1500],
  ])
})

test("every unit of an item returned (v2's total 0): restored from the returned units' value; original at unit_price with tax", () => {
  const snapshot = toSyncableOrder(order({ socks: 3, tomato: 1 }, [], []), OPTIONS)
  expect(snapshot.totalAmount).toBe(11371)
  expect(snapshot.items.map((i) => [i.total, i.originalTotal, i.discountTotal])).toEqual([
    [3746, 3746, 0],
    [1500, 1500, 0],
  ])
})

test("a tax-inclusive item returned: its original total is unit_price per unit, no tax added", () => {
  const graph = order({}, [], [])
  const item = graph.items?.[1]
  Object.assign(item ?? {}, {
    unit_price: 15,
    is_tax_inclusive: true,
    total: 0,
    original_total: 0,
    detail: { return_received_quantity: 0, return_dismissed_quantity: 1 },
    return_dismissed_total: 15,
  })
  graph.total = 12.4875 * 3 + 61.25
  expect(toSyncableOrder(graph, OPTIONS).items[1]).toMatchObject({ total: 1500, originalTotal: 1500, discountTotal: 0 })
})

test("units returned but no return_received_total in the graph: a clear error, not a wrong amount", () => {
  const graph = order({ socks: 1 }, [], [])
  delete graph.items?.[0].return_received_total
  delete graph.items?.[0].return_dismissed_total
  expect(() => toSyncableOrder(graph, OPTIONS)).toThrow(
    /item ordli_socks: units were returned but the order graph has no return_received_total/,
  )
})

describe("a refund pairs with a return without refund_amount when it is what the core values the returned units at", () => {
  const ret1 = received("ret_1", "2026-12-05T10:01:00.000Z", [[SOCKS, 1]])

  test("1 of 3 socks: the unit is 1248 öre (floor(3746/3)); the dashboard's 12.49 pairs, and so does the exact 12.48", () => {
    for (const amount of [12.48, 12.49]) {
      expect(pairing(order({ socks: 1 }, [{ amount, at: "2026-12-05T10:02:00.000Z" }], [ret1]))).toEqual([
        ["ref_1", [{ itemId: SOCKS, quantity: 1 }]],
      ])
    }
  })

  test("within the rounding the core absorbs it pairs (down to 2 öre under; up to the unit price captured, 12.49); else no lines", () => {
    const one = (amount: number) => pairing(order({ socks: 1 }, [{ amount, at: "2026-12-05T10:02:00.000Z" }], [ret1]))[0][1]
    expect(one(12.46)).toEqual([{ itemId: SOCKS, quantity: 1 }])
    expect([12.45, 12.5, 5, 15].map(one)).toEqual([null, null, null, null])
  })

  test("2 of 3 socks after 1 of 3: numbered after the first return's unit (3746 − 1248 = 2498 öre), the form's 24.97 pairs", () => {
    const ret2 = received("ret_2", "2026-12-05T10:03:00.000Z", [[SOCKS, 2]])
    const refunds = [
      { amount: 12.49, at: "2026-12-05T10:02:00.000Z" },
      { amount: 24.97, at: "2026-12-05T10:04:00.000Z" },
    ]
    expect(pairing(order({ socks: 3 }, refunds, [ret1, ret2]))).toEqual([
      ["ref_1", [{ itemId: SOCKS, quantity: 1 }]],
      ["ref_2", [{ itemId: SOCKS, quantity: 2 }]],
    ])
  })

  test("two returns received, refunded in the other order: each refund takes the return it pays for", () => {
    const ret2 = received("ret_2", "2026-12-05T10:01:30.000Z", [[TOMATO, 1]])
    const refunds = [
      { amount: 15, at: "2026-12-05T10:02:00.000Z" },
      { amount: 12.49, at: "2026-12-05T10:03:00.000Z" },
    ]
    expect(pairing(order({ socks: 1, tomato: 1 }, refunds, [ret1, ret2]))).toEqual([
      ["ref_1", [{ itemId: TOMATO, quantity: 1 }]],
      ["ref_2", [{ itemId: SOCKS, quantity: 1 }]],
    ])
  })

  // [case, first refund, second refund (both at 10:02 or later but the first), which one carries the sock]
  test.each([
    ["each return is paired once: a second refund of the same value carries no lines", [12.49, "10:02"], [12.49, "10:03"], "ref_1"],
    [
      "a refund made before the return was received is not its refund; the return's own refund after it is",
      [12.49, "10:00"],
      [12.49, "10:02"],
      "ref_2",
    ],
    ["a goodwill refund after the return leaves it to its own refund", [5, "10:02"], [12.49, "10:03"], "ref_2"],
  ] as const)("%s", (_name, first, second, paired) => {
    const refunds = [first, second].map(([amount, at]) => ({ amount, at: `2026-12-05T${at}:00.000Z` }))
    expect(pairing(order({ socks: 1 }, refunds, [ret1]))).toEqual(
      ["ref_1", "ref_2"].map((id) => [id, id === paired ? [{ itemId: SOCKS, quantity: 1 }] : null]),
    )
  })

  test("a return whose refund_amount Medusa recorded pairs only with a refund of that amount, to the öre", () => {
    const recorded = received("ret_1", "2026-12-05T10:01:00.000Z", [[SOCKS, 1]], 12.49)
    expect(pairing(order({ socks: 1 }, [{ amount: 12.48, at: "2026-12-05T10:02:00.000Z" }], [recorded]))).toEqual([["ref_1", null]])
    expect(pairing(order({ socks: 1 }, [{ amount: 12.49, at: "2026-12-05T10:02:00.000Z" }], [recorded]))).toEqual([
      ["ref_1", [{ itemId: SOCKS, quantity: 1 }]],
    ])
  })
})

/**
 * Return shipping: the merchant picks a return option for the return (the dashboard's "Create return" form). v2
 * adds that shipping method to the ORDER's shipping_methods (order_shipping row with the return's id; measured on a
 * 2.21.2 server in test/medusa-v2/return-shipping.test.ts), counts it in order.total, and the refund due is the
 * returned units' value less it. Here a 5 SEK return option (4 SEK + 25 %).
 */
describe("a return with return shipping", () => {
  const RETURN_FEE = 5

  /** `ret` got a return shipping method of `total` SEK: one more order shipping method, and order.total grows by it (as v2 does). */
  function withReturnShipping(graph: V2OrderGraph, ret: V2Return, total = RETURN_FEE, id = `ordsm_${ret.id}`): V2OrderGraph {
    ret.shipping_methods = [...(ret.shipping_methods ?? []), { id }]
    // v2 returns the order's shipping methods in no particular order: the return's first.
    graph.shipping_methods = [
      { id, name: "Return", total, original_total: total, tax_lines: [{ rate: 25 }] },
      ...(graph.shipping_methods ?? []),
    ]
    graph.total = Number(graph.total) + total
    return graph
  }
  const refundsOf = (graph: V2OrderGraph) =>
    toSyncableOrder(graph, OPTIONS).refunds.map((r) => [r.id, r.returnedItems ?? null, r.returnFeeAmount ?? null])
  const tomatoBack = (at = "2026-12-05T10:01:00.000Z") => received("ret_1", at, [[TOMATO, 1]])

  test("the return's shipping is neither a shipping line nor in the total: the order stays what Klarna authorized (11371 öre)", () => {
    const requested: V2Return = { ...tomatoBack(), status: "requested", received_at: null }
    const back = tomatoBack()
    for (const graph of [
      withReturnShipping(order({}, [], [requested]), requested),
      withReturnShipping(order({ tomato: 1 }, [], [back]), back),
    ]) {
      const snapshot = toSyncableOrder(graph, OPTIONS)
      expect(snapshot.totalAmount).toBe(11371)
      expect(snapshot.shippingLines.map((l) => [l.name, l.total])).toEqual([["Standard", 6125]])
      expect(snapshot.items.map((i) => i.total)).toEqual([3746, 1500])
    }
  })

  test("a fulfillment's carrier comes from the outbound option, not from the return's listed first", () => {
    const ret = tomatoBack()
    const graph = withReturnShipping(order({ tomato: 1 }, [], [ret]), ret)
    graph.fulfillments = [{ id: "ful_1", created_at: "2026-12-05T10:00:30.000Z", provider_id: "manual_manual", items: [] }]
    const snapshot = toSyncableOrder(graph, { ...OPTIONS, carrierMapping: { Standard: "postnord_se", Return: "dhl_freight_se" } })
    expect(snapshot.fulfillments[0].shippingCompany).toBe("postnord_se")
  })

  test("a refund of the tomato less the return shipping (15 − 5 SEK) pairs, carrying the fee (500 öre)", () => {
    const ret = tomatoBack()
    const graph = withReturnShipping(order({ tomato: 1 }, [{ amount: 10, at: "2026-12-05T10:02:00.000Z" }], [ret]), ret)
    expect(refundsOf(graph)).toEqual([["ref_1", [{ itemId: TOMATO, quantity: 1 }], 500]])
  })

  test("the fee waived (the tomato's whole 15 SEK refunded): pairs without a fee", () => {
    const ret = tomatoBack()
    const graph = withReturnShipping(order({ tomato: 1 }, [{ amount: 15, at: "2026-12-05T10:02:00.000Z" }], [ret]), ret)
    expect(refundsOf(graph)).toEqual([["ref_1", [{ itemId: TOMATO, quantity: 1 }], null]])
  })

  test("1 of 3 socks less 5 SEK: the form's 7.49 and the exact 7.48 pair (the core's rounding, fee exact); 7.45 does not", () => {
    const one = (amount: number) => {
      const ret = received("ret_1", "2026-12-05T10:01:00.000Z", [[SOCKS, 1]])
      return refundsOf(withReturnShipping(order({ socks: 1 }, [{ amount, at: "2026-12-05T10:02:00.000Z" }], [ret]), ret))[0]
    }
    expect([one(7.49), one(7.48)]).toEqual([
      ["ref_1", [{ itemId: SOCKS, quantity: 1 }], 500],
      ["ref_1", [{ itemId: SOCKS, quantity: 1 }], 500],
    ])
    expect(one(7.45)).toEqual(["ref_1", null, null])
  })

  // [case, refunds (amount, time), which refund carries the tomato (and the fee)]
  test.each([
    [
      "a goodwill refund of another amount pairs with nothing; the return's own refund then does",
      [
        [3, "10:02"],
        [10, "10:03"],
      ],
      "ref_2",
    ],
    [
      "a refund of the value less the fee made before the return was received is not its refund",
      [
        [10, "10:00"],
        [10, "10:02"],
      ],
      "ref_2",
    ],
    [
      "each return is paired once: a second refund of the same amount carries no lines",
      [
        [10, "10:02"],
        [10, "10:03"],
      ],
      "ref_1",
    ],
  ] as const)("%s", (_name, refunds, paired) => {
    const ret = tomatoBack()
    const graph = withReturnShipping(
      order(
        { tomato: 1 },
        refunds.map(([amount, at]) => ({ amount, at: `2026-12-05T${at}:00.000Z` })),
        [ret],
      ),
      ret,
    )
    expect(refundsOf(graph)).toEqual(
      ["ref_1", "ref_2"].map((id) => (id === paired ? [id, [{ itemId: TOMATO, quantity: 1 }], 500] : [id, null, null])),
    )
  })

  test("another return's fee does not count: the socks' refund less the tomato return's shipping pairs with nothing", () => {
    const tomato = tomatoBack()
    const sock = received("ret_2", "2026-12-05T10:01:30.000Z", [[SOCKS, 1]])
    const graph = withReturnShipping(
      order({ socks: 1, tomato: 1 }, [{ amount: 7.49, at: "2026-12-05T10:02:00.000Z" }], [tomato, sock]),
      tomato,
    )
    expect(refundsOf(graph)).toEqual([["ref_1", null, null]])
  })
})
