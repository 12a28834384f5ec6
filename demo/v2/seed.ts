/**
 * Seeds the v2 demo store through Medusa v2's own HTTP API, as demo/seed.ts does for v1: a store that sells
 * with Klarna (pp_klarna_klarna), three products, and the same five Klarna orders, each a real checkout through
 * the plugin's payment provider, driven into its state with the admin API so that the plugin did the Klarna part.
 * The record of what was seeded is kept in the store's metadata (a second start finds it and seeds nothing).
 */
import { klarnaCheckoutV2 } from "../../test/support/medusa-v2-klarna-checkout"
import {
  cancelV2Order,
  fulfillV2,
  getV2Order,
  paymentOf,
  receiveV2Return,
  refundV2Payment,
  shipV2,
  type V2Order,
} from "../../test/support/medusa-v2-orders"
import { seedV2Store, type V2SeededStore } from "../../test/support/medusa-v2-seed"
import type { V2AdminApi } from "../../test/support/medusa-v2-stack"
import { eventually } from "../../test/support/store-api"
import {
  DEMO_METADATA_KEY,
  refuseNextCapture,
  simulatorOrder,
  waitForKlarna as waitForKlarnaOrder,
  type DemoSeed,
  type KlarnaSimOrder,
} from "../seed"
import type { DemoStore, SeededOrder, SeededOrderLabel } from "../state-file"

export interface DemoV2Seed extends DemoSeed {
  /** Everything a store-API checkout needs (publishable key, sales channel, variants by SKU). */
  v2_store: V2SeededStore
}

export function seededStoreOf(seed: DemoV2Seed): V2SeededStore {
  return seed.v2_store
}

const PRODUCTS = [
  { title: "Merino Sweater", price: 899, sku: "DEMO-SWEATER" },
  { title: "Wool Socks", price: 129, sku: "DEMO-SOCKS" },
  { title: "Rain Jacket", price: 1495, sku: "DEMO-JACKET" },
]

async function storeId(admin: V2AdminApi): Promise<string> {
  const { stores } = await admin.get<{ stores: { id: string }[] }>("/admin/stores")
  return stores[0].id
}

export async function readV2Seed(admin: V2AdminApi): Promise<DemoV2Seed | undefined> {
  const { store } = await admin.get<{ store: { metadata: Record<string, unknown> | null } }>(`/admin/stores/${await storeId(admin)}`)
  const seed = store.metadata?.[DEMO_METADATA_KEY] as DemoV2Seed | undefined
  return seed && Array.isArray(seed.seeded_orders) ? seed : undefined
}

interface Ctx {
  admin: V2AdminApi
  medusaUrl: string
  simulatorUrl: string
  seeded: V2SeededStore
}

interface Placed {
  order: V2Order
  klarnaOrderId: string
}

function waitForKlarna(ctx: Ctx, klarnaOrderId: string, what: string, condition: (o: KlarnaSimOrder) => boolean): Promise<KlarnaSimOrder> {
  return waitForKlarnaOrder(ctx.simulatorUrl, klarnaOrderId, what, condition, 60_000)
}

function record(label: SeededOrderLabel, description: string, placed: Placed, status: string): SeededOrder {
  return {
    label,
    description,
    order_id: placed.order.id,
    display_id: placed.order.display_id,
    klarna_order_id: placed.klarnaOrderId,
    klarna_status: status,
  }
}

const itemWithSku = (order: V2Order, sku: string): V2Order["items"][number] => {
  const item = order.items.find((candidate) => candidate.variant_sku === sku)
  if (!item) throw new Error(`order ${order.id} has no ${sku}`)
  return item
}
const allItems = (order: V2Order): { id: string; quantity: number }[] =>
  order.items.map((item) => ({ id: item.id, quantity: item.quantity }))

async function authorized(ctx: Ctx, placed: Placed): Promise<SeededOrder> {
  const klarna = await waitForKlarna(ctx, placed.klarnaOrderId, "authorized", (o) => o.status === "AUTHORIZED")
  return record(
    "authorized",
    "Authorized, nothing shipped yet: fulfill it in the admin and watch the Klarna capture appear in the widget.",
    placed,
    klarna.status,
  )
}

