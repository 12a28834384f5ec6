/**
 * Measures 2-6 on real Medusa servers, sharing them to keep the run short:
 *   start bare + plugin (+ plugin-redis) -> RSS idle -> statements while idle, wake-up latency ->
 *   request path (interleaved) -> capture latency ->
 *   more fulfillments up to N syncs on bare and plugin -> RSS after -> Klarna calls mix -> admin view.
 */
import { checkout, createFulfillment } from "../../test/support/store-api"
import { startRedis, type SimulatorProcess } from "../lib/infra"
import {
  memoryAfterGc,
  placeOrders,
  serverLogTail,
  startBenchServer,
  uniqueEmail,
  type BenchOrder,
  type BenchServer,
  type ServerKind,
} from "../lib/medusa-rig"
import { progress, type Measure } from "../lib/report"
import { waitUntil } from "../lib/stats"
import { adminView } from "./admin-view"
import { idleLoad, wakeLatency } from "./idle-load"
import { klarnaCalls } from "./klarna-calls"
import { fulfillMany, memoryMeasure, sampleMemory, waitForSyncDrained } from "./memory"
import { captureLatencies, captureLatencyMeasure, quietRequests, requestPathMeasure, runRequestRounds } from "./request-path"

export interface SuiteOptions {
  serverUrl: string
  sim: SimulatorProcess
  quick: boolean
  parts: Set<string>
  record: (measure: Measure) => void
  /** A measure that could not be taken; the others still run. */
  fail: (part: string, error: unknown) => void
}

const EVENT_PUMP_MS = 3000

const describe = (memory: Map<string, { rss: number; heapUsed: number; heapTotal: number }>) =>
  [...memory].map(([kind, m]) => `${kind} rss ${m.rss.toFixed(0)} MB heap ${m.heapUsed.toFixed(0)}/${m.heapTotal.toFixed(0)} MB`).join(", ")

