/**
 * `npm run explore -- --runs N [--seed S]`: the model-based exploration (test/explore/explore.ts) at any size.
 * PostgreSQL: DATABASE_URL if set (a fresh database is created on that server), otherwise an embedded
 * PostgreSQL is started for the run. EXPLORE_ODD_TRACKING=0 leaves out tracking values at and past
 * Klarna's length limits. Prints the shrunk failing sequence (with its seed) if any, then exactly one
 * summary line; exits 1 on any violation.
 */
import os from "node:os"
import path from "node:path"
import { startPostgres, type RunningPostgres } from "../../scripts/postgres"
import { startExploreEnvironment } from "./environment"
import { runExploration, summaryLine } from "./explore"

function parse(argv: string[]): { runs: number; seed?: number } {
  const args: { runs: number; seed?: number } = { runs: 100 }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]
    const value = Number(argv[++i])
    if (Number.isNaN(value)) throw new Error(`${flag} needs a number`)
    if (flag === "--runs") args.runs = value
    else if (flag === "--seed") args.seed = value
    else throw new Error(`unknown argument ${flag} (use --runs N [--seed S])`)
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
    const env = await startExploreEnvironment()
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
