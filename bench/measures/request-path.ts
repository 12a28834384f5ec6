/**
 * Measure 3: the admin's create-fulfillment request (POST /admin/orders/:id/fulfillment) on a store with
 * the plugin vs the same store without it, both running at once; requests alternate between the servers
 * in a random order each round, so drift and background load hit both alike. Goal: p50 ratio <= 1.05
 * (the sync stays out of the request path).
 *
 * Then, for the fulfillments made on the plugin servers, the time from the request's response to the
 * capture being recorded (klarna_capture.captured_at), on the local event bus and on Redis.
 */
import { fulfillOneUnit, type BenchOrder, type BenchServer, type ServerKind, type TimedFulfillment } from "../lib/medusa-rig"
import type { Measure } from "../lib/report"
import { mean, percentile, round, shuffle, sleep, waitUntil } from "../lib/stats"

export type Samples = Partial<Record<ServerKind, TimedFulfillment[]>>

export interface RoundsInput {
  servers: BenchServer[]
  orders: Map<ServerKind, BenchOrder[]>
  rounds: number
  warmup: number
}

/** Round i fulfills one unit of order (i mod orders) on every server, servers in a random order. */
export async function runRequestRounds(input: RoundsInput): Promise<Samples> {
  const samples: Samples = {}
  const cursor = new Map<ServerKind, number>()
  const next = (kind: ServerKind) => {
    const orders = input.orders.get(kind) ?? []
    for (let tried = 0; tried < orders.length; tried++) {
      const index = cursor.get(kind) ?? 0
      cursor.set(kind, index + 1)
      const order = orders[index % orders.length]
      if (order.remaining > 0) return order
    }
    throw new Error(`${kind}: no order has units left to fulfill`)
  }
  for (let round = 0; round < input.warmup + input.rounds; round++) {
    for (const server of shuffle([...input.servers])) {
      const timed = await fulfillOneUnit(server, next(server.kind))
      if (round >= input.warmup) (samples[server.kind] ??= []).push(timed)
    }
    // A short random pause: requests do not fall in step with the event bus's 3 s pump.
    await sleep(20 + Math.random() * 60)
  }
  return samples
}

const stats = (values: number[]) => ({
  p50: round(percentile(values, 50), 1),
  p95: round(percentile(values, 95), 1),
  mean: round(mean(values), 1),
})

/**
 * The plugin server's requests that overlapped none of its sync work (a job from 500 ms before it was
 * queued, when the subscriber loads the order, to when it finished): these show what the plugin adds to
 * the request itself; the others also pay for sharing the process with the sync.
 */
export async function quietRequests(server: BenchServer, timed: TimedFulfillment[]): Promise<TimedFulfillment[]> {
  const jobs = await server.query<{ created_at: Date; finished_at: Date | null }>(`SELECT created_at, finished_at FROM klarna_sync_job`)
  const windows = jobs.map((job) => [new Date(job.created_at).getTime() - 500, new Date(job.finished_at ?? Date.now()).getTime()])
  return timed.filter((t) => !windows.some(([from, to]) => t.at - t.ms < to && t.at > from))
}

export function requestPathMeasure(samples: Samples, quiet?: TimedFulfillment[]): Measure {
  const without = (samples.bare ?? []).map((s) => s.ms)
  const withPlugin = (samples.plugin ?? []).map((s) => s.ms)
  const withRedis = (samples["plugin-redis"] ?? []).map((s) => s.ms)
  const a = stats(withPlugin)
  const b = stats(without)
  const ratio = a.p50 / b.p50
  const quietRatio = quiet && quiet.length >= 5 ? stats(quiet.map((q) => q.ms)).p50 / b.p50 : undefined
  const note =
    ratio <= 1.05
      ? undefined
      : quietRatio !== undefined && quietRatio <= 1.05
        ? `requests that overlapped none of the plugin's sync work were at ${round(quietRatio, 3)}: the plugin adds nothing to ` +
          `the request itself, the slower ones shared the server's one event loop (and the 2 CPUs) with a sync. Fix: a ` +
          `cheaper sync (one order load per job instead of three) or the worker in a process of its own`
        : `even requests that overlapped no sync work were at ${quietRatio === undefined ? "n/a" : round(quietRatio, 3)}: look ` +
          `for work the plugin does inside the request (subscribers run outside it, every 3 s)`
  return {
    measure: "request_path",
    with_p50_ms: a.p50,
    without_p50_ms: b.p50,
    ratio: round(ratio, 3),
    goal: "<=1.05",
    met: ratio <= 1.05,
    n: withPlugin.length,
    with_p95_ms: a.p95,
    without_p95_ms: b.p95,
    ratio_mean: round(a.mean / b.mean, 3),
    ...(quiet && quiet.length >= 5
      ? {
          with_quiet_p50_ms: stats(quiet.map((q) => q.ms)).p50,
          ratio_quiet: round(stats(quiet.map((q) => q.ms)).p50 / b.p50, 3),
          n_quiet: quiet.length,
        }
      : {}),
    ...(withRedis.length ? { redis_with_p50_ms: stats(withRedis).p50, redis_with_p95_ms: stats(withRedis).p95 } : {}),
    request: "POST /admin/orders/:id/fulfillment (1 unit), interleaved with/without",
    ...(note ? { note } : {}),
  }
}

/** Milliseconds from each fulfillment's response to its capture being recorded. */
export async function captureLatencies(server: BenchServer, fulfillments: TimedFulfillment[], timeoutMs: number): Promise<number[]> {
  const ids = fulfillments.map((f) => f.fulfillmentId)
  const rows = await waitUntil(
    async () => {
      const found = await server.query<{ source_id: string; captured_at: Date }>(
        `SELECT source_id, captured_at FROM klarna_capture WHERE platform = 'medusa' AND status = 'captured' AND source_id = ANY($1)`,
        [ids],
      )
      return found.length === ids.length ? found : null
    },
    timeoutMs,
    `${ids.length} captures on ${server.kind}`,
    250,
  )
  const capturedAt = new Map(rows.map((row) => [row.source_id, new Date(row.captured_at).getTime()]))
  return fulfillments.map((f) => (capturedAt.get(f.fulfillmentId) as number) - f.at)
}

export function captureLatencyMeasure(local: number[], redis: number[] | undefined, pumpMs: number): Measure {
  const goalMs = pumpMs + 1000
  const l = { p50: round(percentile(local, 50), 0), p95: round(percentile(local, 95), 0) }
  const r = redis?.length ? { p50: round(percentile(redis, 50), 0), p95: round(percentile(redis, 95), 0) } : undefined
  const met = l.p95 <= goalMs && (!r || r.p95 <= goalMs)
  const note = met
    ? undefined
    : `Medusa hands events to subscribers every ${pumpMs} ms; beyond that the capture waited for the worker (queue behind ` +
      `other jobs of the order, or CPU): see the plugin's klarna_sync_attempt durations`
  return {
    measure: "fulfillment_to_capture",
    local_p50_ms: l.p50,
    local_p95_ms: l.p95,
    ...(r ? { redis_p50_ms: r.p50, redis_p95_ms: r.p95 } : {}),
    // Medusa stages events and hands them to subscribers every 3 s: that is the floor for any subscriber.
    baseline_event_pump_ms: pumpMs,
    goal: `p95<=${goalMs}`,
    met,
    n: local.length,
    ...(r ? { n_redis: redis?.length } : {}),
    local_max_ms: round(Math.max(...local), 0),
    ...(r ? { redis_max_ms: round(Math.max(...(redis as number[])), 0) } : {}),
    ...(note ? { note } : {}),
  }
}
