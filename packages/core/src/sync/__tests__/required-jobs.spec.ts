/** The planner's rules, one by one, on hand-written orders (no database, no Klarna). */
import type { FulfillmentSnapshot } from "../order-model"
import type { JobRecord, KlarnaOrderRecord, SyncableOrder } from "../ports"
import { isFullyCaptured, requiredJobs, type OrderFacts, type PlannerOptions, type PlanReason } from "../required-jobs"
import { fulfillment, item, order, refund } from "./__fixtures__/order-builder"

const OPTIONS: PlannerOptions = { platform: "medusa", captureOn: "fulfillment", autoRelease: true, merchantReferences: true }

function mapping(changes: Partial<KlarnaOrderRecord> = {}): KlarnaOrderRecord {
  return {
    id: "map_1",
    platform: "medusa",
    platform_order_id: "order_01",
    klarna_order_id: "k_1",
    klarna_reference: null,
    currency: "EUR",
    authorized_amount: 3000,
    captured_amount: 0,
    refunded_amount: 0,
    released_amount: 0,
    status: "AUTHORIZED",
    // Klarna already knows the order's number and id, unless a test says otherwise.
    merchant_reference1: "1001",
    merchant_reference2: "order_01",
    ...changes,
  }
}

const job = (job_key: string, operation: JobRecord["operation"], state: JobRecord["state"]) => ({ job_key, operation, state })

const tracked = (f: FulfillmentSnapshot, ...numbers: string[]): FulfillmentSnapshot => ({
  ...f,
  trackings: numbers.map((trackingNumber) => ({ trackingNumber })),
})
const shipped = (f: FulfillmentSnapshot): FulfillmentSnapshot => ({ ...f, shipped: true })

/** Three units of A, as many fulfilled as the fulfillments say. */
function threeUnits(parts: Partial<SyncableOrder> = {}): SyncableOrder {
  return { ...order({ items: [item("A", 3, 3000)] }), klarnaOrderId: "k_1", ...parts }
}

function plan(facts: Partial<OrderFacts> & { order: SyncableOrder }, options: Partial<PlannerOptions> = {}, reason?: PlanReason) {
  return requiredJobs({ mapping: mapping(), jobs: [], ...facts }, { ...OPTIONS, ...options }, reason)
}
const keys = (...args: Parameters<typeof plan>) => plan(...args).map((planned) => planned.jobKey)

describe("keys that merchants' databases hold", () => {
  test("job keys and Klarna-Idempotency-Keys are the ones every release so far persisted", () => {
    const planned = plan({
      order: threeUnits({ fulfillments: [tracked(fulfillment("ful_1", { A: 3 }), "B2", "A1")] }),
      mapping: mapping({ captured_amount: 1000 }),
    })
    expect(
      planned.map(({ operation, jobKey, idempotencyKey, payload, platform, platformOrderId }) => ({
        operation,
        jobKey,
        idempotencyKey,
        payload,
        platform,
        platformOrderId,
      })),
    ).toEqual([
      {
        operation: "capture",
        jobKey: "medusa:capture:ful_1",
        idempotencyKey: "b8e6a947-97b9-5dab-973e-95d6bf40a848",
        payload: { fulfillmentId: "ful_1" },
        platform: "medusa",
        platformOrderId: "order_01",
      },
      {
        operation: "shipping_info",
        jobKey: "medusa:shipping_info:ful_1:A1,B2",
        idempotencyKey: "db527477-5fbe-5b84-ad8d-063a6c234f3c",
        payload: { fulfillmentId: "ful_1" },
        platform: "medusa",
        platformOrderId: "order_01",
      },
      {
        operation: "release",
        jobKey: "medusa:release:order_01",
        idempotencyKey: "35f24f45-cc2c-5764-b7f1-d97c39ce5302",
        payload: { automatic: true },
        platform: "medusa",
        platformOrderId: "order_01",
      },
    ])
  })
})

