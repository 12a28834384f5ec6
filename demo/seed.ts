/**
 * Seeds the demo store through Medusa's own HTTP API, the way a merchant and a shopper would: a region
 * (Sweden, SEK, 25 % VAT) with the `klarna` payment provider, a shipping option, three products, and five
 * Klarna orders driven into the states worth looking at. Klarna is the simulator; every order is a real
 * checkout (Klarna Payments session → the simulator's stand-in for the Klarna widget → authorization →
 * Klarna order), and every later state is reached with the admin API, so the plugin did the Klarna part.
 *
 * What was seeded is recorded in the store's metadata (`klarna_order_sync_demo`), so a second start sees
 * it in the database and does not seed again.
 */
import crypto from "node:crypto"
import {
  cancelOrder,
  checkout,
  connect,
  createShipment,
  eventually,
  getOrder,
  receiveReturn,
  requestReturn,
  seedStore,
  type CheckoutResult,
  type MedusaOrder,
  type StoreApi,
} from "../test/support/store-api"
import type { DemoStore, SeededOrder, SeededOrderLabel } from "./state-file"

export const DEMO_METADATA_KEY = "klarna_order_sync_demo"
export const DEMO_REGION_NAME = "Sweden (Klarna demo)"

export interface DemoSeed {
  version: 1
  seeded_at: string
  store: DemoStore
  seeded_orders: SeededOrder[]
}

export interface KlarnaSimOrder {
  order_id: string
  status: string
  order_amount: number
  captured_amount: number
  refunded_amount: number
  captures: {
    capture_id: string
    captured_amount: number
    reference?: string
    shipping_info?: { tracking_number?: string; shipping_company?: string }[]
  }[]
  refunds: { refund_id: string; refunded_amount: number }[]
}

export interface KlarnaOrderViewJob {
  id: string
  operation: string
  state: string
  error: null | { http_status: number | null; error_code: string | null; error_messages: string[] | null }
}

export interface KlarnaOrderViewBody {
  klarna_order: {
    klarna_order_id: string
    status: string
    amounts: Record<string, number>
    captures: unknown[]
    refunds: unknown[]
    jobs: KlarnaOrderViewJob[]
    has_failures: boolean
  }
}

/** The store's seed record, or undefined when the store has not been seeded. */
export async function readSeed(api: StoreApi): Promise<DemoSeed | undefined> {
  const { store } = await api.admin<{ store: { metadata: Record<string, unknown> | null } }>("GET", "/store")
  const seed = store.metadata?.[DEMO_METADATA_KEY] as DemoSeed | undefined
  return seed && Array.isArray(seed.seeded_orders) ? seed : undefined
}

export async function simulatorOrder(simulatorUrl: string, klarnaOrderId: string): Promise<KlarnaSimOrder> {
  const res = await fetch(`${simulatorUrl}/__sim/orders/${encodeURIComponent(klarnaOrderId)}`)
  if (!res.ok) throw new Error(`the simulator has no Klarna order ${klarnaOrderId} (${res.status})`)
  return (await res.json()) as KlarnaSimOrder
}

export async function klarnaView(api: StoreApi, orderId: string): Promise<KlarnaOrderViewBody["klarna_order"]> {
  return (await api.admin<KlarnaOrderViewBody>("GET", `/klarna/orders/${orderId}`)).klarna_order
}

export async function waitForKlarna(
  simulatorUrl: string,
  klarnaOrderId: string,
  what: string,
  condition: (order: KlarnaSimOrder) => boolean,
  timeoutMs = 45_000,
): Promise<KlarnaSimOrder> {
  return eventually(
    async () => {
      const order = await simulatorOrder(simulatorUrl, klarnaOrderId)
      return condition(order) ? order : undefined
    },
    { timeoutMs, intervalMs: 250, what: `${what} (Klarna order ${klarnaOrderId})` },
  )
}

interface SeedContext {
  api: StoreApi
  simulatorUrl: string
  store: DemoStore
}

