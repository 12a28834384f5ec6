/**
 * OM business rules: statuses, amounts, 403/404 codes and messages.
 */
import { startSimulator, type RunningSimulator } from "../../packages/simulator/server"
import { OM, call, capture, control, expectKlarnaError, getOrder, line, newOrder } from "./sim-helpers"

let sim: RunningSimulator
beforeAll(async () => {
  sim = await startSimulator({ port: 0 })
})
afterAll(() => sim.close())
afterEach(() => control(sim, "POST", "/clock", { now: null }))

/** A 10 000 order with two lines, for partial captures. */
async function twoLineOrder(): Promise<string> {
  return newOrder(sim, { order_amount: 10000, order_lines: [line("Shirt", 2, 3000), line("Hat", 1, 4000)] })
}

const DAY = 24 * 60 * 60 * 1000
/** A well-formed order id that no order has (a malformed one gets INVALID_ORDER_ID instead). */
const UNKNOWN_ORDER = "0b5a3a52-9a1f-4d7e-8e0c-3c1f2a9d7e61"

describe("captures and statuses", () => {
  it("AUTHORIZED → PART_CAPTURED → CAPTURED with amounts and klarna_reference <ref>-<n>", async () => {
    const id = await twoLineOrder()
    let order = await getOrder(sim, id)
    expect(order).toMatchObject({
      status: "AUTHORIZED",
      order_amount: 10000,
      original_order_amount: 10000,
      captured_amount: 0,
      refunded_amount: 0,
      remaining_authorized_amount: 10000,
    })
    expect(order.klarna_reference).toMatch(/^[0-9A-Z]{8}$/)

    expect((await capture(sim, id, 6000, { order_lines: [line("Shirt", 2, 3000)] })).status).toBe(201)
    order = await getOrder(sim, id)
    expect(order).toMatchObject({ status: "PART_CAPTURED", captured_amount: 6000, remaining_authorized_amount: 4000 })

    expect((await capture(sim, id, 4000, { order_lines: [line("Hat", 1, 4000)] })).status).toBe(201)
    order = await getOrder(sim, id)
    expect(order).toMatchObject({ status: "CAPTURED", captured_amount: 10000, remaining_authorized_amount: 0 })
    expect(order.captures.map((c: { klarna_reference: string }) => c.klarna_reference)).toEqual([
      `${order.klarna_reference}-1`,
      `${order.klarna_reference}-2`,
    ])

    const list = await call(sim, "GET", `${OM}/${id}/captures`)
    expect(list.status).toBe(200)
    expect(list.body.map((c: { captured_amount: number }) => c.captured_amount)).toEqual([6000, 4000])
  })

  it("capture above the remaining authorized amount → 403 CAPTURE_NOT_ALLOWED (verbatim)", async () => {
    const id = await twoLineOrder()
    await capture(sim, id, 6000)
    const err = expectKlarnaError(await capture(sim, id, 4001), 403, "CAPTURE_NOT_ALLOWED")
    expect(err.error_messages).toEqual(["Captured amount is higher than the remaining authorized amount. Capture not possible."])
    expect((await getOrder(sim, id)).captured_amount).toBe(6000)
  })

  it("capture on a cancelled order → 403 CAPTURE_NOT_ALLOWED", async () => {
    const id = await newOrder(sim)
    expect((await call(sim, "POST", `${OM}/${id}/cancel`)).status).toBe(204)
    const err = expectKlarnaError(await capture(sim, id, 100), 403, "CAPTURE_NOT_ALLOWED")
    expect(err.error_messages).toEqual([`Order ${id} is cancelled. Capture not possible.`])
  })

  it("order turns EXPIRED after expires_at (clock) and capture → 403 'Order <id> is expired. Capture not possible.'", async () => {
    const id = await newOrder(sim)
    const order = await getOrder(sim, id)
    expect(Date.parse(order.expires_at) - Date.parse(order.created_at)).toBe(28 * DAY)
    await control(sim, "POST", "/clock", { now: new Date(Date.parse(order.expires_at) + 1000).toISOString() })
    expect(await getOrder(sim, id)).toMatchObject({ status: "EXPIRED", remaining_authorized_amount: 0 })
    const err = expectKlarnaError(await capture(sim, id, 100), 403, "CAPTURE_NOT_ALLOWED")
    expect(err.error_messages).toEqual([`Order ${id} is expired. Capture not possible.`])
    // Back in time: the authorization is open again (EXPIRED is derived from the clock).
    await control(sim, "POST", "/clock", { now: null })
    expect((await getOrder(sim, id)).status).toBe("AUTHORIZED")
  })

  it("expires_at given at creation is honoured", async () => {
    const past = new Date(Date.now() - 1000).toISOString()
    const id = await newOrder(sim, { expires_at: past })
    expect(await getOrder(sim, id)).toMatchObject({ status: "EXPIRED", expires_at: past })
  })

  it("a fully captured order does not expire", async () => {
    const id = await newOrder(sim)
    await capture(sim, id, 6000)
    await control(sim, "POST", "/clock", { now: new Date(Date.now() + 60 * DAY).toISOString() })
    expect((await getOrder(sim, id)).status).toBe("CAPTURED")
  })

  it("captured_amount 0 → 422", async () => {
    const id = await newOrder(sim)
    const err = expectKlarnaError(await capture(sim, id, 0), 422, "UNPROCESSABLE_ENTITY")
    expect(err.error_messages).toEqual(["The captured_amount value must be greater than 0"])
  })
})