async function partCapturedTracked(ctx: Ctx, placed: Placed): Promise<SeededOrder> {
  const jacket = itemWithSku(placed.order, "DEMO-JACKET")
  const items = [{ id: jacket.id, quantity: 1 }]
  const fulfillmentId = await fulfillV2(ctx.admin, placed.order.id, ctx.seeded.stockLocationId, items)
  await shipV2(ctx.admin, placed.order.id, fulfillmentId, items, [
    { tracking_number: "JD014600006281230704", tracking_url: "https://www.dhl.com/track?JD014600006281230704", label_url: "#" },
  ])
  const klarna = await waitForKlarna(
    ctx,
    placed.klarnaOrderId,
    "one capture with tracking",
    (o) => o.captures.length === 1 && (o.captures[0].shipping_info ?? []).length > 0,
  )
  return record(
    "part_captured_tracked",
    "The jacket is shipped (tracking JD014600006281230704), the socks are not: one Klarna capture with the jacket's line, shipping and tracking; the rest stays authorized.",
    placed,
    klarna.status,
  )
}

async function capturedPartRefunded(ctx: Ctx, placed: Placed): Promise<SeededOrder> {
  const orderId = placed.order.id
  const items = allItems(placed.order)
  const fulfillmentId = await fulfillV2(ctx.admin, orderId, ctx.seeded.stockLocationId, items)
  await shipV2(ctx.admin, orderId, fulfillmentId, items, [
    { tracking_number: "00370730253234503321", tracking_url: "https://tracking.postnord.com/?id=00370730253234503321", label_url: "#" },
  ])
  await waitForKlarna(ctx, placed.klarnaOrderId, "full capture", (o) => o.status === "CAPTURED")
  const socks = itemWithSku(placed.order, "DEMO-SOCKS")
  await receiveV2Return(ctx.admin, orderId, ctx.seeded.stockLocationId, [{ id: socks.id, quantity: 1 }])
  // v2 leaves the refund of a return to the merchant: Refund on the payment, the socks' price with their VAT.
  const payment = await paymentOf(ctx.admin, orderId)
  await refundV2Payment(ctx.admin, payment.id, socks.unit_price * 1.25, "Returned: Wool Socks")
  const klarna = await waitForKlarna(ctx, placed.klarnaOrderId, "one refund", (o) => o.refunds.length === 1)
  return record(
    "captured_part_refunded",
    "Everything shipped and captured; one pair of socks came back and was refunded: one Klarna refund.",
    placed,
    klarna.status,
  )
}

async function cancelled(ctx: Ctx, placed: Placed): Promise<SeededOrder> {
  await cancelV2Order(ctx.admin, placed.order.id)
  const klarna = await waitForKlarna(ctx, placed.klarnaOrderId, "cancelled", (o) => o.status === "CANCELLED")
  return record(
    "cancelled",
    "Cancelled before anything shipped: the Klarna order is cancelled, nothing was captured.",
    placed,
    klarna.status,
  )
}

async function syncFailed(ctx: Ctx, placed: Placed): Promise<SeededOrder> {
  const klarnaId = placed.klarnaOrderId
  // Klarna refuses this order's next capture once (the simulator's fault API): a 4xx is not retried, so the
  // sync job is parked as failed, with Klarna's error, until someone presses Retry in the widget.
  await refuseNextCapture(ctx.simulatorUrl, klarnaId)
  await fulfillV2(ctx.admin, placed.order.id, ctx.seeded.stockLocationId, allItems(placed.order))
  await eventually(
    async () => {
      const { klarna_order: view } = await ctx.admin.get<{
        klarna_order: { jobs: { state: string; error?: { error_code?: string | null } | null }[] }
      }>(`/admin/klarna/orders/${placed.order.id}`)
      return view.jobs.some((job) => job.state === "failed" && job.error?.error_code === "CAPTURE_NOT_ALLOWED")
    },
    { timeoutMs: 60_000, intervalMs: 250, what: `a failed capture job on ${placed.order.id}` },
  )
  const klarna = await simulatorOrder(ctx.simulatorUrl, klarnaId)
  return record(
    "sync_failed",
    "Fulfilled while Klarna refused the capture (403 CAPTURE_NOT_ALLOWED, injected once by the demo): the widget shows Klarna's error; press Retry and the capture goes through.",
    placed,
    klarna.status,
  )
}