describe("capture per fulfillment", () => {
  test("captureOn fulfillment: every live fulfillment, a canceled one never", () => {
    const o = threeUnits({ fulfillments: [fulfillment("F1", { A: 1 }), fulfillment("F2", { A: 1 }, { canceled: true })] })
    expect(keys({ order: o })).toEqual(["medusa:capture:F1"])
  })

  test("captureOn shipment: only shipped fulfillments", () => {
    const o = threeUnits({ fulfillments: [shipped(fulfillment("F1", { A: 1 })), fulfillment("F2", { A: 1 })] })
    expect(keys({ order: o }, { captureOn: "shipment" })).toEqual(["medusa:capture:F1"])
  })

  test("captures made elsewhere (Shopify with Klarna's app): none, and tracking goes to Klarna's capture", () => {
    const o = threeUnits({ fulfillments: [shipped(tracked(fulfillment("F1", { A: 1 }), "T1"))] })
    expect(plan({ order: o }, { capturesMadeElsewhere: true, autoRelease: false }).map((p) => [p.jobKey, p.payload])).toEqual([
      ["medusa:shipping_info:F1:T1", { fulfillmentId: "F1", externalCapture: true }],
    ])
  })

  test("fulfillment_created: the named fulfillment's capture; capturing on shipment it only records the order", () => {
    const o = threeUnits({ fulfillments: [fulfillment("F1", { A: 1 })] })
    expect(keys({ order: o }, {}, { kind: "fulfillment_created", fulfillmentId: "F1" })).toEqual(["medusa:capture:F1"])
    expect(keys({ order: o }, { captureOn: "shipment" }, { kind: "fulfillment_created", fulfillmentId: "F1" })).toEqual([])
    expect(
      keys(
        { order: o, mapping: mapping({ merchant_reference1: null }) },
        { captureOn: "shipment" },
        { kind: "fulfillment_created", fulfillmentId: "F1" },
      ),
    ).toEqual(["medusa:update_references:order_01"])
  })

  test("shipment_created: capture (on shipment) and tracking of the named fulfillment only", () => {
    const o = threeUnits({
      fulfillments: [shipped(tracked(fulfillment("F1", { A: 1 }), "T1")), shipped(tracked(fulfillment("F2", { A: 1 }), "T2"))],
    })
    expect(keys({ order: o }, {}, { kind: "shipment_created", fulfillmentId: "F2" })).toEqual(["medusa:shipping_info:F2:T2"])
    expect(keys({ order: o }, { captureOn: "shipment" }, { kind: "shipment_created", fulfillmentId: "F2" })).toEqual([
      "medusa:capture:F2",
      "medusa:shipping_info:F2:T2",
    ])
  })

  test("before a release runs: the capture of every fulfillment due (its event may still be on the bus)", () => {
    const o = threeUnits({
      fulfillments: [fulfillment("F1", { A: 1 }), fulfillment("F2", { A: 1 }, { canceled: true }), fulfillment("F3", { A: 1 })],
    })
    expect(keys({ order: o }, {}, { kind: "before_release" })).toEqual(["medusa:capture:F1", "medusa:capture:F3"])
    expect(keys({ order: o }, { captureOn: "shipment" }, { kind: "before_release" })).toEqual([])
  })
})

describe("tracking", () => {
  test("one job per set of tracking numbers, sorted; none for a canceled fulfillment", () => {
    const o = threeUnits({
      fulfillments: [tracked(fulfillment("F1", { A: 1 }), "Z9", "A1"), tracked(fulfillment("F2", { A: 1 }, { canceled: true }), "T2")],
    })
    expect(keys({ order: o }).filter((key) => key.includes("shipping_info"))).toEqual(["medusa:shipping_info:F1:A1,Z9"])
  })

  test("after a capture: a job of its own only for tracking the capture did not carry", () => {
    const o = threeUnits({ fulfillments: [{ ...tracked(fulfillment("F1", { A: 1 }), "T1", "T2"), shippingCompany: "DHL" }] })
    const sentT1 = [{ tracking_number: "T1", shipping_company: "DHL" }]
    expect(keys({ order: o }, {}, { kind: "capture_sent", fulfillmentId: "F1", captureId: "cap_1", sent: sentT1 })).toEqual([
      "medusa:shipping_info:F1:T1,T2:after:cap_1",
    ])
    const sentBoth = [...sentT1, { tracking_number: "T2", shipping_company: "DHL" }]
    expect(keys({ order: o }, {}, { kind: "capture_sent", fulfillmentId: "F1", captureId: "cap_1", sent: sentBoth })).toEqual([])
  })
})