describe("shipping info and send-out", () => {
  it("appends, never replaces", async () => {
    const id = await newOrder(sim)
    const captureId = (
      await capture(sim, id, 6000, { shipping_info: [{ shipping_company: "dhl-express", tracking_number: "A1" }] })
    ).headers.get("capture-id")
    for (const n of ["B2", "C3"]) {
      const res = await call(sim, "POST", `${OM}/${id}/captures/${captureId}/shipping-info`, {
        body: { shipping_info: [{ shipping_company: "ups", tracking_number: n }] },
      })
      expect(res.status).toBe(204)
    }
    const got = await call(sim, "GET", `${OM}/${id}/captures/${captureId}`)
    expect(got.body.shipping_info.map((s: { tracking_number: string }) => s.tracking_number)).toEqual(["A1", "B2", "C3"])
  })

  it("unknown carrier codes are accepted (Klarna validates asynchronously)", async () => {
    const id = await newOrder(sim)
    const captureId = (await capture(sim, id, 6000)).headers.get("capture-id")
    const res = await call(sim, "POST", `${OM}/${id}/captures/${captureId}/shipping-info`, {
      body: { shipping_info: [{ shipping_company: "My Own Van Co", tracking_number: "???" }] },
    })
    expect(res.status).toBe(204)
  })

  it("shipping info on an order without captures → 403 NOT_ALLOWED", async () => {
    const id = await newOrder(sim)
    const res = await call(sim, "POST", `${OM}/${id}/captures/nope/shipping-info`, { body: { shipping_info: [{ tracking_number: "1" }] } })
    expect(expectKlarnaError(res, 403, "NOT_ALLOWED").error_messages[0]).toMatch(/^Order has no captures/)
  })

  it("shipping info on an unknown capture → 404 NO_SUCH_CAPTURE", async () => {
    const id = await newOrder(sim)
    await capture(sim, id, 100)
    const res = await call(sim, "POST", `${OM}/${id}/captures/nope/shipping-info`, { body: { shipping_info: [{ tracking_number: "1" }] } })
    expect(expectKlarnaError(res, 404, "NO_SUCH_CAPTURE").error_messages).toEqual([
      "Capture could not be found. Shipping info cannot be added to capture nope.",
    ])
  })

  it("trigger send-out: no captures → 403 NOT_ALLOWED; unknown capture → 404 NO_SUCH_CAPTURE", async () => {
    const id = await newOrder(sim)
    expectKlarnaError(await call(sim, "POST", `${OM}/${id}/captures/nope/trigger-send-out`), 403, "NOT_ALLOWED")
    await capture(sim, id, 100)
    expectKlarnaError(await call(sim, "POST", `${OM}/${id}/captures/nope/trigger-send-out`), 404, "NO_SUCH_CAPTURE")
  })

  it("GET unknown capture → 404 NO_SUCH_CAPTURE", async () => {
    const id = await newOrder(sim)
    expectKlarnaError(await call(sim, "GET", `${OM}/${id}/captures/nope`), 404, "NO_SUCH_CAPTURE")
  })
})

