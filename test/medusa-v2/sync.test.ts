/**
 * The v2 plugin's sync, end to end: a real Medusa 2.21.2 server with the plugin, the Klarna simulator over
 * HTTP, orders placed through the store API and paid with a Klarna order (pp_klarna_klarna), fulfilled,
 * shipped and canceled through the admin API. What Klarna received is asserted line by line.
 *
 * The store: Coffee 35.91 SEK (3 × 35.91 × 1.25 = 134.6625 SEK: v2 does not round to the öre), a rain jacket
 * 899 SEK, tomatoes 12 SEK, shipping 49 SEK, all + 25 % VAT on top (v2's tax-exclusive default).
 */
import type { KlarnaOrderLine } from "../../packages/core/src/klarna/types"
import { checkoutV2 } from "../support/medusa-v2-checkout"
import { klarnaCheckoutV2 } from "../support/medusa-v2-klarna-checkout"
import { deliverAgain, startV2SyncStack, type V2SyncStack } from "../support/medusa-v2-sync-stack"
import { simOrder, simOrderWhen, simRequests } from "../support/simulator-client"
import { eventually } from "../support/store-api"

jest.setTimeout(600_000)

const PRODUCTS = [
  { title: "Tomatoes", price: 12, sku: "TOM-1" },
  { title: "Coffee", price: 35.91, sku: "COF-1" },
  { title: "Rain jacket", price: 899, sku: "JKT-1" },
]

let stack: V2SyncStack

beforeAll(async () => {
  // A sweep every 2 s (its grace is then 5 s): the lost-event test waits seconds, not minutes.
  stack = await startV2SyncStack({ name: "v2_sync", seed: { products: PRODUCTS }, pluginOptions: { worker: { sweepIntervalMs: 2000 } } })
})

afterAll(async () => {
  if (process.env.KOS_MEDUSA_LOGS_ON_FAIL === "1") console.log(stack?.server.logs().slice(-30000)) // eslint-disable-line no-console
  await stack?.close()
})

interface AdminOrder {
  id: string
  items: { id: string; variant_sku: string; quantity: number }[]
  shipping_methods: { id: string }[]
  fulfillments?: { id: string; created_at: string }[]
}

async function adminOrder(orderId: string): Promise<AdminOrder> {
  const { order } = await stack.admin.get<{ order: AdminOrder }>(
    `/admin/orders/${orderId}?fields=id,*items,*shipping_methods,*fulfillments`,
  )
  return order
}

const itemId = (order: AdminOrder, sku: string) => order.items.find((i) => i.variant_sku === sku)!.id

/** Creates a fulfillment of the given quantities; returns its id (the newest fulfillment of the order). */
async function fulfill(orderId: string, items: { sku: string; quantity: number }[]): Promise<string> {
  const before = await adminOrder(orderId)
  const known = new Set((before.fulfillments ?? []).map((f) => f.id))
  await stack.admin.post(`/admin/orders/${orderId}/fulfillments`, {
    items: items.map((i) => ({ id: itemId(before, i.sku), quantity: i.quantity })),
    location_id: stack.store.stockLocationId,
  })
  const after = await adminOrder(orderId)
  const created = (after.fulfillments ?? []).filter((f) => !known.has(f.id))
  expect(created).toHaveLength(1)
  return created[0].id
}

async function ship(
  orderId: string,
  fulfillmentId: string,
  items: { sku: string; quantity: number }[],
  labels: { tracking_number: string; tracking_url: string }[],
) {
  const order = await adminOrder(orderId)
  await stack.admin.post(`/admin/orders/${orderId}/fulfillments/${fulfillmentId}/shipments`, {
    items: items.map((i) => ({ id: itemId(order, i.sku), quantity: i.quantity })),
    labels: labels.map((l) => ({ ...l, label_url: "https://labels.example/label.pdf" })),
  })
}

/** Klarna line as the plugin must send it (total_tax_amount = total − total × 10000 / (10000 + rate), rounded). */
function line(
  l: Partial<KlarnaOrderLine> & Pick<KlarnaOrderLine, "reference" | "name" | "quantity" | "unit_price" | "total_amount">,
): KlarnaOrderLine {
  const rate = 2500
  return {
    type: "physical",
    tax_rate: rate,
    total_discount_amount: 0,
    total_tax_amount: Math.round(l.total_amount - (l.total_amount * 10000) / (10000 + rate)),
    ...l,
  } as KlarnaOrderLine
}

/** A checkout through the store API paid with the plugin's provider (Klarna Payments on the simulator). */
function payWithKlarna(items: { sku: string; quantity: number }[]) {
  return klarnaCheckoutV2(stack, stack.store, stack.simulator.url, { items })
}

