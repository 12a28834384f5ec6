/**
 * Measure 4: the admin's Klarna view of an order (GET /admin/klarna/orders/:id, what the widget loads)
 * for an order with 50 captures and 200 order lines (4 lines and a tracking number per capture, with
 * their jobs and attempt log), served by the Medusa server with the plugin.
 *
 * The order's rows are made by the real engine against the simulator in a scratch database, then copied
 * into the server's database (the server's own worker must not see the jobs while they are pending: it
 * would skip them, as the order is not a Medusa order). The baseline, in the same run: Medusa's own
 * GET /admin/orders/:id of an ordinary order (2 lines, 1 fulfillment), the request the order page is
 * built from. Goal (ours): the widget's request is no slower than the page's own (ratio <= 1.0).
 */
import { gzipSync } from "node:zlib"
import { authorizeAtSimulator, benchOrderId, buildSnapshot, engineRig, openDataSource } from "../lib/engine-harness"
import { createDatabase, sql, type SimulatorProcess } from "../lib/infra"
import type { BenchServer } from "../lib/medusa-rig"
import type { Measure } from "../lib/report"
import { percentile, round } from "../lib/stats"

const CAPTURES = 50
const LINES = 200

async function seedBigOrder(serverUrl: string, sim: SimulatorProcess, target: BenchServer): Promise<string> {
  const scratchUrl = await createDatabase(serverUrl, "kos_bench_view_scratch")
  const dataSource = await openDataSource(scratchUrl)
  try {
    await dataSource.runMigrations({ transaction: "each" })
    const rig = engineRig(dataSource, sim, 1)
    const order = buildSnapshot(benchOrderId("view"), { items: LINES, fulfillments: CAPTURES, tracking: true })
    await authorizeAtSimulator(sim, order)
    rig.orders.orders.set(order.orderId, order)
    rig.worker.start()
    const done = rig.store.waitForMore(CAPTURES, 300_000)
    for (const fulfillment of order.fulfillments) await rig.engine.fulfillmentCreated(order.orderId, fulfillment.id)
    await done
    await rig.worker.stop()
    const captures = await rig.store.listCaptures("medusa", order.orderId)
    const lines = captures.reduce((sum, capture) => sum + capture.order_lines.length, 0)
    // The first capture carries the shipping fee as an extra line.
    if (captures.length !== CAPTURES || lines < LINES) throw new Error(`view order has ${captures.length} captures / ${lines} lines`)
    for (const table of ["klarna_order", "klarna_sync_job", "klarna_capture", "klarna_refund"]) {
      await copyRows(scratchUrl, target.databaseUrl, table, `platform_order_id = $1`, [order.orderId])
    }
    await copyRows(
      scratchUrl,
      target.databaseUrl,
      "klarna_sync_attempt",
      `job_id IN (SELECT id FROM klarna_sync_job WHERE platform_order_id = $1)`,
      [order.orderId],
    )
    return order.orderId
  } finally {
    await dataSource.destroy()
  }
}

/** Copies rows between two databases with the same schema (json values re-serialised). */
async function copyRows(fromUrl: string, toUrl: string, table: string, where: string, params: unknown[]): Promise<void> {
  const rows = await sql<Record<string, unknown>>(fromUrl, `SELECT * FROM ${table} WHERE ${where}`, params)
  for (const row of rows) {
    const columns = Object.keys(row)
    const values = columns.map((column) => {
      const value = row[column]
      return value !== null && typeof value === "object" && !(value instanceof Date) ? JSON.stringify(value) : value
    })
    await sql(
      toUrl,
      `INSERT INTO ${table} (${columns.map((c) => `"${c}"`).join(", ")}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(", ")})`,
      values,
    )
  }
}

async function timedGet(server: BenchServer, path: string): Promise<{ ms: number; bytes: number; body: string }> {
  const started = performance.now()
  const response = await fetch(`${server.medusa.url}${path}`, { headers: { authorization: `Bearer ${server.api.token}` } })
  const body = await response.text()
  const ms = performance.now() - started
  if (!response.ok) throw new Error(`GET ${path} -> ${response.status}: ${body.slice(0, 500)}`)
  return { ms, bytes: Buffer.byteLength(body), body }
}

export interface ViewOptions {
  serverUrl: string
  sim: SimulatorProcess
  server: BenchServer
  /** A small, ordinary Klarna order of the same store (2 lines, 1 fulfillment). */
  ordinaryOrderId: string
  repetitions: number
}

export async function adminView(options: ViewOptions): Promise<Measure> {
  const { server } = options
  const bigOrderId = await seedBigOrder(options.serverUrl, options.sim, server)
  const viewPath = `/admin/klarna/orders/${bigOrderId}`
  const baselinePath = `/admin/orders/${options.ordinaryOrderId}`
  const smallViewPath = `/admin/klarna/orders/${options.ordinaryOrderId}`
  const view: number[] = []
  const baseline: number[] = []
  const smallView: number[] = []
  let bytes = 0
  let body = ""
  let baselineBytes = 0
  for (let i = 0; i < 5; i++) {
    await timedGet(server, viewPath)
    await timedGet(server, baselinePath)
  }
  for (let i = 0; i < options.repetitions; i++) {
    const a = await timedGet(server, viewPath)
    const b = await timedGet(server, baselinePath)
    const c = await timedGet(server, smallViewPath)
    view.push(a.ms)
    baseline.push(b.ms)
    smallView.push(c.ms)
    bytes = a.bytes
    body = a.body
    baselineBytes = b.bytes
  }
  const parsed = JSON.parse(body) as { klarna_order: { captures: { order_lines: unknown[] }[]; jobs: unknown[] } }
  const p50 = percentile(view, 50)
  const baselineP50 = percentile(baseline, 50)
  const ratio = p50 / baselineP50
  const note =
    ratio <= 1.0
      ? undefined
      : `the view returns every capture's order lines and every job's attempt log (${bytes} bytes): paginate the attempt ` +
        `log or load lines on demand, and enable http_compression (gzip: ${gzipSync(body).length} bytes)`
  return {
    measure: "admin_view",
    p50_ms: round(p50, 1),
    p95_ms: round(percentile(view, 95), 1),
    bytes,
    gzip_bytes: gzipSync(body).length,
    baseline_p50_ms: round(baselineP50, 1),
    baseline_bytes: baselineBytes,
    ratio: round(ratio, 3),
    goal: "<=1.0 (vs Medusa's own GET /admin/orders/:id)",
    met: ratio <= 1.0,
    n: view.length,
    captures: parsed.klarna_order.captures.length,
    lines: parsed.klarna_order.captures.reduce((sum, capture) => sum + capture.order_lines.length, 0),
    jobs: parsed.klarna_order.jobs.length,
    small_view_p50_ms: round(percentile(smallView, 50), 1),
    ...(note ? { note } : {}),
  }
}