describe("refunds", () => {
  it("no captures → 403 REFUND_NOT_ALLOWED 'Order has no captures. Refund not possible'", async () => {
    const id = await newOrder(sim)
    const err = expectKlarnaError(
      await call(sim, "POST", `${OM}/${id}/refunds`, { body: { refunded_amount: 100 } }),
      403,
      "REFUND_NOT_ALLOWED",
    )
    expect(err.error_messages).toEqual(["Order has no captures. Refund not possible"])
  })

  it("above captured − refunded → 403 REFUND_NOT_ALLOWED; amounts and per-capture attribution", async () => {
    const id = await twoLineOrder()
    await capture(sim, id, 3000)
    await capture(sim, id, 4000)
    expect((await call(sim, "POST", `${OM}/${id}/refunds`, { body: { refunded_amount: 5000 } })).status).toBe(201)
    expectKlarnaError(await call(sim, "POST", `${OM}/${id}/refunds`, { body: { refunded_amount: 2001 } }), 403, "REFUND_NOT_ALLOWED")
    expect((await call(sim, "POST", `${OM}/${id}/refunds`, { body: { refunded_amount: 2000 } })).status).toBe(201)
    const order = await getOrder(sim, id)
    expect(order).toMatchObject({ captured_amount: 7000, refunded_amount: 7000, status: "PART_CAPTURED" })
    expect(order.refunds).toHaveLength(2)
    expect(order.captures.map((c: { refunded_amount: number }) => c.refunded_amount)).toEqual([3000, 4000])
    expectKlarnaError(await call(sim, "POST", `${OM}/${id}/refunds`, { body: { refunded_amount: 1 } }), 403, "REFUND_NOT_ALLOWED")
  })

  it("refund lines must add up to refunded_amount", async () => {
    const id = await newOrder(sim)
    await capture(sim, id, 6000)
    const res = await call(sim, "POST", `${OM}/${id}/refunds`, { body: { refunded_amount: 3000, order_lines: [line("Tomatoes", 4, 600)] } })
    expect(expectKlarnaError(res, 422, "UNPROCESSABLE_ENTITY").error_messages).toEqual([
      "refunded_amount is 3000 but the sum of order_lines[].total_amount is 2400",
    ])
  })

  it("unknown refund → 404 NOT_FOUND 'Refund <id> cannot be found for order <id>'", async () => {
    const id = await newOrder(sim)
    const err = expectKlarnaError(await call(sim, "GET", `${OM}/${id}/refunds/r-1`), 404, "NOT_FOUND")
    expect(err.error_messages).toEqual([`Refund r-1 cannot be found for order ${id}`])
  })

  it("refund on an unknown order → 404 NO_SUCH_ORDER", async () => {
    expectKlarnaError(await call(sim, "POST", `${OM}/${UNKNOWN_ORDER}/refunds`, { body: { refunded_amount: 1 } }), 404, "NO_SUCH_ORDER")
  })

  it("refunds stay possible after the authorization expired", async () => {
    const id = await twoLineOrder()
    await capture(sim, id, 3000)
    await control(sim, "POST", "/clock", { now: new Date(Date.now() + 29 * DAY).toISOString() })
    expect((await getOrder(sim, id)).status).toBe("EXPIRED")
    expect((await call(sim, "POST", `${OM}/${id}/refunds`, { body: { refunded_amount: 3000 } })).status).toBe(201)
  })
})

describe("cancel", () => {
  it("cancel an authorized order → 204, CANCELLED, remaining 0", async () => {
    const id = await newOrder(sim)
    expect((await call(sim, "POST", `${OM}/${id}/cancel`)).status).toBe(204)
    expect(await getOrder(sim, id)).toMatchObject({ status: "CANCELLED", remaining_authorized_amount: 0, order_amount: 6000 })
  })

  it("cancel with captures → 403 CANCEL_NOT_ALLOWED (verbatim)", async () => {
    const id = await newOrder(sim)
    await capture(sim, id, 100)
    const err = expectKlarnaError(await call(sim, "POST", `${OM}/${id}/cancel`), 403, "CANCEL_NOT_ALLOWED")
    expect(err.error_messages).toEqual(["Order has previous captures. Cancel not possible."])
  })

  it("cancel a cancelled order → 403 CANCEL_NOT_ALLOWED", async () => {
    const id = await newOrder(sim)
    await call(sim, "POST", `${OM}/${id}/cancel`)
    expectKlarnaError(await call(sim, "POST", `${OM}/${id}/cancel`), 403, "CANCEL_NOT_ALLOWED")
  })

  it("cancel an unknown order → 404 NO_SUCH_ORDER", async () => {
    expectKlarnaError(await call(sim, "POST", `${OM}/${UNKNOWN_ORDER}/cancel`), 404, "NO_SUCH_ORDER")
  })
})

