/**
 * A real Medusa v2 (2.21) server with the v2 plugin for the benchmarks: the cached v2 project
 * (scripts/medusa-v2-project.ts; KOS_MEDUSA_V2_PROJECT_DIR picks one), a database copied from a template
 * migrated once (`medusa db:migrate` + admin user), `medusa start` bound to 127.0.0.1, the plugin syncing to
 * the bench's simulator process with the production worker settings (poll 1 s, default lanes), and a seeded
 * store whose region offers both Klarna (pp_klarna_klarna) and Medusa's pp_system_default — the plugin
 * leaves the latter's orders alone, which makes them the baseline of the request-path measure.
 */
import { ensureMedusaV2Project } from "../../scripts/medusa-v2-project"
import { klarnaCheckoutV2, KLARNA_V2_PROVIDER_ID } from "../../test/support/medusa-v2-klarna-checkout"
import { checkoutV2 } from "../../test/support/medusa-v2-checkout"
import { getV2Order, paymentOf } from "../../test/support/medusa-v2-orders"
import { DEFAULT_V2_SEED, seedV2Store, type V2SeededStore } from "../../test/support/medusa-v2-seed"
import { loginV2Admin, migratedV2Database, startMedusaV2, type MedusaV2Server, type V2AdminApi } from "../../test/support/medusa-v2-stack"
import { sql, type SimulatorProcess } from "./infra"
import { onCleanup } from "./processes"
import { pool } from "./stats"

export const SYSTEM_PROVIDER_ID = "pp_system_default"
export type V2Provider = typeof KLARNA_V2_PROVIDER_ID | typeof SYSTEM_PROVIDER_ID

export interface V2BenchServer {
  medusa: MedusaV2Server
  admin: V2AdminApi
  store: V2SeededStore
  databaseUrl: string
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>
}

/** The seeded products (major units, as v2 keeps them); tomatoes are what the benchmarks fulfill unit by unit. */
export const TOMATOES = "TOM-1"
export const JACKET = "JKT-1"

let emailCounter = 0
const uniqueEmail = () => `bench-v2-${process.pid}-${++emailCounter}@example.com`

export async function startV2BenchServer(serverUrl: string, sim: SimulatorProcess): Promise<V2BenchServer> {
  // The v2 harness creates its databases on the server named by DATABASE_URL (test/support/db.ts).
  process.env.DATABASE_URL = serverUrl
  const project = await ensureMedusaV2Project()
  const { databaseUrl } = await migratedV2Database(project, "kos_bench_v2")
  const medusa = await startMedusaV2(project, {
    databaseUrl,
    startTimeoutMs: 180_000,
    env: {
      KOS_KLARNA_OPTIONS: JSON.stringify({
        credentials: [{ username: sim.username, password: sim.password, baseUrl: sim.url }],
        carrierMapping: { manual: "postnord", manual_manual: "postnord" },
        // Production worker settings (the plugin's defaults: poll 1 s, backoff, lanes).
      }),
    },
  })
  onCleanup("medusa v2", () => medusa.stop())
  const admin = await loginV2Admin(medusa.url)
  const store = await seedV2Store(admin, { ...DEFAULT_V2_SEED, paymentProviders: [KLARNA_V2_PROVIDER_ID, SYSTEM_PROVIDER_ID] })
  return { medusa, admin, store, databaseUrl, query: (text, params) => sql(databaseUrl, text, params) }
}

export interface V2BenchOrder {
  id: string
  provider: V2Provider
  /** The tomatoes line, fulfilled one unit at a time. */
  itemId: string
  remaining: number
  paymentId: string
  klarnaOrderId?: string
  klarnaSessionId?: string
  fulfillmentIds: Set<string>
}

/** Places one order of `quantity` tomatoes paid with `provider`. */
export async function placeV2Order(
  server: V2BenchServer,
  sim: SimulatorProcess,
  provider: V2Provider,
  quantity: number,
): Promise<V2BenchOrder> {
  const items = [{ sku: TOMATOES, quantity }]
  let orderId: string
  let klarna: { klarnaOrderId: string; klarnaSessionId: string } | undefined
  if (provider === KLARNA_V2_PROVIDER_ID) {
    const placed = await klarnaCheckoutV2({ server: server.medusa, admin: server.admin }, server.store, sim.url, {
      items,
      email: uniqueEmail(),
    })
    orderId = placed.orderId
    klarna = placed
  } else {
    orderId = (await checkoutV2(server.medusa.url, server.store, { items, email: uniqueEmail() })).orderId
  }
  const order = await getV2Order(server.admin, orderId)
  const payment = await paymentOf(server.admin, orderId, provider)
  return {
    id: orderId,
    provider,
    itemId: order.items[0].id,
    remaining: quantity,
    paymentId: payment.id,
    klarnaOrderId: klarna?.klarnaOrderId,
    klarnaSessionId: klarna?.klarnaSessionId,
    fulfillmentIds: new Set(),
  }
}