/** The lines of a capture of `quantity` tomatoes that carries the shipping (the first capture of its order). */
const tomatoesAndShipping = (quantity: number) => [
  line({ reference: "TOM-1", name: "Tomatoes (Default)", quantity, unit_price: 1500, total_amount: 1500 * quantity }),
  line({
    type: "shipping_fee",
    reference: expect.any(String) as string,
    name: "Standard",
    quantity: 1,
    unit_price: 6125,
    total_amount: 6125,
  }),
]

/** Klarna's lines in a fixed order (v2 returns an order's items in no particular order). */
const byReference = (lines: KlarnaOrderLine[]) => [...lines].sort((a, b) => String(a.reference).localeCompare(String(b.reference)))
const sum = (lines: KlarnaOrderLine[]) => lines.reduce((s, l) => s + l.total_amount, 0)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe("a Klarna-paid order", () => {
  let orderId: string
  let klarnaOrderId: string
  let shippingMethodId: string
  let first: string
  let second: string

  beforeAll(async () => {
    ;({ orderId, klarnaOrderId } = await payWithKlarna([
      { sku: "COF-1", quantity: 3 },
      { sku: "JKT-1", quantity: 1 },
      { sku: "TOM-1", quantity: 2 },
    ]))
    shippingMethodId = (await adminOrder(orderId)).shipping_methods[0].id
  })

  test("order.placed: the Klarna order gets the Medusa order number and id as merchant references", async () => {
    const placed = await simOrderWhen(stack.simulator.url, klarnaOrderId, (o) => o.merchant_reference2 === orderId, "merchant references")
    expect(placed.order_amount).toBe(134966) // 1349.6625 SEK
    expect(placed.merchant_reference2).toBe(orderId)
    expect(placed.merchant_reference1).toMatch(/^\d+$/)
    const [mapping] = await stack.sql<{ klarna_order_id: string; authorized_amount: string; currency: string }>(
      `SELECT klarna_order_id, authorized_amount::text, currency FROM klarna_order WHERE platform_order_id = $1`,
      [orderId],
    )
    expect(mapping).toEqual({ klarna_order_id: klarnaOrderId, authorized_amount: "134966", currency: "SEK" })
    // The checkout's Klarna order is recorded as this order's, not left "authorized" for the orphan sweep.
    const authorizations = await stack.sql(`SELECT status, platform_order_id FROM klarna_authorization WHERE klarna_order_id = $1`, [
      klarnaOrderId,
    ])
    expect(authorizations).toEqual([{ status: "ordered", platform_order_id: orderId }])
  })

  test("the first partial fulfillment is one capture of its lines (and the shipping), line by line", async () => {
    first = await fulfill(orderId, [{ sku: "COF-1", quantity: 2 }])
    const order = await simOrderWhen(stack.simulator.url, klarnaOrderId, (o) => o.captures.length === 1, "the first capture")
    const [capture] = order.captures
    // 134.6625 SEK of coffee is 13466 öre for 3 units: 2 units are 8977 öre at a unit price of 4489 (1 öre off).
    expect(capture.order_lines).toEqual([
      line({ reference: "COF-1", name: "Coffee (Default)", quantity: 2, unit_price: 4489, total_discount_amount: 1, total_amount: 8977 }),
      line({ type: "shipping_fee", reference: shippingMethodId, name: "Standard", quantity: 1, unit_price: 6125, total_amount: 6125 }),
    ])
    expect(capture.captured_amount).toBe(sum(capture.order_lines!))
    expect(capture.captured_amount).toBe(15102)
    expect(capture.reference).toBe(first)
  })

  test("shipment.created: its labels go to that capture as tracking, exactly as typed", async () => {
    await ship(
      orderId,
      first,
      [{ sku: "COF-1", quantity: 2 }],
      [{ tracking_number: "TRK-Å1 ü", tracking_url: "https://track.example/Å1?x=ü" }],
    )
    const order = await simOrderWhen(stack.simulator.url, klarnaOrderId, (o) => (o.captures[0].shipping_info ?? []).length > 0, "tracking")
    expect(order.captures[0].shipping_info).toEqual([
      { tracking_number: "TRK-Å1 ü", tracking_uri: "https://track.example/Å1?x=ü", shipping_method: "Home" },
    ])
  })

  test("the second partial fulfillment captures the rest: both captures add up to what Klarna authorized", async () => {
    second = await fulfill(orderId, [
      { sku: "JKT-1", quantity: 1 },
      { sku: "COF-1", quantity: 1 },
      { sku: "TOM-1", quantity: 2 },
    ])
    const order = await simOrderWhen(stack.simulator.url, klarnaOrderId, (o) => o.captures.length === 2, "the second capture")
    const capture = order.captures.find((c) => c.reference === second)!
    expect(byReference(capture.order_lines!)).toEqual([
      line({ reference: "COF-1", name: "Coffee (Default)", quantity: 1, unit_price: 4489, total_amount: 4489 }),
      line({ reference: "JKT-1", name: "Rain jacket (Default)", quantity: 1, unit_price: 112375, total_amount: 112375 }),
      line({ reference: "TOM-1", name: "Tomatoes (Default)", quantity: 2, unit_price: 1500, total_amount: 3000 }),
    ])
    expect(capture.captured_amount).toBe(sum(capture.order_lines!))
    expect(capture.shipping_info ?? []).toEqual([])
    expect(order.captured_amount).toBe(134966)
    expect(order.remaining_authorized_amount).toBe(0)
    // The tracking of the first fulfillment stayed on the first capture.
    expect(order.captures.find((c) => c.reference === first)!.shipping_info).toHaveLength(1)
  })

  test("the same event delivered twice more (another process, as a redelivering bus would): still one Klarna capture", async () => {
    const capturesBefore = (await simRequests(stack.simulator.url, `/orders/${klarnaOrderId}/captures`)).filter((r) => r.method === "POST")
    await deliverAgain(stack, "order-fulfillment-created", {
      name: "order.fulfillment_created",
      data: { order_id: orderId, fulfillment_id: second },
    })
    await sleep(1500)
    const capturesAfter = (await simRequests(stack.simulator.url, `/orders/${klarnaOrderId}/captures`)).filter((r) => r.method === "POST")
    expect(capturesAfter).toHaveLength(capturesBefore.length)
    expect(capturesAfter.filter((r) => (r.body as { reference?: string }).reference === second)).toHaveLength(1)
    const jobs = await stack.sql(`SELECT job_key FROM klarna_sync_job WHERE job_key = $1`, [`medusa:capture:${second}`])
    expect(jobs).toHaveLength(1)
    expect((await simOrder(stack.simulator.url, klarnaOrderId)).captures).toHaveLength(2)
  })
})

