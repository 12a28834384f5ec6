/**
 * `npm run bench [-- --quick] [-- --only=throughput,drain,calls,request,view,memory,idle]`
 * `npm run bench -- --v2 [--quick] [--only=calls,request]`: the Medusa v2 plugin's measures instead
 *
 * Runs the benchmarks and prints one JSON object per measure on stdout, the last line a summary.
 * Progress goes to stderr. Everything the run starts (PostgreSQL, the simulator, redis-server, Medusa
 * servers) is stopped at the end, on Ctrl-C and on failure. See bench/README.md.
 */
import { DEFAULT_WORKER_OPTIONS } from "../packages/medusa-v1/src/medusa/plugin-options"
import { cleanupAll } from "./lib/processes"
import { machine, startBenchPostgres, startSimulatorProcess } from "./lib/infra"
import { emit, progress, type Measure } from "./lib/report"
import { syncThroughput } from "./measures/sync-throughput"
import { backlogDrain } from "./measures/backlog-drain"
import { runMedusaMeasures } from "./measures/medusa-suite"
import { runMedusaV2Measures, V2_PARTS } from "./measures/v2-suite"

const ALL = ["throughput", "drain", "request", "memory", "calls", "view", "idle"] as const
type Part = (typeof ALL)[number]

function parseArgs(argv: string[]): { quick: boolean; only: Set<Part>; concurrency: number; v2: boolean } {
  let quick = false
  // --v2: the Medusa v2 plugin's measures (calls, request) instead of v1's.
  const v2 = argv.includes("--v2")
  // Measure 1 runs as many worker lanes as the plugin's worker does by default (worker.concurrency).
  let concurrency = DEFAULT_WORKER_OPTIONS.concurrency
  let only = new Set<Part>(ALL)
  for (const arg of argv) {
    if (arg === "--quick") quick = true
    else if (arg === "--v2") continue
    else if (arg.startsWith("--concurrency=")) concurrency = Number(arg.slice("--concurrency=".length))
    else if (arg.startsWith("--only=")) {
      const wanted = arg
        .slice("--only=".length)
        .split(",")
        .map((part) => part.trim())
      const known: readonly string[] = v2 ? V2_PARTS : ALL
      const unknown = wanted.filter((part) => !known.includes(part))
      if (unknown.length)
        throw new Error(`unknown --only part(s)${v2 ? " for --v2" : ""}: ${unknown.join(", ")} (known: ${known.join(", ")})`)
      only = new Set(wanted as Part[])
    } else if (arg === "--help" || arg === "-h") {
      process.stdout.write(
        `usage: npm run bench -- [--quick] [--only=${ALL.join(",")}] [--concurrency=${DEFAULT_WORKER_OPTIONS.concurrency}]\n` +
          `       npm run bench -- --v2 [--quick] [--only=${V2_PARTS.join(",")}]   (the Medusa v2 plugin)\n`,
      )
      process.exit(0)
    } else throw new Error(`unknown argument ${arg}`)
  }
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error("--concurrency must be a positive integer")
  if (v2 && !argv.some((arg) => arg.startsWith("--only="))) only = new Set<Part>(V2_PARTS)
  return { quick, only, concurrency, v2 }
}

async function main(): Promise<void> {
  const { quick, only, concurrency, v2 } = parseArgs(process.argv.slice(2))
  const startedAt = Date.now()
  const machineAtStart = machine()
  const results: Measure[] = []
  const record = (measure: Measure) => {
    results.push(measure)
    emit(measure)
  }
  const failures: { part: string; error: string }[] = []

  progress(`starting PostgreSQL and the Klarna simulator (${quick ? "quick" : "full"}${v2 ? " Medusa v2" : ""} run)`)
  const pg = await startBenchPostgres()
  const sim = await startSimulatorProcess()

  if (v2) {
    try {
      await runMedusaV2Measures({
        serverUrl: pg.url,
        sim,
        quick,
        parts: only,
        record,
        fail: (part, error) => failures.push({ part, error: (error as Error).stack ?? String(error) }),
      })
    } catch (error) {
      failures.push({ part: `v2 ${[...only].join(",")}`, error: (error as Error).stack ?? String(error) })
    }
  }

  /** One engine measure: its result recorded, its failure kept for the summary. */
  const engineMeasure = async (part: string, title: string, run: () => Promise<Measure>) => {
    progress(title)
    try {
      record(await run())
    } catch (error) {
      failures.push({ part, error: (error as Error).stack ?? String(error) })
    }
  }

  if (!v2 && only.has("throughput")) {
    const throughput = { serverUrl: pg.url, sim, rounds: quick ? 2 : 4, concurrency, pgDataDir: pg.dataDir }
    await engineMeasure("throughput", "measure 1: sync throughput (engine vs bare client)", () =>
      syncThroughput({ ...throughput, perRound: quick ? 60 : 300 }),
    )
    await engineMeasure("throughput at latency", "measure 1b: sync throughput at Klarna's latency (150 ms ± 50 ms)", () =>
      syncThroughput({ ...throughput, perRound: quick ? 40 : 120, latency: { ms: 150, jitterMs: 50 } }),
    )
  }

  if (!v2 && only.has("drain")) {
    const drain = {
      serverUrl: pg.url,
      sim,
      captures: quick ? 600 : 3000,
      outageAfterQueueMs: quick ? 5000 : 15_000,
      latencyMs: 150,
      jitterMs: 50,
      rateLimit: 50,
    }
    await engineMeasure(
      "drain",
      "measure 6: backlog drain (captures queued while Klarna is down, then Klarna at 150 ms and 50 requests/s)",
      () => backlogDrain(drain),
    )
    await engineMeasure("drain on two servers", "measure 6b: backlog drain, two servers sharing the credentials", () =>
      backlogDrain({ ...drain, servers: 2 }),
    )
  }

  const medusaParts = v2 ? [] : ALL.filter((part) => part !== "throughput" && part !== "drain" && only.has(part))
  if (medusaParts.length > 0) {
    try {
      await runMedusaMeasures({
        serverUrl: pg.url,
        sim,
        quick,
        parts: new Set(medusaParts),
        record,
        fail: (part, error) => failures.push({ part, error: (error as Error).stack ?? String(error) }),
      })
    } catch (error) {
      failures.push({ part: medusaParts.join(","), error: (error as Error).stack ?? String(error) })
    }
  }

  for (const failure of failures) progress(`FAILED ${failure.part}: ${failure.error}`)
  const summary = {
    summary: true,
    quick,
    ...(v2 ? { medusa: "v2" } : {}),
    met: results.filter((r) => r.met).map((r) => r.measure),
    missed: results.filter((r) => !r.met).map((r) => r.measure),
    errors: failures.map((f) => ({ part: f.part, error: f.error.split("\n")[0] })),
    notes: Object.fromEntries(results.filter((r) => !r.met && r.note).map((r) => [r.measure, r.note])),
    duration_s: Math.round((Date.now() - startedAt) / 1000),
    machine: { ...machineAtStart, load_avg_end: machine().load_avg },
  }
  process.stdout.write(`${JSON.stringify(summary)}\n`)
  if (failures.length) process.exitCode = 1
}

main()
  .catch((error) => {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? error}\n`)
    process.exitCode = 1
  })
  .finally(async () => {
    progress("stopping everything the bench started")
    await cleanupAll()
  })