describe("tracking Klarna cannot take intact", () => {
  const carrier = "C".repeat(200)
  const tooLongCarrier = threeUnits({ fulfillments: [{ ...tracked(fulfillment("F1", { A: 1 }), "T1"), shippingCompany: carrier }] })

  test("each refused value is a parked job of its own, keyed by fulfillment, field and the value's hash", () => {
    expect(
      plan({ order: tooLongCarrier }, {}, { kind: "tracking_planned", fulfillmentId: "F1", externalCapture: false }).map((p) => [
        p.operation,
        p.jobKey,
        p.payload,
      ]),
    ).toEqual([
      [
        "shipping_info",
        "medusa:shipping_info:F1:refused:shipping_company:657524e1-1a4e-5805-b919-523f6754bdd1",
        { fulfillmentId: "F1", refused: { field: "shipping_company", value: carrier } },
      ],
    ])
  })

  test("captures made elsewhere: the fixed value goes to Klarna's capture; nothing refused, no job", () => {
    expect(
      plan({ order: tooLongCarrier }, {}, { kind: "tracking_planned", fulfillmentId: "F1", externalCapture: true })[0].payload,
    ).toEqual({
      fulfillmentId: "F1",
      refused: { field: "shipping_company", value: carrier },
      externalCapture: true,
    })
    expect(
      keys(
        { order: threeUnits({ fulfillments: [tracked(fulfillment("F1", { A: 1 }), "T1")] }) },
        {},
        { kind: "tracking_planned", fulfillmentId: "F1", externalCapture: false },
      ),
    ).toEqual([])
  })
})

describe("refunds and cancel", () => {
  test("a refund per platform refund", () => {
    const o = threeUnits({ fulfillments: [fulfillment("F1", { A: 3 })], refunds: [refund("R1", 1000), refund("R2", 500)] })
    expect(keys({ order: o, mapping: mapping({ captured_amount: 3000 }) })).toEqual([
      "medusa:capture:F1",
      "medusa:refund:R1",
      "medusa:refund:R2",
    ])
  })

  test("refund_created: the named refund, as the event says", () => {
    expect(plan({ order: threeUnits() }, {}, { kind: "refund_created", refundId: "R9" }).map((p) => [p.jobKey, p.payload])).toEqual([
      ["medusa:refund:R9", { refundId: "R9" }],
    ])
  })

  test("a canceled order gets its cancel (the action cancels when nothing was captured, else releases the rest), no references, no automatic release", () => {
    const o = threeUnits({ canceled: true })
    expect(keys({ order: o, mapping: mapping({ merchant_reference1: null }) })).toEqual(["medusa:cancel:order_01"])
    expect(keys({ order: o }, {}, { kind: "order_canceled" })).toEqual(["medusa:cancel:order_01"])
  })
})

describe("merchant references", () => {
  test("until Klarna holds the order's number and id", () => {
    expect(
      keys(
        { order: threeUnits(), mapping: mapping({ merchant_reference1: null, merchant_reference2: null }) },
        {},
        { kind: "order_placed" },
      ),
    ).toEqual(["medusa:update_references:order_01"])
    expect(keys({ order: threeUnits() }, {}, { kind: "order_placed" })).toEqual([])
    expect(keys({ order: threeUnits({ displayId: "1002" }) }, {}, { kind: "order_placed" })).toEqual(["medusa:update_references:order_01"])
  })

  test("never for a cancelled Klarna order, or where another integration owns it", () => {
    const unset = { merchant_reference1: null, merchant_reference2: null }
    expect(keys({ order: threeUnits(), mapping: mapping({ ...unset, status: "CANCELLED" }) })).toEqual([])
    expect(keys({ order: threeUnits(), mapping: mapping(unset) }, { merchantReferences: false })).toEqual([])
  })
})