test("a fulfillment whose event was lost (the plugin's tables unavailable when it came) is captured by the sweep", async () => {
  const { orderId, klarnaOrderId } = await payWithKlarna([{ sku: "TOM-1", quantity: 4 }])
  await simOrderWhen(stack.simulator.url, klarnaOrderId, (o) => o.merchant_reference2 === orderId, "merchant references")
  // The event comes while the outbox cannot be written: the subscriber logs the failure, the bus forgets the event.
  await stack.sql(`ALTER TABLE klarna_sync_job RENAME TO klarna_sync_job_away`)
  let fulfillmentId: string
  try {
    fulfillmentId = await fulfill(orderId, [{ sku: "TOM-1", quantity: 4 }])
    await sleep(1000)
  } finally {
    await stack.sql(`ALTER TABLE klarna_sync_job_away RENAME TO klarna_sync_job`)
  }
  expect(await stack.sql(`SELECT 1 FROM klarna_sync_job WHERE job_key = $1`, [`medusa:capture:${fulfillmentId}`])).toHaveLength(0)
  expect(stack.server.logs()).toContain("order.fulfillment_created could not be handled")
  const order = await simOrderWhen(stack.simulator.url, klarnaOrderId, (o) => o.captures.length === 1, "the sweep's capture", 60_000)
  expect(order.captures[0].reference).toBe(fulfillmentId)
  expect(order.captures[0].order_lines).toEqual(tomatoesAndShipping(4))
  expect(order.captured_amount).toBe(12125)
  expect(stack.server.logs()).toMatch(/sweep converged \d+ order\(s\), queued \d+ missing job\(s\).*medusa:capture:/)
})

test("order.canceled on an unshipped order: the Klarna order is canceled", async () => {
  const { orderId, klarnaOrderId } = await payWithKlarna([{ sku: "JKT-1", quantity: 1 }])
  await simOrderWhen(stack.simulator.url, klarnaOrderId, (o) => o.merchant_reference2 === orderId, "merchant references")
  await stack.admin.post(`/admin/orders/${orderId}/cancel`)
  const order = await simOrderWhen(stack.simulator.url, klarnaOrderId, (o) => o.status === "CANCELLED", "the cancel")
  expect(order.captures).toEqual([])
  const cancels = (await simRequests(stack.simulator.url, `/orders/${klarnaOrderId}/cancel`)).filter((r) => r.method === "POST")
  expect(cancels).toHaveLength(1)
  expect(cancels[0].headers["klarna-idempotency-key"]).toBeTruthy()
})