function buy(ctx: SeedContext, items: { product: number; quantity: number }[], email: string): Promise<CheckoutResult> {
  return checkout(ctx.api, {
    regionId: ctx.store.region_id,
    shippingOptionId: ctx.store.shipping_option_id,
    items: items.map((item) => ({ variantId: ctx.store.products[item.product].variant_id, quantity: item.quantity })),
    provider: "klarna",
    simulatorUrl: ctx.simulatorUrl,
    email,
  })
}

function itemOf(ctx: SeedContext, order: MedusaOrder, product: number): MedusaOrder["items"][number] {
  const item = order.items.find((candidate) => candidate.variant_id === ctx.store.products[product].variant_id)
  if (!item) throw new Error(`order ${order.id} has no ${ctx.store.products[product].title}`)
  return item
}

/** POST /admin/orders/:id/fulfillment with an optional Klarna carrier code for this fulfillment. */
async function fulfill(
  ctx: SeedContext,
  orderId: string,
  items: { itemId: string; quantity: number }[],
  shippingCompany?: string,
): Promise<string> {
  const before = new Set((await getOrder(ctx.api, orderId)).fulfillments.map((f) => f.id))
  const { order } = await ctx.api.admin<{ order: MedusaOrder }>("POST", `/orders/${orderId}/fulfillment`, {
    items: items.map((i) => ({ item_id: i.itemId, quantity: i.quantity })),
    no_notification: true,
    ...(shippingCompany ? { metadata: { klarna_shipping_company: shippingCompany } } : {}),
  })
  const created = order.fulfillments.find((f) => !before.has(f.id))
  if (!created) throw new Error(`no new fulfillment on order ${orderId}`)
  return created.id
}

function record(label: SeededOrderLabel, description: string, placed: CheckoutResult, status: string): SeededOrder {
  return {
    label,
    description,
    order_id: placed.order.id,
    display_id: placed.order.display_id,
    klarna_order_id: placed.klarnaOrderId as string,
    klarna_status: status,
  }
}

const PRODUCTS = [
  { title: "Merino Sweater", price: 89900, sku: "DEMO-SWEATER" },
  { title: "Wool Socks", price: 12950, sku: "DEMO-SOCKS" },
  { title: "Rain Jacket", price: 149500, sku: "DEMO-JACKET" },
]

export async function seedDemoStore(api: StoreApi): Promise<DemoStore> {
  const seeded = await seedStore(api, {
    currency: "sek",
    paymentProviders: ["klarna", "manual"],
    countries: ["se"],
    regionName: DEMO_REGION_NAME,
    taxRate: 25,
    shippingPrice: 4900,
    products: PRODUCTS,
  })
  return {
    region_id: seeded.regionId,
    currency: seeded.currency,
    country: "se",
    shipping_option_id: seeded.shippingOptionId,
    products: seeded.products.map((p) => ({ id: p.id, title: p.title, variant_id: p.variantId, sku: p.sku, price: p.price })),
  }
}

// ---------------------------------------------------------------------------------------------
// The five orders
// ---------------------------------------------------------------------------------------------

/** One seeded order: its checkout (run one after the other, so display ids follow the list) and what follows. */
interface OrderScenario {
  items: { product: number; quantity: number }[]
  email: string
  /** Drives the placed order into its state; resolves with its record. */
  then(ctx: SeedContext, placed: CheckoutResult): Promise<SeededOrder>
}

async function authorizedOrder(ctx: SeedContext, placed: CheckoutResult): Promise<SeededOrder> {
  const klarna = await waitForKlarna(ctx.simulatorUrl, placed.klarnaOrderId as string, "authorized", (o) => o.status === "AUTHORIZED")
  return record(
    "authorized",
    "Authorized, nothing shipped yet: fulfill it in the admin and watch the Klarna capture appear in the widget.",
    placed,
    klarna.status,
  )
}