const SCENARIOS: { items: { sku: string; quantity: number }[]; email: string; then: (ctx: Ctx, placed: Placed) => Promise<SeededOrder> }[] =
  [
    {
      items: [
        { sku: "DEMO-SWEATER", quantity: 1 },
        { sku: "DEMO-SOCKS", quantity: 2 },
      ],
      email: "astrid@example.com",
      then: authorized,
    },
    {
      items: [
        { sku: "DEMO-JACKET", quantity: 1 },
        { sku: "DEMO-SOCKS", quantity: 2 },
      ],
      email: "bjorn@example.com",
      then: partCapturedTracked,
    },
    {
      items: [
        { sku: "DEMO-SWEATER", quantity: 1 },
        { sku: "DEMO-SOCKS", quantity: 1 },
      ],
      email: "cecilia@example.com",
      then: capturedPartRefunded,
    },
    { items: [{ sku: "DEMO-SOCKS", quantity: 3 }], email: "david@example.com", then: cancelled },
    { items: [{ sku: "DEMO-SWEATER", quantity: 2 }], email: "erik@example.com", then: syncFailed },
  ]

/** The store seeded for Klarna, as state.json's `store`. */
function demoStoreOf(seeded: V2SeededStore): DemoStore {
  return {
    region_id: seeded.regionId,
    currency: "sek",
    country: "se",
    shipping_option_id: seeded.shippingOptionId,
    stock_location_id: seeded.stockLocationId,
    products: PRODUCTS.map((product) => {
      const variant = seeded.variants[product.sku]
      return { id: variant.productId, title: product.title, variant_id: variant.variantId, sku: product.sku, price: product.price }
    }),
  }
}

/** Seeds the store and the five orders (checkouts one after the other, so display ids follow the list). */
export async function seedV2Demo(options: { medusaUrl: string; admin: V2AdminApi; simulatorUrl: string }): Promise<DemoV2Seed> {
  const { admin, medusaUrl, simulatorUrl } = options
  const seeded = await seedV2Store(admin, { products: PRODUCTS, paymentProviders: ["pp_klarna_klarna"] })
  const ctx: Ctx = { admin, medusaUrl, simulatorUrl, seeded }
  const placed: Placed[] = []
  for (const scenario of SCENARIOS) {
    const result = await klarnaCheckoutV2({ server: { url: medusaUrl }, admin }, seeded, simulatorUrl, {
      items: scenario.items,
      email: scenario.email,
    })
    placed.push({ order: await getV2Order(admin, result.orderId), klarnaOrderId: result.klarnaOrderId })
  }
  const seeded_orders = await Promise.all(SCENARIOS.map((scenario, i) => scenario.then(ctx, placed[i])))
  const seed: DemoV2Seed = {
    version: 1,
    seeded_at: new Date().toISOString(),
    store: demoStoreOf(seeded),
    seeded_orders,
    v2_store: seeded,
  }
  await admin.post(`/admin/stores/${await storeId(admin)}`, { metadata: { [DEMO_METADATA_KEY]: seed } })
  return seed
}

/** The seeded orders with Klarna's current status (UNKNOWN when the simulator lost them). */
export async function refreshV2Statuses(simulatorUrl: string, orders: SeededOrder[]): Promise<SeededOrder[]> {
  return Promise.all(
    orders.map(async (order) => {
      const klarna = await simulatorOrder(simulatorUrl, order.klarna_order_id).catch(() => undefined)
      return { ...order, klarna_status: klarna?.status ?? "UNKNOWN" }
    }),
  )
}