test("a non-Klarna order (pp_system_default) is left alone: no Klarna call, no klarna_* rows", async () => {
  // An earlier case's order may still have a job to run; its calls must not be counted against this order.
  await eventually(async () => (await stack.sql(`SELECT 1 FROM klarna_sync_job WHERE state IN ('pending','running')`)).length === 0, {
    timeoutMs: 20_000,
    what: "every earlier job settled",
  })
  const requestsBefore = (await simRequests(stack.simulator.url)).length
  const { orderId } = await checkoutV2(stack.server.url, stack.store, { items: [{ sku: "TOM-1", quantity: 1 }] })
  const fulfillmentId = await fulfill(orderId, [{ sku: "TOM-1", quantity: 1 }])
  await ship(
    orderId,
    fulfillmentId,
    [{ sku: "TOM-1", quantity: 1 }],
    [{ tracking_number: "NOT-KLARNA-1", tracking_url: "https://t.example/1" }],
  )
  await stack.admin.post(`/admin/orders/${orderId}/cancel`).catch(() => undefined) // shipped: Medusa may refuse; either way nothing for Klarna
  await sleep(3000) // a worker poll and a sweep
  for (const table of ["klarna_order", "klarna_sync_job", "klarna_capture", "klarna_refund"]) {
    expect(await stack.sql(`SELECT 1 FROM ${table} WHERE platform_order_id = $1`, [orderId])).toHaveLength(0)
  }
  const newRequests = (await simRequests(stack.simulator.url)).slice(requestsBefore)
  expect(newRequests.filter((r) => !r.path.startsWith("/__sim"))).toEqual([])
})

describe("captureOn: shipment", () => {
  let shipStack: V2SyncStack
  beforeAll(async () => {
    shipStack = await startV2SyncStack({ name: "v2_sync_ship", seed: { products: PRODUCTS }, pluginOptions: { captureOn: "shipment" } })
  })
  afterAll(async () => {
    await shipStack?.close()
  })

  test("a fulfillment canceled before it shipped is never captured; the one shipped is, with its tracking", async () => {
    const saved = stack
    stack = shipStack
    try {
      const { orderId, klarnaOrderId } = await payWithKlarna([{ sku: "TOM-1", quantity: 2 }])
      const canceled = await fulfill(orderId, [{ sku: "TOM-1", quantity: 2 }])
      await stack.admin.post(`/admin/orders/${orderId}/fulfillments/${canceled}/cancel`)
      await sleep(2000)
      expect((await simOrder(stack.simulator.url, klarnaOrderId)).captures).toEqual([])
      const shipped = await fulfill(orderId, [{ sku: "TOM-1", quantity: 2 }])
      expect((await simOrder(stack.simulator.url, klarnaOrderId)).captures).toEqual([]) // not before it ships
      await ship(orderId, shipped, [{ sku: "TOM-1", quantity: 2 }], [{ tracking_number: "PN-77", tracking_url: "https://t.example/PN-77" }])
      const order = await simOrderWhen(stack.simulator.url, klarnaOrderId, (o) => o.captures.length === 1, "the capture at shipment")
      expect(order.captures[0].reference).toBe(shipped)
      expect(order.captures[0].order_lines).toEqual(tomatoesAndShipping(2))
      expect(order.captures[0].shipping_info).toEqual([
        { tracking_number: "PN-77", tracking_uri: "https://t.example/PN-77", shipping_method: "Home" },
      ])
      expect(order.captured_amount).toBe(order.order_amount)
      expect(await stack.sql(`SELECT 1 FROM klarna_capture WHERE source_id = $1`, [canceled])).toHaveLength(0)
    } finally {
      stack = saved
    }
  })
})

test("the worker listens for jobs on a connection of its own (v2's Knex), so an idle server does not poll", async () => {
  // pg_stat_activity shows each backend's last statement: the listener's is its LISTEN, and it stays idle.
  const listeners = await stack.sql(
    `SELECT state, query FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN "klarna_sync_job"'`,
  )
  expect(listeners).toEqual([{ state: "idle", query: 'LISTEN "klarna_sync_job"' }])
})

test("the call gate shares its state through klarna_rate_state (v2's migration made it): one row, a hashed key, no username", async () => {
  // The captures above went through the gate, which reports to the table while it has calls.
  const rows = await stack.sql<{ credentials_key: string; limit_per_s: number | null; row: string }>(
    `SELECT credentials_key, limit_per_s, row_to_json(s)::text AS row FROM klarna_rate_state s`,
  )
  expect(rows).toHaveLength(1)
  expect(rows[0].credentials_key).toMatch(/^[0-9a-f]{64}$/)
  expect(rows[0].row).not.toContain(stack.simulator.username)
})
