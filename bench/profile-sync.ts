/**
 * Where measure 1's engine time goes (not part of `npm run bench`): one engine round of capture syncs, as
 * sync-throughput.ts runs it, with per statement kind: count, time in flight at the client (all lanes
 * summed) and PostgreSQL's own execution time (pg_stat_statements); the CPU of this process, of the
 * PostgreSQL backends and of the simulator process.
 *
 *   npx ts-node --transpile-only -r ./scripts/workspace-sources.js bench/profile-sync.ts [--orders=600] [--concurrency=4]
 *
 * `node --cpu-prof` on the same command adds a CPU profile of this process.
 */
import { Client } from "pg"
import { authorizeAtSimulator, benchOrderId, buildSnapshot, engineRig, openDataSource } from "./lib/engine-harness"
import { createDatabase, sql, startBenchPostgres, startSimulatorProcess } from "./lib/infra"
import { cleanupAll } from "./lib/processes"
import { cpuMsOfPid, postgresCpuMs } from "./lib/process-cpu"
import { pool, round } from "./lib/stats"

const print = (line: string) => process.stdout.write(`${line}\n`)

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback)

/** A statement's kind: its text with whitespace collapsed, cut after 70 characters. */
const kindOf = (text: string) => text.replace(/\s+/g, " ").trim().slice(0, 70)

async function main(): Promise<void> {
  const orders = arg("orders", 600)
  const concurrency = arg("concurrency", 4)
  const pg = await startBenchPostgres()
  const sim = await startSimulatorProcess()
  try {
    const url = await createDatabase(pg.url, "kos_profile")
    await sql(url, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    // Planning time too (TypeORM sends every statement unprepared: each one is planned anew).
    await sql(url, "ALTER DATABASE kos_profile SET pg_stat_statements.track_planning = on")
    const dataSource = await openDataSource(url)
    await dataSource.runMigrations({ transaction: "each" })

    const round1 = async (count: number, measure: boolean) => {
      const snapshots = Array.from({ length: count }, () =>
        buildSnapshot(benchOrderId("prof"), { items: 3, fulfillments: 1, tracking: true }),
      )
      await pool(snapshots, 8, (order) => authorizeAtSimulator(sim, order))
      const rig = engineRig(dataSource, sim, concurrency)
      for (const order of snapshots) rig.orders.orders.set(order.orderId, order)
      const byKind = new Map<string, { n: number; ms: number }>()
      type Query = (...args: unknown[]) => unknown
      const proto = Client.prototype as unknown as { query: Query }
      const original = proto.query
      if (measure) {
        proto.query = function (this: unknown, ...args: unknown[]) {
          const text = typeof args[0] === "string" ? args[0] : String((args[0] as { text?: string })?.text ?? "")
          const started = performance.now()
          const result = original.apply(this, args) as Promise<unknown>
          return result.finally(() => {
            const kind = kindOf(text)
            const entry = byKind.get(kind) ?? { n: 0, ms: 0 }
            entry.n++
            entry.ms += performance.now() - started
            byKind.set(kind, entry)
          })
        }
        await sql(url, "SELECT pg_stat_statements_reset()")
      }
      const pgCpu = postgresCpuMs(pg.dataDir)
      const simCpu = cpuMsOfPid(sim.pid)
      const cpu = process.cpuUsage()
      const started = performance.now()
      rig.worker.start()
      const done = rig.store.waitForMore(count, 300_000)
      await pool(snapshots, concurrency, (order) => rig.engine.fulfillmentCreated(order.orderId, order.fulfillments[0].id))
      await done
      const ms = performance.now() - started
      const used = process.cpuUsage(cpu)
      const pgUsed = postgresCpuMs(pg.dataDir) - pgCpu
      const simUsed = cpuMsOfPid(sim.pid) - simCpu
      await rig.worker.stop()
      proto.query = original
      if (!measure) return
      const statements = [...byKind.values()].reduce((sum, e) => sum + e.n, 0)
      const waits = [...byKind.values()].reduce((sum, e) => sum + e.ms, 0)
      print(
        JSON.stringify({
          syncs: count,
          concurrency,
          per_s: round((count * 1000) / ms, 1),
          lane_ms_per_sync: round((concurrency * ms) / count, 2),
          statements_per_sync: round(statements / count, 2),
          db_wait_ms_per_sync: round(waits / count, 2),
          claims: rig.store.claims,
          cpu_ms_per_sync: {
            bench_process: round((used.user + used.system) / 1000 / count, 2),
            postgres: round(pgUsed / count, 2),
            simulator: round(simUsed / count, 2),
            wall_cpu_capacity: round((2 * ms) / count, 2),
          },
        }),
      )
      const server = await sql<{ query: string; calls: string; total_exec_time: number; total_plan_time: number }>(
        url,
        `SELECT query, calls::text, total_exec_time, total_plan_time FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      )
      const serverByKind = new Map<string, { n: number; ms: number; planMs: number }>()
      for (const row of server) {
        const kind = kindOf(row.query)
        const entry = serverByKind.get(kind) ?? { n: 0, ms: 0, planMs: 0 }
        entry.n += Number(row.calls)
        entry.ms += row.total_exec_time
        entry.planMs += row.total_plan_time
        serverByKind.set(kind, entry)
      }
      const rows = [...byKind.entries()].sort((a, b) => b[1].ms - a[1].ms)
      print("per sync | n | client in-flight ms each | server exec ms each | server planning ms each | statement")
      for (const [kind, entry] of rows) {
        // pg_stat_statements normalises constants to $n: match on the first 30 characters.
        const serverEntry = [...serverByKind.entries()].find(([k]) => k.slice(0, 30) === kind.slice(0, 30))?.[1]
        print(
          [
            round(entry.n / count, 2),
            entry.n,
            round(entry.ms / entry.n, 3),
            serverEntry ? round(serverEntry.ms / serverEntry.n, 3) : "-",
            serverEntry ? round(serverEntry.planMs / serverEntry.n, 3) : "-",
            kind,
          ].join(" | "),
        )
      }
    }
    await round1(60, false)
    await round1(orders, true)
    await dataSource.destroy()
  } finally {
    await cleanupAll()
  }
}

main().catch(async (error) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`)
  await cleanupAll()
  process.exit(1)
})