describe("release remaining authorization", () => {
  it("release math: order_amount → captured_amount, remaining 0, status CAPTURED", async () => {
    const id = await twoLineOrder()
    await capture(sim, id, 6000)
    expect((await call(sim, "POST", `${OM}/${id}/release-remaining-authorization`)).status).toBe(204)
    expect(await getOrder(sim, id)).toMatchObject({
      status: "CAPTURED",
      order_amount: 6000,
      original_order_amount: 10000,
      captured_amount: 6000,
      remaining_authorized_amount: 0,
    })
    const internal = await control(sim, "GET", `/orders/${id}`)
    expect(internal.body.sim).toMatchObject({ released_amount: 4000 })
    // nothing left to capture, refunds still possible
    expectKlarnaError(await capture(sim, id, 1), 403, "CAPTURE_NOT_ALLOWED")
    expect((await call(sim, "POST", `${OM}/${id}/refunds`, { body: { refunded_amount: 6000 } })).status).toBe(201)
  })

  it("release again (nothing remains) → 204 no-op", async () => {
    const id = await newOrder(sim)
    await capture(sim, id, 6000)
    expect((await call(sim, "POST", `${OM}/${id}/release-remaining-authorization`)).status).toBe(204)
    expect((await getOrder(sim, id)).order_amount).toBe(6000)
  })

  it("release without captures → 403 NOT_ALLOWED", async () => {
    const id = await newOrder(sim)
    expectKlarnaError(await call(sim, "POST", `${OM}/${id}/release-remaining-authorization`), 403, "NOT_ALLOWED")
  })

  it("release on a cancelled order → 403 NOT_ALLOWED", async () => {
    const id = await newOrder(sim)
    await call(sim, "POST", `${OM}/${id}/cancel`)
    expectKlarnaError(await call(sim, "POST", `${OM}/${id}/release-remaining-authorization`), 403, "NOT_ALLOWED")
  })

  it("release on an unknown order → 404 NO_SUCH_ORDER", async () => {
    expectKlarnaError(await call(sim, "POST", `${OM}/${UNKNOWN_ORDER}/release-remaining-authorization`), 404, "NO_SUCH_ORDER")
  })
})

describe("extend authorization time", () => {
  it("pushes expires_at to now + 28 days", async () => {
    const id = await newOrder(sim)
    const created = Date.parse((await getOrder(sim, id)).created_at)
    const later = created + 10 * DAY
    await control(sim, "POST", "/clock", { now: new Date(later).toISOString(), freeze: true })
    expect((await call(sim, "POST", `${OM}/${id}/extend-authorization-time`)).status).toBe(204)
    expect((await getOrder(sim, id)).expires_at).toBe(new Date(later + 28 * DAY).toISOString())
  })

  it("never beyond 180 days after creation; at the cap → 403 NOT_ALLOWED", async () => {
    const id = await newOrder(sim)
    const created = Date.parse((await getOrder(sim, id)).created_at)
    for (let day = 20; day < 180; day += 20) {
      await control(sim, "POST", "/clock", { now: new Date(created + day * DAY).toISOString(), freeze: true })
      expect((await call(sim, "POST", `${OM}/${id}/extend-authorization-time`)).status).toBe(204)
    }
    expect((await getOrder(sim, id)).expires_at).toBe(new Date(created + 180 * DAY).toISOString())
    expectKlarnaError(await call(sim, "POST", `${OM}/${id}/extend-authorization-time`), 403, "NOT_ALLOWED")
  })

  it("expired → 403 NOT_ALLOWED 'Order is expired. Authorization time cannot be extended.'", async () => {
    const id = await newOrder(sim)
    await control(sim, "POST", "/clock", { advance_days: 29 })
    const err = expectKlarnaError(await call(sim, "POST", `${OM}/${id}/extend-authorization-time`), 403, "NOT_ALLOWED")
    expect(err.error_messages).toEqual(["Order is expired. Authorization time cannot be extended."])
  })

  it("cancelled → 403 NOT_ALLOWED", async () => {
    const id = await newOrder(sim)
    await call(sim, "POST", `${OM}/${id}/cancel`)
    expectKlarnaError(await call(sim, "POST", `${OM}/${id}/extend-authorization-time`), 403, "NOT_ALLOWED")
  })
})