async function partCapturedOrder(ctx: SeedContext, placed: CheckoutResult): Promise<SeededOrder> {
  const klarnaId = placed.klarnaOrderId as string
  const fulfillmentId = await fulfill(ctx, placed.order.id, [{ itemId: itemOf(ctx, placed.order, 2).id, quantity: 1 }], "dhl-express")
  await createShipment(ctx.api, placed.order.id, fulfillmentId, ["JD014600006281230704"])
  const klarna = await waitForKlarna(
    ctx.simulatorUrl,
    klarnaId,
    "one capture with tracking",
    (o) => o.captures.length === 1 && (o.captures[0].shipping_info ?? []).length > 0,
  )
  return record(
    "part_captured_tracked",
    "The jacket is shipped (DHL Express, tracking JD014600006281230704), the socks are not: one Klarna capture with the jacket's line, shipping and tracking; the rest stays authorized.",
    placed,
    klarna.status,
  )
}

async function capturedPartRefundedOrder(ctx: SeedContext, placed: CheckoutResult): Promise<SeededOrder> {
  const klarnaId = placed.klarnaOrderId as string
  const orderId = placed.order.id
  const fulfillmentId = await fulfill(
    ctx,
    orderId,
    placed.order.items.map((item) => ({ itemId: item.id, quantity: item.quantity })),
  )
  await createShipment(ctx.api, orderId, fulfillmentId, ["00370730253234503321"])
  await waitForKlarna(ctx.simulatorUrl, klarnaId, "full capture", (o) => o.status === "CAPTURED")
  // Medusa lets a return refund only once its payment is captured, which the plugin marks when Klarna is.
  await eventually(async () => (await getOrder(ctx.api, orderId)).payment_status === "captured", {
    timeoutMs: 45_000,
    what: `Medusa payment of ${orderId} captured`,
  })
  const socks = itemOf(ctx, placed.order, 1)
  const { returnId } = await requestReturn(ctx.api, orderId, [{ itemId: socks.id, quantity: 1 }])
  await receiveReturn(ctx.api, returnId, [{ itemId: socks.id, quantity: 1 }])
  const klarna = await waitForKlarna(ctx.simulatorUrl, klarnaId, "one refund", (o) => o.refunds.length === 1)
  return record(
    "captured_part_refunded",
    "Everything shipped (PostNord, from the carrier mapping) and captured; the socks came back: one Klarna refund with the socks' line.",
    placed,
    klarna.status,
  )
}

async function cancelledOrder(ctx: SeedContext, placed: CheckoutResult): Promise<SeededOrder> {
  await cancelOrder(ctx.api, placed.order.id)
  const klarna = await waitForKlarna(ctx.simulatorUrl, placed.klarnaOrderId as string, "cancelled", (o) => o.status === "CANCELLED")
  return record(
    "cancelled",
    "Cancelled before anything shipped: the Klarna order is cancelled, nothing was captured.",
    placed,
    klarna.status,
  )
}

/**
 * Klarna refuses the order's next capture once (the simulator's fault API): a 4xx is not retried, so the sync
 * job is parked as failed, with Klarna's error, until someone presses Retry in the widget.
 */
export async function refuseNextCapture(simulatorUrl: string, klarnaId: string): Promise<void> {
  const fault = await fetch(`${simulatorUrl}/__sim/faults`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      match: { method: "POST", path: `${klarnaId}/captures`, times: 1 },
      fault: {
        type: "http",
        status: 403,
        body: {
          error_code: "CAPTURE_NOT_ALLOWED",
          error_messages: ["Captured amount is higher than the remaining authorized amount. Capture not possible."],
          correlation_id: crypto.randomUUID(),
        },
      },
    }),
  })
  if (!fault.ok) throw new Error(`the simulator refused the fault: ${fault.status} ${await fault.text()}`)
}

