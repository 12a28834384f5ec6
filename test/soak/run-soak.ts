/**
 * `npm run soak -- --orders 1000`: the exactly-once soak (test/soak/soak.ts) at full size.
 *
 *   --orders N        orders to run (default 200)
 *   --concurrency N   orders driven at once (default 6)
 *   --fault-rate X    share of Klarna OM calls that fail (default 0.2)
 *   --seed N          fault schedule seed
 *   --redis           use Medusa's Redis event bus (starts a redis-server on a free port)
 *   --no-crash        do not SIGKILL Medusa A in the middle
 *   --no-second-server
 *
 * PostgreSQL: DATABASE_URL if set (a fresh database is created on that server), otherwise an embedded
 * PostgreSQL is started for the run. Build the plugin first (`npm run build`): Medusa loads dist/.
 * Prints the details, then, as its last line, the counts: captures expected/captured/doubled/lost (and the
 * same for refunds). Exits 1 unless every check passed.
 */
import os from "node:os"
import path from "node:path"
import { startPostgres, type RunningPostgres } from "../../scripts/postgres"
import { startRedis, type RunningRedis } from "../../scripts/redis"
import { formatCounts, formatReport, runSoak, soakPassed } from "./soak"

function parse(argv: string[]) {
  const args = { orders: 200, concurrency: 6, faultRate: 0.2, seed: 20240501, redis: false, crash: true, secondServer: true }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]
    const value = () => {
      const v = argv[++i]
      if (v === undefined || Number.isNaN(Number(v))) throw new Error(`${flag} needs a number`)
      return Number(v)
    }
    switch (flag) {
      case "--orders":
        args.orders = value()
        break
      case "--concurrency":
        args.concurrency = value()
        break
      case "--fault-rate":
        args.faultRate = value()
        break
      case "--seed":
        args.seed = value()
        break
      case "--redis":
        args.redis = true
        break
      case "--no-crash":
        args.crash = false
        break
      case "--no-second-server":
        args.secondServer = false
        break
      default:
        throw new Error(`unknown argument ${flag} (see test/soak/run-soak.ts)`)
    }
  }
  return args
}

async function main(): Promise<number> {
  const args = parse(process.argv.slice(2))
  let pg: RunningPostgres | undefined
  let redis: RunningRedis | undefined
  try {
    if (!process.env.DATABASE_URL) {
      pg = await startPostgres({
        dataDir: path.join(os.tmpdir(), `klarna-order-sync-soak-pg-${process.pid}`),
        fresh: true,
        database: "kos_soak",
      })
      process.env.DATABASE_URL = pg.url
    }
    if (args.redis) redis = await startRedis()
    const log = (line: string) => process.stdout.write(`${line}\n`)
    log(
      `soak: ${args.orders} orders, concurrency ${args.concurrency}, fault rate ${args.faultRate}, seed ${args.seed}, ` +
        `${args.redis ? "Redis" : "local"} event bus, ${args.secondServer ? "two servers" : "one server"}, ${args.crash ? "SIGKILL in the middle" : "no crash"}`,
    )
    const report = await runSoak({
      orders: args.orders,
      concurrency: args.concurrency,
      faultRate: args.faultRate,
      seed: args.seed,
      crash: args.crash,
      secondServer: args.secondServer,
      redisUrl: redis?.url,
      settleTimeoutMs: Math.max(180_000, args.orders * 600),
      log,
    })
    const passed = soakPassed(report)
    log(formatReport(report).trimEnd())
    log(passed ? "PASS: exactly once" : "FAIL")
    log(formatCounts(report))
    return passed ? 0 : 1
  } finally {
    await redis?.stop()
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
