/**
 * Issue 13: a store whose credentials are Kustom's (provider "kustom"), on a real Medusa 1.20 server with the
 * plugin and PostgreSQL, pointed at the simulator through baseUrl. Kustom serves Klarna's Order Management
 * API, so a fulfillment becomes a capture with its lines and tracking exactly as with Klarna; Kustom
 * deprecated trigger-send-out, so the admin's Resend is refused with a 400 and nothing reaches the API.
 */
import { startMedusaStack, type MedusaStack } from "../support/medusa-stack"
import { simOrder, simRequests } from "../support/simulator-client"
import { createFulfillment, createShipment, eventually } from "../support/store-api"
import { itemOf, klarnaCheckout, rawRequest, viewWhen } from "../admin/support"

jest.setTimeout(180_000)

let stack: MedusaStack

beforeAll(async () => {
  stack = await startMedusaStack({ name: "kos_kustom", medusa: { env: { KLARNA_PROVIDER: "kustom" } } })
})

afterAll(async () => {
  await stack?.close()
})

describe("a store on Kustom credentials", () => {
  test("a fulfillment is captured with its lines and tracking; Resend is refused with 400 and nothing is sent", async () => {
    const placed = await klarnaCheckout(stack, [{ product: 0, quantity: 3 }])
    const orderId = placed.order.id
    const klarnaId = placed.klarnaOrderId as string
    const tomatoes = itemOf(stack, placed, 0)

    const { fulfillment } = await createFulfillment(stack.api, orderId, [{ itemId: tomatoes.id, quantity: 2 }])
    await createShipment(stack.api, orderId, fulfillment.id, ["KUSTOM-TRACK-1"])
    const remote = await eventually(
      async () => {
        const order = await simOrder(stack.simulator.url, klarnaId)
        return order.captures.length === 1 && (order.captures[0].shipping_info ?? []).length === 1 ? order : undefined
      },
      { what: "the capture and its tracking at the simulator" },
    )

    // Seeded: Tomatoes 1200 before 25 % tax, shipping 4900 before tax; shipping goes with the first capture.
    const [capture] = remote.captures
    expect(capture.reference).toBe(fulfillment.id)
    expect(capture.order_lines).toEqual([
      expect.objectContaining({
        type: "physical",
        reference: "TOM-1",
        name: "Tomatoes",
        quantity: 2,
        unit_price: 1500,
        tax_rate: 2500,
        total_amount: 3000,
        total_tax_amount: 600,
      }),
      expect.objectContaining({
        type: "shipping_fee",
        quantity: 1,
        unit_price: 6125,
        tax_rate: 2500,
        total_amount: 6125,
        total_tax_amount: 1225,
      }),
    ])
    expect(capture.captured_amount).toBe(9125)
    expect(capture.shipping_info).toEqual([
      expect.objectContaining({ shipping_company: "postnord", tracking_number: "KUSTOM-TRACK-1", shipping_method: "Home" }),
    ])

    // The admin view says who serves the order.
    const view = await viewWhen(stack.api, orderId, (v) => v.captures[0]?.status === "captured", "the capture in the view")
    expect(view.provider).toBe("kustom")
    const captureId = view.captures[0].capture_id as string
    expect(captureId).toBe(capture.capture_id)

    // Resend: refused before anything is queued or sent.
    const resend = await rawRequest(
      stack.medusa.url,
      "POST",
      `/admin/klarna/orders/${orderId}/captures/${captureId}/send-out`,
      stack.api.token,
    )
    expect(resend.status).toBe(400)
    expect(resend.body).toEqual({
      type: "not_allowed",
      message: `Order ${orderId} is served by Kustom, which deprecated trigger-send-out: Kustom cannot resend the customer communication`,
    })
    const after = await viewWhen(stack.api, orderId, () => true, "the view")
    expect(after.jobs.filter((job) => job.operation === "trigger_send_out")).toEqual([])
    expect(await simRequests(stack.simulator.url, "trigger-send-out")).toEqual([])

    // "Check with Kustom" (reconcile) reads the order from the same API.
    const reconcile = await rawRequest(stack.medusa.url, "POST", `/admin/klarna/orders/${orderId}/reconcile`, stack.api.token)
    expect(reconcile.status).toBe(200)
    expect(reconcile.body).toMatchObject({
      reconcile: { order_id: orderId, klarna_order_id: klarnaId, klarna: { status: "PART_CAPTURED" } },
    })
  })
})