describe("other order updates", () => {
  it("PATCH merchant-references → 204, '' clears; cancelled → 403; unknown → 404", async () => {
    const id = await newOrder(sim, { merchant_reference1: "old", merchant_reference2: "keep" })
    expect((await call(sim, "PATCH", `${OM}/${id}/merchant-references`, { body: { merchant_reference1: "10001" } })).status).toBe(204)
    expect(await getOrder(sim, id)).toMatchObject({ merchant_reference1: "10001", merchant_reference2: "keep" })
    expect((await call(sim, "PATCH", `${OM}/${id}/merchant-references`, { body: { merchant_reference2: "" } })).status).toBe(204)
    expect((await getOrder(sim, id)).merchant_reference2).toBeUndefined()
    const tooLong = await call(sim, "PATCH", `${OM}/${id}/merchant-references`, { body: { merchant_reference1: "x".repeat(256) } })
    expect(expectKlarnaError(tooLong, 422, "UNPROCESSABLE_ENTITY").error_messages).toEqual([
      "The size of the merchant_reference1 value must be between 0 and 255",
    ])
    await call(sim, "POST", `${OM}/${id}/cancel`)
    expectKlarnaError(
      await call(sim, "PATCH", `${OM}/${id}/merchant-references`, { body: { merchant_reference1: "x" } }),
      403,
      "NOT_ALLOWED",
    )
    expectKlarnaError(await call(sim, "PATCH", `${OM}/${UNKNOWN_ORDER}/merchant-references`, { body: {} }), 404, "NO_SUCH_ORDER")
  })

  it("PATCH authorization: up and down, not below captured, lines replaced", async () => {
    const id = await twoLineOrder()
    await capture(sim, id, 3000)
    const newLines = [line("Shirt", 2, 3000), line("Hat", 1, 4000), line("Socks", 1, 1000)]
    expect((await call(sim, "PATCH", `${OM}/${id}/authorization`, { body: { order_amount: 11000, order_lines: newLines } })).status).toBe(
      204,
    )
    expect(await getOrder(sim, id)).toMatchObject({
      order_amount: 11000,
      original_order_amount: 10000,
      remaining_authorized_amount: 8000,
      order_lines: newLines,
    })
    const err = expectKlarnaError(
      await call(sim, "PATCH", `${OM}/${id}/authorization`, { body: { order_amount: 2000 } }),
      403,
      "NOT_ALLOWED",
    )
    expect(err.error_messages).toEqual([
      "Resulting authorization amount 2000 cannot be less than the captured amount 3000 for order. Order authorization cannot be updated",
    ])
    expect((await call(sim, "PATCH", `${OM}/${id}/authorization`, { body: { order_amount: 3000 } })).status).toBe(204)
    expect(await getOrder(sim, id)).toMatchObject({ order_amount: 3000, status: "CAPTURED", order_lines: [] })
    expectKlarnaError(await call(sim, "PATCH", `${OM}/${id}/authorization`, { body: { order_amount: 5000 } }), 403, "NOT_ALLOWED")
  })

  it("POST acknowledge → 204; unknown → 404", async () => {
    const id = await newOrder(sim)
    expect((await call(sim, "POST", `${OM}/${id}/acknowledge`)).status).toBe(204)
    expect((await control(sim, "GET", `/orders/${id}`)).body.sim.acknowledged_at).toEqual(expect.any(String))
    const err = expectKlarnaError(await call(sim, "POST", `${OM}/${UNKNOWN_ORDER}/acknowledge`), 404, "NO_SUCH_ORDER")
    expect(err.error_messages).toEqual([`Order ${UNKNOWN_ORDER} cannot be found. Acknowledgement not possible.`])
  })

  it("PATCH customer-details updates the shipping address", async () => {
    const id = await newOrder(sim, { shipping_address: { given_name: "Klara", city: "Stockholm", country: "SE" } })
    expect((await call(sim, "PATCH", `${OM}/${id}/customer-details`, { body: { shipping_address: { city: "Malmö" } } })).status).toBe(204)
    expect((await getOrder(sim, id)).shipping_address).toEqual({ given_name: "Klara", city: "Malmö", country: "SE" })
  })

  it("order-level shipping info is appended", async () => {
    const id = await newOrder(sim)
    for (const n of ["1", "2"]) {
      expect((await call(sim, "POST", `${OM}/${id}/shipping-info`, { body: { shipping_info: [{ tracking_number: n }] } })).status).toBe(204)
    }
    expect((await getOrder(sim, id)).shipping_info).toEqual([{ tracking_number: "1" }, { tracking_number: "2" }])
  })

  it("extend-due-date: no options, extension not allowed", async () => {
    const id = await newOrder(sim)
    const captureId = (await capture(sim, id, 6000)).headers.get("capture-id")
    const options = await call(sim, "GET", `${OM}/${id}/captures/${captureId}/extend-due-date-options`)
    expect(options.body).toEqual({ currency: "USD", options: [] })
    expectKlarnaError(
      await call(sim, "PATCH", `${OM}/${id}/captures/${captureId}/extend-due-date`, { body: { number_of_days: 10 } }),
      403,
      "NOT_ALLOWED",
    )
  })
})