export async function runMedusaMeasures(options: SuiteOptions): Promise<void> {
  const { sim, quick, parts, record, serverUrl } = options
  // One measure failing must not cost the others: report it (with the servers' log tails) and go on.
  const attempt = async (part: string, run: () => Promise<void>) => {
    try {
      await run()
    } catch (error) {
      for (const server of servers) {
        if (server.medusa.running) progress(`${part}: log tail of ${server.kind}:\n${serverLogTail(server, 3000)}`)
      }
      options.fail(part, error)
    }
  }
  const sizes = quick
    ? { rounds: 20, warmup: 3, syncs: 60, unitsPerOrder: 20, callSets: 1, viewReps: 20 }
    : { rounds: 150, warmup: 10, syncs: 1000, unitsPerOrder: 25, callSets: 2, viewReps: 100 }
  // Development knob: more sets of the order mix (measure 2) without the rest of a full run.
  if (process.env.BENCH_CALL_SETS) sizes.callSets = Number(process.env.BENCH_CALL_SETS)
  const wantRequest = parts.has("request")
  const wantMemory = parts.has("memory")
  const wantIdle = parts.has("idle")
  const needBare = wantRequest || wantMemory || wantIdle

  progress("Medusa: preparing the template database and starting servers")
  const servers: BenchServer[] = []
  const start = async (kind: ServerKind, redisUrl?: string) => {
    const started = Date.now()
    const server = await startBenchServer(serverUrl, kind, sim, { redisUrl })
    progress(`Medusa ${kind} up in ${((Date.now() - started) / 1000).toFixed(1)} s (pid ${server.medusa.pid})`)
    servers.push(server)
    return server
  }
  // Started side by side: whichever boots first reads node_modules from a cold cache, boots ~3x slower and
  // ends up ~30 MB bigger at idle, which would skew the memory comparison.
  const [bare, plugin] = await Promise.all([needBare ? start("bare") : Promise.resolve(undefined), start("plugin")])
  const redis = wantRequest ? await start("plugin-redis", await startRedis()) : undefined

  const idle = wantMemory ? await sampleMemory([bare as BenchServer, plugin]) : undefined
  if (idle) progress(`memory idle: ${describe(idle)}`)

  if (wantIdle) {
    await attempt("idle", async () => {
      // After boot (the plugin's start-up sweep, Medusa's first jobs) and the memory samples: quiet.
      await new Promise((resolve) => setTimeout(resolve, quick ? 10_000 : 20_000))
      record(await idleLoad({ serverUrl, bare: bare as BenchServer, plugin, windowMs: quick ? 120_000 : 180_000 }))
      record(await wakeLatency({ plugin, tries: 10 }))
    })
  }

  // Orders to fulfill, one unit per request.
  const orders = new Map<ServerKind, BenchOrder[]>()
  if (wantRequest || wantMemory) {
    const units = Math.max(wantMemory ? sizes.syncs : 0, sizes.rounds + sizes.warmup)
    const count = Math.ceil(units / sizes.unitsPerOrder) + 1
    progress(`placing ${count} orders of ${sizes.unitsPerOrder} units on bare and plugin${redis ? ` (+ some on plugin-redis)` : ""}`)
    const [a, b, c] = await Promise.all([
      placeOrders(bare as BenchServer, sim, count, sizes.unitsPerOrder),
      placeOrders(plugin, sim, count, sizes.unitsPerOrder),
      redis
        ? placeOrders(redis, sim, Math.ceil((sizes.rounds + sizes.warmup) / sizes.unitsPerOrder) + 1, sizes.unitsPerOrder)
        : Promise.resolve([]),
    ])
    orders.set("bare", a)
    orders.set("plugin", b)
    if (redis) orders.set("plugin-redis", c)
  }

  if (wantRequest) {
    await attempt("request", async () => {
      progress(`measure 3: ${sizes.rounds} interleaved create-fulfillment requests per server`)
      const samples = await runRequestRounds({
        servers: [bare, plugin, redis].filter(Boolean) as BenchServer[],
        orders,
        rounds: sizes.rounds,
        warmup: sizes.warmup,
      })
      const quiet = await quietRequests(plugin, samples.plugin ?? [])
      record(requestPathMeasure(samples, quiet))
      progress("measure 3: waiting for the captures (fulfillment -> capture recorded)")
      const local = await captureLatencies(plugin, samples.plugin ?? [], 180_000)
      const viaRedis = redis ? await captureLatencies(redis, samples["plugin-redis"] ?? [], 180_000) : undefined
      record(captureLatencyMeasure(local, viaRedis, EVENT_PUMP_MS))
    })
  }
  if (redis) {
    await redis.medusa.stop()
    servers.splice(servers.indexOf(redis), 1)
  }

  if (wantMemory) {
    await attempt("memory", async () => {
      const done = (kind: ServerKind) => (orders.get(kind) ?? []).reduce((sum, order) => sum + order.fulfillmentIds.size, 0)
      const left = { bare: sizes.syncs - done("bare"), plugin: sizes.syncs - done("plugin") }
      progress(`measure 5: ${left.plugin} more fulfillments on bare and plugin (to ${sizes.syncs} syncs)`)
      // In four chunks, reading the heap after GC after each: a leak grows steadily from chunk to chunk.
      const trend = new Map<string, number[]>([
        ["bare", []],
        ["plugin", []],
      ])
      const chunk = (total: number, i: number) => Math.floor(total / 4) + (i < total % 4 ? 1 : 0)
      for (let i = 0; i < 4; i++) {
        await Promise.all([
          fulfillMany(bare as BenchServer, orders.get("bare") ?? [], chunk(left.bare, i)),
          fulfillMany(plugin, orders.get("plugin") ?? [], chunk(left.plugin, i)),
        ])
        for (const server of [bare as BenchServer, plugin]) trend.get(server.kind)?.push((await memoryAfterGc(server.medusa.pid)).heapUsed)
      }
      await waitForSyncDrained(plugin, sizes.syncs, 600_000)
      const [failed] = await plugin.query<{ count: string }>(`SELECT count(*)::text AS count FROM klarna_sync_job WHERE state = 'failed'`)
      const after = await sampleMemory([bare as BenchServer, plugin])
      progress(`memory after ${sizes.syncs} syncs: ${describe(after)}`)
      record(memoryMeasure(idle as NonNullable<typeof idle>, after, sizes.syncs, Number(failed.count), trend))
    })
  }
  if (bare) {
    await bare.medusa.stop()
    servers.splice(servers.indexOf(bare), 1)
  }

  if (parts.has("calls")) {
    progress(`measure 2: Klarna calls over ${sizes.callSets} set(s) of the order mix`)
    await attempt("calls", async () => record(await klarnaCalls({ server: plugin, sim, sets: sizes.callSets })))
  }
  if (parts.has("view")) {
    progress("measure 4: admin Klarna view of an order with 50 captures and 200 lines")
    await attempt("view", async () => {
      const ordinaryOrderId = await ordinaryOrder(plugin, sim)
      record(await adminView({ serverUrl, sim, server: plugin, ordinaryOrderId, repetitions: sizes.viewReps }))
    })
  }
}

/** An ordinary Klarna order: 2 lines, shipped in 1 fulfillment, captured. */
async function ordinaryOrder(server: BenchServer, sim: SimulatorProcess): Promise<string> {
  const placed = await checkout(server.api, {
    regionId: server.store.regionId,
    shippingOptionId: server.store.shippingOptionId,
    items: server.store.products.map((product) => ({ variantId: product.variantId, quantity: 1 })),
    provider: "klarna",
    email: uniqueEmail(),
    simulatorUrl: sim.url,
  })
  await createFulfillment(
    server.api,
    placed.order.id,
    placed.order.items.map((item) => ({ itemId: item.id, quantity: item.quantity })),
  )
  await waitUntil(
    async () =>
      (await server.query(`SELECT 1 FROM klarna_capture WHERE platform_order_id = $1 AND status = 'captured'`, [placed.order.id])).length >
      0,
    60_000,
    "the ordinary order's capture",
    200,
  )
  return placed.order.id
}