async function syncFailedOrder(ctx: SeedContext, placed: CheckoutResult): Promise<SeededOrder> {
  const klarnaId = placed.klarnaOrderId as string
  // Klarna refuses this order's next capture once (the simulator's fault API): a 4xx is not retried, so the
  // sync job is parked as failed, with Klarna's error, until someone presses Retry.
  await refuseNextCapture(ctx.simulatorUrl, klarnaId)
  await fulfill(
    ctx,
    placed.order.id,
    placed.order.items.map((item) => ({ itemId: item.id, quantity: item.quantity })),
  )
  await eventually(
    async () => {
      const view = await klarnaView(ctx.api, placed.order.id)
      return view.jobs.some((job) => job.state === "failed" && job.error?.error_code === "CAPTURE_NOT_ALLOWED")
    },
    { timeoutMs: 45_000, intervalMs: 250, what: `a failed capture job on ${placed.order.id}` },
  )
  const klarna = await simulatorOrder(ctx.simulatorUrl, klarnaId)
  return record(
    "sync_failed",
    "Fulfilled while Klarna refused the capture (403 CAPTURE_NOT_ALLOWED, injected once by the demo): the widget shows Klarna's error; press Retry and the capture goes through.",
    placed,
    klarna.status,
  )
}

const SCENARIOS: OrderScenario[] = [
  {
    items: [
      { product: 0, quantity: 1 },
      { product: 1, quantity: 2 },
    ],
    email: "astrid@example.com",
    then: authorizedOrder,
  },
  {
    items: [
      { product: 2, quantity: 1 },
      { product: 1, quantity: 2 },
    ],
    email: "bjorn@example.com",
    then: partCapturedOrder,
  },
  {
    items: [
      { product: 0, quantity: 1 },
      { product: 1, quantity: 1 },
    ],
    email: "cecilia@example.com",
    then: capturedPartRefundedOrder,
  },
  { items: [{ product: 1, quantity: 3 }], email: "david@example.com", then: cancelledOrder },
  { items: [{ product: 0, quantity: 2 }], email: "erik@example.com", then: syncFailedOrder },
]

/**
 * Seeds everything and records it in the store's metadata. The checkouts run one after the other (about a
 * second each); what follows them runs concurrently, since each step waits for Medusa's event bus (it pumps
 * every 3 s) and the plugin's worker.
 */
export async function seedDemo(medusaUrl: string, simulatorUrl: string, email: string, password: string): Promise<DemoSeed> {
  const api = await connect(medusaUrl, email, password)
  const { regions } = await api.admin<{ regions: { id: string; name: string }[] }>("GET", "/regions")
  if (regions.some((r) => r.name === DEMO_REGION_NAME)) {
    throw new Error(
      `the database has the demo region but no record of a finished seed (an earlier start stopped while seeding). ` +
        `Start over with DEMO_RESET=1 npm start (embedded PostgreSQL) or an empty DATABASE_URL database.`,
    )
  }
  await api.admin("POST", "/store", { name: "Klarna demo store" })
  await api.admin("POST", "/analytics-configs", { opt_out: true, anonymize: true }).catch(() => undefined)
  const store = await seedDemoStore(api)
  const ctx: SeedContext = { api, simulatorUrl, store }
  const placed: CheckoutResult[] = []
  for (const scenario of SCENARIOS) placed.push(await buy(ctx, scenario.items, scenario.email))
  const seeded_orders = await Promise.all(SCENARIOS.map((scenario, i) => scenario.then(ctx, placed[i])))
  const seed: DemoSeed = { version: 1, seeded_at: new Date().toISOString(), store, seeded_orders }
  await api.admin("POST", "/store", { metadata: { [DEMO_METADATA_KEY]: seed } })
  return seed
}

/** The seeded orders with Klarna's current status (a person may have shipped or refunded since). */
export async function refreshStatuses(simulatorUrl: string, orders: SeededOrder[]): Promise<{ orders: SeededOrder[]; missing: string[] }> {
  const missing: string[] = []
  const refreshed = await Promise.all(
    orders.map(async (order) => {
      try {
        const klarna = await simulatorOrder(simulatorUrl, order.klarna_order_id)
        return { ...order, klarna_status: klarna.status }
      } catch {
        missing.push(order.klarna_order_id)
        return { ...order, klarna_status: "UNKNOWN" }
      }
    }),
  )
  return { orders: refreshed, missing }
}
