/**
 * The Medusa v2 measures (`npm run bench -- --v2`) on one real Medusa 2.21 server with the v2 plugin and
 * the bench's simulator process: Klarna calls per operation first (orders one at a time, on a quiet
 * server), then the request path and fulfillment -> capture.
 */
import type { SimulatorProcess } from "../lib/infra"
import { startV2BenchServer, v2LogTail, type V2BenchServer } from "../lib/medusa-v2-rig"
import { progress, type Measure } from "../lib/report"
import { v2KlarnaCalls } from "./v2-klarna-calls"
import { v2RequestPath } from "./v2-request-path"

export const V2_PARTS = ["calls", "request"] as const

export interface V2SuiteOptions {
  serverUrl: string
  sim: SimulatorProcess
  quick: boolean
  parts: Set<string>
  record: (measure: Measure) => void
  fail: (part: string, error: unknown) => void
}

export async function runMedusaV2Measures(options: V2SuiteOptions): Promise<void> {
  const { sim, quick, parts, record } = options
  const sizes = quick
    ? { callOrders: 1, rounds: 8, warmup: 2, unitsPerOrder: 20 }
    : { callOrders: 2, rounds: 40, warmup: 4, unitsPerOrder: 25 }
  progress("Medusa v2: the v2 project, a migrated database, the server with the plugin")
  const started = Date.now()
  const server: V2BenchServer = await startV2BenchServer(options.serverUrl, sim)
  progress(`Medusa v2 up in ${((Date.now() - started) / 1000).toFixed(1)} s (pid ${server.medusa.pid})`)
  const attempt = async (part: string, run: () => Promise<void>) => {
    try {
      await run()
    } catch (error) {
      progress(`${part}: log tail of the v2 server:\n${v2LogTail(server, 3000)}`)
      options.fail(`v2 ${part}`, error)
    }
  }
  if (parts.has("calls")) {
    progress(`v2 measure calls: ${sizes.callOrders} order(s) through checkout, 2 fulfillments, 2 shipments, a refund`)
    await attempt("calls", async () => record(await v2KlarnaCalls({ server, sim, orders: sizes.callOrders })))
  }
  if (parts.has("request")) {
    await attempt("request", () => v2RequestPath({ server, sim, sizes, record }))
  }
  await server.medusa.stop()
}
