/**
 * `npm run explore -- --runs N [--seed S] [--source=v1|v2]`: the model-based exploration (test/explore/explore.ts) at
 * any size, reading the orders through the Medusa v1 snapshot (default) or the Medusa v2 plugin's order graph
 * mapping (environment.ts). Flags take their value as `--flag value` or `--flag=value`.
 * PostgreSQL: DATABASE_URL if set (a fresh database is created on that server), otherwise an embedded
 * PostgreSQL is started for the run. EXPLORE_ODD_TRACKING=0 leaves out tracking values at and past
 * Klarna's length limits. Prints the shrunk failing sequence (with its seed) if any, then exactly one
 * summary line; exits 1 on any violation.
 */
import os from "node:os"
import path from "node:path"
import { startPostgres, type RunningPostgres } from "../../scripts/postgres"
import { parseExploreSource, startExploreEnvironment, type ExploreSource } from "./environment"
import { runExploration, summaryLine } from "./explore"

interface Args {
  runs: number
  seed?: number
  source: ExploreSource
}

function parse(argv: string[]): Args {
  const args: Args = { runs: 100, source: "v1" }
  const usage = "use --runs N [--seed S] [--source v1|v2]"
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2)
    const value = inline ?? argv[++i]
    if (value === undefined) throw new Error(`${flag} needs a value (${usage})`)
    if (flag === "--source") {
      args.source = parseExploreSource(value)
      continue
    }
    const number = Number(value)
    if (Number.isNaN(number)) throw new Error(`${flag} needs a number`)
    if (flag === "--runs") args.runs = number
    else if (flag === "--seed") args.seed = number
    else throw new Error(`unknown argument ${flag} (${usage})`)
  }
  return args
}

async function main(): Promise<number> {
  const args = parse(process.argv.slice(2))
  let pg: RunningPostgres | undefined
  try {
    if (!process.env.DATABASE_URL) {
      pg = await startPostgres({
        dataDir: path.join(os.tmpdir(), `klarna-order-sync-explore-pg-${process.pid}`),
        fresh: true,
        database: "kos_explore",
      })
      process.env.DATABASE_URL = pg.url
    }
    const env = await startExploreEnvironment({ source: args.source })
    try {
      const report = await runExploration(env, args)
      if (report.failure) process.stderr.write(`${report.failure}\n`)
      process.stdout.write(`${summaryLine(report)}\n`)
      return report.violations === 0 && !report.failure ? 0 : 1
    } finally {
      await env.close()
    }
  } finally {
    await pg?.stop()
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`)
    process.exit(2)
  },
)