export function placeV2Orders(
  server: V2BenchServer,
  sim: SimulatorProcess,
  provider: V2Provider,
  count: number,
  quantity: number,
): Promise<V2BenchOrder[]> {
  return pool(Array.from({ length: count }), 2, () => placeV2Order(server, sim, provider, quantity))
}

export interface TimedV2Request {
  orderId: string
  provider: V2Provider
  ms: number
  /** Date.now() when the whole response had been read. */
  at: number
  /** The fulfillment a fulfillment request created, or the one a shipment request shipped. */
  fulfillmentId?: string
}

/** An admin POST timed from sending it to having read the whole response (the admin's view of it). */
async function timedPost(server: V2BenchServer, route: string, body: unknown): Promise<{ ms: number; at: number }> {
  const started = performance.now()
  const response = await fetch(`${server.medusa.url}${route}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${server.admin.token}` },
    body: JSON.stringify(body),
  })
  const text = await response.text()
  const ms = performance.now() - started
  const at = Date.now()
  if (!response.ok) throw new Error(`POST ${route} -> ${response.status}: ${text.slice(0, 1000)}`)
  return { ms, at }
}

/**
 * POST /admin/orders/:id/fulfillments of one unit of the order's tomatoes, as the dashboard sends it (its
 * answer, with Medusa's default fields, names no fulfillment: the new one is found afterwards, untimed).
 */
export async function fulfillOneUnitV2(server: V2BenchServer, order: V2BenchOrder): Promise<TimedV2Request> {
  if (order.remaining <= 0) throw new Error(`order ${order.id} has nothing left to fulfill`)
  const { ms, at } = await timedPost(server, `/admin/orders/${order.id}/fulfillments`, {
    items: [{ id: order.itemId, quantity: 1 }],
    location_id: server.store.stockLocationId,
    no_notification: true,
  })
  order.remaining -= 1
  const fulfillments = (await getV2Order(server.admin, order.id)).fulfillments
  const created = fulfillments.filter((fulfillment) => !order.fulfillmentIds.has(fulfillment.id))
  if (created.length !== 1) throw new Error(`fulfillment on ${order.id}: expected one new fulfillment, found ${created.length}`)
  for (const fulfillment of fulfillments) order.fulfillmentIds.add(fulfillment.id)
  return { orderId: order.id, provider: order.provider, ms, at, fulfillmentId: created[0].id }
}

let labelCounter = 0
export const benchLabel = () => {
  const tracking = `BENCHV2${Date.now().toString(36).toUpperCase()}${++labelCounter}`
  return {
    tracking_number: tracking,
    tracking_url: `https://tracking.example.com/${tracking}`,
    label_url: `https://labels.example.com/${tracking}.pdf`,
  }
}

/** POST /admin/orders/:id/fulfillments/:fid/shipments with one label (v2's tracking number). */
export async function shipV2Timed(server: V2BenchServer, order: V2BenchOrder, fulfillmentId: string): Promise<TimedV2Request> {
  const { ms, at } = await timedPost(server, `/admin/orders/${order.id}/fulfillments/${fulfillmentId}/shipments`, {
    items: [{ id: order.itemId, quantity: 1 }],
    labels: [benchLabel()],
    no_notification: true,
  })
  return { orderId: order.id, provider: order.provider, ms, at, fulfillmentId }
}

/** POST /admin/payments/:id/refund of `amount` (major units). */
export async function refundV2Timed(server: V2BenchServer, order: V2BenchOrder, amount: number): Promise<TimedV2Request> {
  const { ms, at } = await timedPost(server, `/admin/payments/${order.paymentId}/refund`, { amount })
  return { orderId: order.id, provider: order.provider, ms, at }
}

/** The server's output without the access log, last `chars` characters (for failure reports). */
export function v2LogTail(server: V2BenchServer, chars = 6000): string {
  return server.medusa
    .logs()
    .split("\n")
    .filter((line) => !/"(GET|POST|DELETE) \/(admin|store|auth)\//.test(line))
    .join("\n")
    .slice(-chars)
}
