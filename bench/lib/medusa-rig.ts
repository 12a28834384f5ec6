/**
 * Real Medusa v1 servers for the benchmarks (demo/medusa-config.js, started by test/support/medusa.ts as
 * child processes bound to 127.0.0.1):
 *   bare         the same store WITHOUT the plugin (KLARNA_PLUGIN_DISABLED=true), local event bus
 *   plugin       with the plugin, local event bus, production worker settings
 *   plugin-redis with the plugin, Medusa's Redis event bus
 * Each gets its own database, copied from one template prepared once (Medusa's and the plugin's
 * migrations and the admin user), which is much faster than migrating each.
 */
import fs from "node:fs"
import os from "node:os"
import path from "node:path"
import { prepareDatabase, startMedusa, type MedusaServer } from "../../test/support/medusa"
import { checkout, connect, MedusaApiError, seedStore, type SeededStore, type StoreApi } from "../../test/support/store-api"
import { createDatabase, sql, type SimulatorProcess } from "./infra"
import { onCleanup } from "./processes"
import { pool } from "./stats"

/** Concurrent checkouts with one e-mail race on creating the customer: one e-mail per order. */
let emailCounter = 0
export const uniqueEmail = () => `bench-${process.pid}-${++emailCounter}-${Math.random().toString(36).slice(2, 8)}@example.com`

export type ServerKind = "bare" | "plugin" | "plugin-redis"

export interface BenchServer {
  kind: ServerKind
  medusa: MedusaServer
  api: StoreApi
  store: SeededStore
  databaseUrl: string
  withPlugin: boolean
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>
}

export interface BenchOrder {
  id: string
  itemId: string
  /** Units not fulfilled yet. */
  remaining: number
  klarnaOrderId?: string
  /** Fulfillments known so far (to find the one a request created). */
  fulfillmentIds: Set<string>
}

const TEMPLATE = "kos_bench_template"

let templateReady: Promise<void> | null = null

export function prepareTemplate(serverUrl: string): Promise<void> {
  if (!templateReady) {
    templateReady = (async () => {
      const url = await createDatabase(serverUrl, TEMPLATE)
      await prepareDatabase(url) // medusa migrations run + the plugin's + the admin user
    })()
  }
  return templateReady
}

export async function startBenchServer(
  serverUrl: string,
  kind: ServerKind,
  sim: SimulatorProcess,
  options: { redisUrl?: string } = {},
): Promise<BenchServer> {
  await prepareTemplate(serverUrl)
  const databaseUrl = await createDatabase(serverUrl, `kos_bench_${kind.replace("-", "_")}`, TEMPLATE)
  const withPlugin = kind !== "bare"
  const medusa = await startMedusa({
    databaseUrl,
    klarnaBaseUrl: sim.url,
    klarnaUsername: sim.username,
    klarnaPassword: sim.password,
    redisUrl: kind === "plugin-redis" ? options.redisUrl : undefined,
    env: {
      KLARNA_PLUGIN_DISABLED: withPlugin ? undefined : "true",
      // Both servers alike: a full GC + memory report on SIGUSR2 (see gc-on-signal.js).
      NODE_OPTIONS: `--expose-gc --require ${path.join(__dirname, "gc-on-signal.js")}`,
    },
    startTimeoutMs: 180_000,
  })
  onCleanup(`medusa ${kind}`, async () => {
    await medusa.stop()
  })
  const api = await connect(medusa.url)
  const store = await seedStore(api, {
    currency: "sek",
    paymentProviders: withPlugin ? ["klarna", "manual"] : ["manual"],
    taxRate: 25,
    shippingPrice: 4900,
    products: [
      { title: "Tomatoes", price: 1200, sku: `TOM-${kind}` },
      { title: "Rain jacket", price: 89900, sku: `JKT-${kind}` },
    ],
  })
  return {
    kind,
    medusa,
    api,
    store,
    databaseUrl,
    withPlugin,
    query: (text, params) => sql(databaseUrl, text, params),
  }
}

/** Orders of `quantity` units of one product (fulfilled one unit at a time by the benchmarks). */
export async function placeOrders(server: BenchServer, sim: SimulatorProcess, count: number, quantity: number): Promise<BenchOrder[]> {
  return pool(Array.from({ length: count }), 2, async () => {
    const placed = await retryOnce5xx(`checkout on ${server.kind}`, server, () =>
      checkout(server.api, {
        regionId: server.store.regionId,
        shippingOptionId: server.store.shippingOptionId,
        items: [{ variantId: server.store.products[0].variantId, quantity }],
        provider: server.withPlugin ? "klarna" : "manual",
        email: uniqueEmail(),
        simulatorUrl: sim.url,
      }),
    )
    return {
      id: placed.order.id,
      itemId: placed.order.items[0].id,
      remaining: quantity,
      klarnaOrderId: placed.klarnaOrderId,
      fulfillmentIds: new Set<string>(),
    }
  })
}

