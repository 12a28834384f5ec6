/**
 * Measure 5: resident memory (RSS) of the Medusa server process with the plugin vs the same store
 * without it: idle (right after start) and after 1,000 fulfillments were made on each and, on the plugin
 * server, synced to Klarna. Goal (ours; the issue sets none): the plugin adds at most 10%.
 */
import { fulfillOneUnit, rssMb, type BenchOrder, type BenchServer } from "../lib/medusa-rig"
import type { Measure } from "../lib/report"
import { median, pool, round, sleep, waitUntil } from "../lib/stats"

/** Median of `samples` RSS readings one second apart, after `settleMs` of quiet. */
export async function sampleRss(servers: BenchServer[], settleMs = 5000, samples = 5): Promise<Map<string, number>> {
  await sleep(settleMs)
  const readings = new Map<string, number[]>()
  for (let i = 0; i < samples; i++) {
    for (const server of servers) {
      const list = readings.get(server.kind) ?? []
      list.push(rssMb(server.medusa.pid))
      readings.set(server.kind, list)
    }
    if (i < samples - 1) await sleep(1000)
  }
  return new Map([...readings].map(([kind, values]) => [kind, median(values)]))
}

/** Fulfills `count` units over the server's orders, `lanes` orders at a time (never one order twice at once). */
export async function fulfillMany(server: BenchServer, orders: BenchOrder[], count: number, lanes = 2): Promise<string[]> {
  const ids: string[] = []
  const perLane = Array.from({ length: lanes }, (_, lane) => orders.filter((_, index) => index % lanes === lane))
  let left = count
  await pool(perLane, lanes, async (laneOrders) => {
    for (const order of laneOrders) {
      while (order.remaining > 0 && left > 0) {
        left--
        ids.push((await fulfillOneUnit(server, order)).fulfillmentId)
      }
    }
  })
  if (left > 0) throw new Error(`${server.kind}: orders ran out of units with ${left} fulfillments to go`)
  return ids
}

/** Waits until every fulfillment of the plugin server is captured and no job is pending. */
export async function waitForSyncDrained(server: BenchServer, expectedCaptures: number, timeoutMs: number): Promise<void> {
  await waitUntil(
    async () => {
      const [row] = await server.query<{ captured: string; open: string }>(
        `SELECT (SELECT count(*) FROM klarna_capture WHERE status = 'captured')::text AS captured,
                (SELECT count(*) FROM klarna_sync_job WHERE state IN ('pending', 'running'))::text AS open`,
      )
      return Number(row.captured) >= expectedCaptures && Number(row.open) === 0
    },
    timeoutMs,
    `${expectedCaptures} captures on ${server.kind}`,
    500,
  )
}

export function memoryMeasure(
  idle: Map<string, number>,
  after: Map<string, number>,
  syncs: number,
  failedJobs: number,
  trend?: Map<string, number[]>,
): Measure {
  const idleWith = idle.get("plugin") as number
  const idleWithout = idle.get("bare") as number
  const afterWith = after.get("plugin") as number
  const afterWithout = after.get("bare") as number
  const idleRatio = idleWith / idleWithout
  const afterRatio = afterWith / afterWithout
  return {
    measure: "memory",
    idle_with_mb: round(idleWith, 1),
    idle_without_mb: round(idleWithout, 1),
    idle_ratio: round(idleRatio, 3),
    after_with_mb: round(afterWith, 1),
    after_without_mb: round(afterWithout, 1),
    after_ratio: round(afterRatio, 3),
    growth_with_mb: round(afterWith - idleWith, 1),
    growth_without_mb: round(afterWithout - idleWithout, 1),
    goal: "ratio<=1.10 idle and after",
    met: idleRatio <= 1.1 && afterRatio <= 1.1,
    n: syncs,
    failed_jobs: failedJobs,
    ...(trend
      ? {
          trend_with_mb: (trend.get("plugin") ?? []).map((v) => round(v, 0)),
          trend_without_mb: (trend.get("bare") ?? []).map((v) => round(v, 0)),
        }
      : {}),
  }
}
