/** When the widget reads the Klarna view again: after the order changed, and while Klarna's answer is to come. */
import { awaitingKlarna, orderFingerprint, SETTLE_MS, shouldPoll, type WatchedOrder } from "../../packages/admin-widget/src/lib/freshness"
import type { KlarnaCapture, KlarnaJob, KlarnaOrder } from "../../packages/admin-widget/src/lib/types"

function view(
  parts: { captures?: Partial<KlarnaCapture>[]; jobs?: Partial<KlarnaJob>[]; refunds?: string[]; status?: string } = {},
): KlarnaOrder {
  return {
    platform: "medusa",
    order_id: "order_1",
    klarna_order_id: "k-1",
    klarna_reference: null,
    merchant_references: { merchant_reference1: null, merchant_reference2: null },
    provider: "klarna",
    currency: "SEK",
    status: parts.status ?? "AUTHORIZED",
    amounts: { authorized: 10000, captured: 0, refunded: 0, released: 0, remaining: 10000 },
    captures: (parts.captures ?? []).map((c, i) => ({
      id: `kcap_${i}`,
      capture_id: "cap",
      source_type: "fulfillment",
      source_id: "ful_1",
      status: "captured",
      captured_amount: 100,
      captured_at: null,
      order_lines: [],
      shipping_info: [],
      ...c,
    })),
    refunds: (parts.refunds ?? []).map((id) => ({
      id: `kref_${id}`,
      refund_id: "r",
      platform_refund_id: id,
      status: "refunded",
      refunded_amount: 1,
      refunded_at: null,
      order_lines: [],
    })),
    jobs: (parts.jobs ?? []).map((j, i) => ({
      id: `job_${i}`,
      operation: "capture",
      subject: null,
      state: "succeeded",
      attempts: 1,
      max_attempts: 5,
      run_at: "",
      created_at: "",
      finished_at: null,
      idempotency_key: "k",
      reason: null,
      error: null,
      attempts_log: [],
      ...j,
    })),
    has_failures: false,
    pending: false,
  }
}

const fulfilled: WatchedOrder = { id: "order_1", status: "pending", fulfillments: [{ id: "ful_1" }] }
const shipped: WatchedOrder = {
  id: "order_1",
  status: "pending",
  fulfillments: [{ id: "ful_1", shipped_at: "2026-12-05T01:00:00Z", tracking_links: [{ tracking_number: "TN1" }] }],
}

describe("orderFingerprint", () => {
  test("changes with what the admin's actions change, not with a new object of the same order", () => {
    const base: WatchedOrder = { id: "order_1", status: "pending", payment_status: "awaiting", fulfillments: [], refunds: [] }
    expect(orderFingerprint({ ...base })).toBe(orderFingerprint(base))
    const changed = [
      { ...base, fulfillments: [{ id: "ful_1" }] },
      { ...base, payment_status: "captured" },
      { ...base, status: "canceled" },
      { ...base, refunds: [{ id: "ref_1" }] },
      { ...base, returns: [{ id: "ret_1", status: "received" }] },
      { ...base, updated_at: "2026-12-05T01:00:00Z" },
      shipped,
    ]
    for (const order of changed) expect(orderFingerprint(order)).not.toBe(orderFingerprint(base))
  })
})

describe("awaitingKlarna", () => {
  test("a fulfillment with neither a capture nor a capture job is on its way", () => {
    expect(awaitingKlarna(fulfilled, view())).toEqual(["the capture of ful_1"])
    expect(awaitingKlarna(fulfilled, view({ jobs: [{ operation: "capture", subject: "ful_1", state: "pending" }] }))).toEqual([])
    expect(awaitingKlarna(fulfilled, view({ captures: [{ source_id: "ful_1" }] }))).toEqual([])
  })

  test("a canceled fulfillment awaits nothing", () => {
    expect(awaitingKlarna({ id: "order_1", fulfillments: [{ id: "ful_1", canceled_at: "2026-12-05T01:00:00Z" }] }, view())).toEqual([])
  })

  test("a tracking number is awaited until the capture carries it, or a job for it was skipped or refused", () => {
    const captured = { source_id: "ful_1" }
    expect(awaitingKlarna(shipped, view({ captures: [captured] }))).toEqual(["tracking TN1"])
    // A shipping-info job that succeeded but is not reflected yet cannot happen (the capture carries it then);
    // one still queued keeps the widget waiting for it.
    expect(
      awaitingKlarna(shipped, view({ captures: [captured], jobs: [{ operation: "shipping_info", subject: "ful_1", state: "pending" }] })),
    ).toEqual(["tracking TN1"])
    expect(
      awaitingKlarna(
        shipped,
        view({ captures: [{ source_id: "ful_1", shipping_info: [{ tracking_number: "TN1", shipping_company: "postnord" }] }] }),
      ),
    ).toEqual([])
    expect(
      awaitingKlarna(shipped, view({ captures: [captured], jobs: [{ operation: "shipping_info", subject: "ful_1", state: "skipped" }] })),
    ).toEqual([])
    expect(awaitingKlarna(shipped, view({ jobs: [{ operation: "capture", subject: "ful_1", state: "failed" }] }))).toEqual([])
  })

  test("a refund and a cancellation are awaited until the view has them or a job for them", () => {
    const refunded: WatchedOrder = { id: "order_1", refunds: [{ id: "ref_1" }] }
    expect(awaitingKlarna(refunded, view())).toEqual(["refund ref_1"])
    expect(awaitingKlarna(refunded, view({ refunds: ["ref_1"] }))).toEqual([])
    expect(awaitingKlarna(refunded, view({ jobs: [{ operation: "refund", subject: "ref_1", state: "running" }] }))).toEqual([])
    const canceled: WatchedOrder = { id: "order_1", status: "canceled" }
    expect(awaitingKlarna(canceled, view())).toEqual(["the cancellation"])
    expect(awaitingKlarna(canceled, view({ status: "CANCELLED" }))).toEqual([])
    expect(awaitingKlarna(canceled, view({ jobs: [{ operation: "cancel", state: "pending" }] }))).toEqual([])
  })
})

describe("shouldPoll", () => {
  const now = 1_000_000
  test("while a job is queued or running, whatever the order", () => {
    expect(shouldPoll(view({ jobs: [{ state: "pending" }] }), { id: "order_1" }, null, now)).toBe(true)
    expect(shouldPoll(view({ jobs: [{ state: "running" }] }), { id: "order_1" }, null, now)).toBe(true)
  })

  test("not when nothing is pending: no job under way and the order unchanged since the page opened", () => {
    expect(shouldPoll(view({ jobs: [{ state: "succeeded" }, { state: "failed" }, { state: "skipped" }] }), fulfilled, null, now)).toBe(
      false,
    )
  })

  test("after the order changed, while it has something Klarna's view does not show yet, for SETTLE_MS at most", () => {
    expect(shouldPoll(view(), fulfilled, now - 1000, now)).toBe(true)
    expect(shouldPoll(view(), fulfilled, now - SETTLE_MS - 1, now)).toBe(false)
    expect(shouldPoll(view({ captures: [{ source_id: "ful_1" }] }), fulfilled, now - 1000, now)).toBe(false)
  })
})