describe("automatic release", () => {
  const allShipped = threeUnits({ fulfillments: [fulfillment("F1", { A: 2 })], canceledQuantities: { A: 1 } })
  const partlyCaptured = mapping({ captured_amount: 2000, status: "PART_CAPTURED" })

  test("once nothing more will ship and part of the authorization is open", () => {
    expect(keys({ order: allShipped, mapping: partlyCaptured })).toEqual(["medusa:capture:F1", "medusa:release:order_01"])
    expect(keys({ order: allShipped, mapping: partlyCaptured }, {}, { kind: "job_succeeded" })).toEqual(["medusa:release:order_01"])
  })

  test("not while units are still to ship, nor with autoRelease off", () => {
    const oneLeft = threeUnits({ fulfillments: [fulfillment("F1", { A: 2 })] })
    expect(keys({ order: oneLeft, mapping: partlyCaptured }, {}, { kind: "job_succeeded" })).toEqual([])
    expect(keys({ order: allShipped, mapping: partlyCaptured }, { autoRelease: false }, { kind: "job_succeeded" })).toEqual([])
  })

  test("capturing on shipment: not while a fulfilled parcel is unshipped", () => {
    expect(keys({ order: allShipped, mapping: partlyCaptured }, { captureOn: "shipment" }, { kind: "job_succeeded" })).toEqual([])
    const shippedAll = threeUnits({ fulfillments: [shipped(fulfillment("F1", { A: 2 }))], canceledQuantities: { A: 1 } })
    expect(keys({ order: shippedAll, mapping: partlyCaptured }, { captureOn: "shipment" }, { kind: "job_succeeded" })).toEqual([
      "medusa:release:order_01",
    ])
  })

  test("nothing open (all captured or released), or the Klarna order cancelled: none", () => {
    expect(
      keys({ order: allShipped, mapping: mapping({ captured_amount: 2000, released_amount: 1000 }) }, {}, { kind: "job_succeeded" }),
    ).toEqual([])
    expect(keys({ order: allShipped, mapping: mapping({ status: "CANCELLED" }) }, {}, { kind: "job_succeeded" })).toEqual([])
  })

  test("never past a capture parked for a Retry", () => {
    for (const operation of ["capture", "capture_remaining"] as const) {
      const jobs = [job(`medusa:${operation}:X`, operation, "failed")]
      expect(keys({ order: allShipped, mapping: partlyCaptured, jobs }, {}, { kind: "job_succeeded" })).toEqual([])
    }
    // A failed job of another kind does not hold the release back.
    const jobs = [job("medusa:refund:R1", "refund", "failed")]
    expect(keys({ order: allShipped, mapping: partlyCaptured, jobs }, {}, { kind: "job_succeeded" })).toEqual(["medusa:release:order_01"])
  })

  test("already queued: the same key (a no-op for the outbox); a skipped one moves the key on as :again:<n>", () => {
    const queued = [job("medusa:release:order_01", "release", "pending")]
    expect(keys({ order: allShipped, mapping: partlyCaptured, jobs: queued }, {}, { kind: "job_succeeded" })).toEqual([
      "medusa:release:order_01",
    ])
    const skippedTwice = [
      job("medusa:release:order_01", "release", "skipped"),
      job("medusa:release:order_01:again:1", "release", "skipped"),
    ]
    expect(keys({ order: allShipped, mapping: partlyCaptured, jobs: skippedTwice }, {}, { kind: "job_succeeded" })).toEqual([
      "medusa:release:order_01:again:2",
    ])
    // The merchant's own releases (":manual:<uuid>") do not count.
    const manual = [job("medusa:release:order_01:manual:1b2c", "release", "skipped")]
    expect(keys({ order: allShipped, mapping: partlyCaptured, jobs: manual }, {}, { kind: "job_succeeded" })).toEqual([
      "medusa:release:order_01",
    ])
  })
})

describe("Capture payment", () => {
  test("captures the remaining amount, unless the authorization is all captured or released", () => {
    expect(plan({ order: threeUnits() }, {}, { kind: "capture_payment" }).map((p) => [p.operation, p.jobKey, p.payload])).toEqual([
      ["capture_remaining", "medusa:capture_remaining:order_01", {}],
    ])
    expect(keys({ order: threeUnits(), mapping: mapping({ captured_amount: 3000 }) }, {}, { kind: "capture_payment" })).toEqual([])
    expect(
      keys({ order: threeUnits(), mapping: mapping({ captured_amount: 1000, released_amount: 2000 }) }, {}, { kind: "capture_payment" }),
    ).toEqual([])
  })
})

describe("idempotent", () => {
  test("the same order planned twice gives the same jobs with the same keys", () => {
    const o = threeUnits({ fulfillments: [tracked(fulfillment("F1", { A: 3 }), "T1")], refunds: [refund("R1", 100)] })
    const facts = { order: o, mapping: mapping({ captured_amount: 3000, merchant_reference1: null }) }
    expect(plan(facts)).toEqual(plan(facts))
    expect(keys(facts)).toEqual([
      "medusa:capture:F1",
      "medusa:shipping_info:F1:T1",
      "medusa:refund:R1",
      "medusa:update_references:order_01",
    ])
  })

  test("a platform's own key prefix", () => {
    expect(keys({ order: threeUnits({ fulfillments: [fulfillment("F1", { A: 1 })] }) }, { platform: "shopify" })).toEqual([
      "shopify:capture:F1",
    ])
  })
})

test("fully captured: the whole authorization captured, the Klarna order not cancelled", () => {
  expect(isFullyCaptured(mapping({ captured_amount: 3000 }))).toBe(true)
  expect(isFullyCaptured(mapping({ captured_amount: 2000, released_amount: 1000 }))).toBe(false)
  expect(isFullyCaptured(mapping({ captured_amount: 0, authorized_amount: 0 }))).toBe(false)
})