/** A 5xx from Medusa on a loaded machine (seen once at cart completion): logged with the server's log, retried once. */
async function retryOnce5xx<T>(what: string, server: BenchServer, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (error) {
    if (!(error instanceof MedusaApiError) || error.status < 500) throw error
    process.stderr.write(`bench: ${what} failed, retrying once: ${error.message}\nserver log:\n${serverLogTail(server, 4000)}\n`)
    return run()
  }
}

export interface TimedFulfillment {
  orderId: string
  fulfillmentId: string
  ms: number
  /** Date.now() when the response arrived. */
  at: number
}

/**
 * POST /admin/orders/:id/fulfillment of one unit, timed from sending the request to having read the
 * whole response (the admin's view of the request).
 */
export async function fulfillOneUnit(server: BenchServer, order: BenchOrder): Promise<TimedFulfillment> {
  if (order.remaining <= 0) throw new Error(`order ${order.id} on ${server.kind} has nothing left to fulfill`)
  const started = performance.now()
  const response = await fetch(`${server.medusa.url}/admin/orders/${order.id}/fulfillment`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${server.api.token}` },
    body: JSON.stringify({ items: [{ item_id: order.itemId, quantity: 1 }], no_notification: true }),
  })
  const text = await response.text()
  const ms = performance.now() - started
  const at = Date.now()
  if (!response.ok) throw new Error(`fulfillment on ${server.kind} -> ${response.status}: ${text.slice(0, 1000)}`)
  order.remaining -= 1
  const fulfillments = (JSON.parse(text) as { order: { fulfillments: { id: string }[] } }).order.fulfillments
  const created = fulfillments.filter((fulfillment) => !order.fulfillmentIds.has(fulfillment.id))
  if (created.length !== 1) throw new Error(`fulfillment on ${server.kind}: expected one new fulfillment, found ${created.length}`)
  for (const fulfillment of fulfillments) order.fulfillmentIds.add(fulfillment.id)
  return { orderId: order.id, fulfillmentId: created[0].id, ms, at }
}

export interface MemoryReport {
  /** Resident set size after a full GC, MB. */
  rss: number
  /** V8 heap in use after a full GC, MB. */
  heapUsed: number
  /** V8 heap committed (in use + free pages V8 keeps), MB. */
  heapTotal: number
  /** Of which the young generation (grown under allocation pressure, never given back), MB. */
  young: number
  /** Memory of C++ objects bound to JS (buffers etc.), MB. */
  external: number
}

/** Asks the server (gc-on-signal.js) for a full GC and its memory figures. */
export async function memoryAfterGc(pid: number): Promise<MemoryReport> {
  const file = path.join(os.tmpdir(), `kos-bench-mem-${pid}.json`)
  const sent = Date.now()
  process.kill(pid, "SIGUSR2")
  for (let i = 0; i < 100; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    if (!fs.existsSync(file)) continue
    const report = JSON.parse(fs.readFileSync(file, "utf8")) as {
      at: number
      gc: boolean
      heapUsed: number
      heapTotal: number
      young: number
      external: number
    }
    if (report.at < sent) continue
    if (!report.gc) throw new Error(`server ${pid} runs without --expose-gc`)
    fs.rmSync(file, { force: true })
    const mb = (bytes: number) => bytes / 1024 / 1024
    // RSS read now (after the GC), not as reported from inside the handler.
    return {
      rss: rssMb(pid),
      heapUsed: mb(report.heapUsed),
      heapTotal: mb(report.heapTotal),
      young: mb(report.young),
      external: mb(report.external),
    }
  }
  throw new Error(`server ${pid} did not report its memory (is gc-on-signal.js preloaded?)`)
}

/** Resident set size of a process in MB (Linux /proc). */
export function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8")
  const match = /VmRSS:\s+(\d+)\s+kB/.exec(status)
  if (!match) throw new Error(`no VmRSS for pid ${pid}`)
  return Number(match[1]) / 1024
}

/** The server's output without the access log, last `chars` characters (for failure reports). */
export function serverLogTail(server: BenchServer, chars = 6000): string {
  return server.medusa
    .logs()
    .split("\n")
    .filter((line) => !/"(GET|POST|DELETE) \/(admin|store)\//.test(line) && !/Processing \S+ which has \d+ subscribers/.test(line))
    .join("\n")
    .slice(-chars)
}
