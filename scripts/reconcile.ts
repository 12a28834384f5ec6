/**
 * `npm run reconcile -- --order <medusa order id>`: reads the order from Klarna and repairs the plugin's
 * tables where they drifted (a capture or refund Klarna has that was not recorded, totals, status). It only
 * reads Klarna (GET order); it never repeats a mutation. Prints what it changed.
 *
 *   --order <id>       the Medusa order (required)
 *   --config <file>    the store's medusa-config.js (default demo/medusa-config.js); the plugin's options
 *                      are taken from its `plugins` entry for klarna-order-sync
 *   --json             print only the report as JSON
 *
 * The database is DATABASE_URL (else the config's projectConfig.database_url). demo/medusa-config.js reads
 * its Klarna credentials from the environment (KLARNA_BASE_URL, KLARNA_USERNAME, KLARNA_PASSWORD,
 * KLARNA_REGION, KLARNA_ENVIRONMENT, KLARNA_PLUGIN_OPTIONS), so the same variables steer this command.
 * Exit codes: 0 reconciled (changed or not), 1 the order is not a Klarna order the plugin knows, 2 usage or
 * connection errors.
 */
import path from "node:path"
import { DataSource } from "typeorm"
import { clientForCurrency } from "../packages/medusa-v1/src/medusa/klarna-clients"
import { parsePluginOptions, PLUGIN_NAME, type KlarnaPluginOptions } from "../packages/medusa-v1/src/medusa/plugin-options"
import { SqlSyncStore } from "../packages/core/src/storage/sql-sync-store"
import { typeormSql } from "../packages/core/src/storage/typeorm-sql"
import { reconcileOrder, type ReconcileReport } from "../packages/core/src/sync/reconcile"

const REPO_ROOT = path.resolve(__dirname, "..")
const PLUGIN_ROOT = path.join(REPO_ROOT, "packages", "medusa-v1")

interface Args {
  order: string
  config: string
  json: boolean
}

function parseArgs(argv: string[]): Args {
  let order: string | undefined
  let config = path.join(REPO_ROOT, "demo", "medusa-config.js")
  let json = false
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]
    if (flag === "--order" || flag === "-o") order = argv[++i]
    else if (flag === "--config") config = path.resolve(String(argv[++i]))
    else if (flag === "--json") json = true
    else throw new Error(`unknown argument ${flag}`)
  }
  if (!order) throw new Error("--order <medusa order id> is required")
  return { order, config, json }
}

interface MedusaConfig {
  projectConfig?: { database_url?: string }
  plugins?: (string | { resolve: string; options?: unknown })[]
}

/** The plugin's entry in medusa-config.js: by package name, or a path to this repository. */
export function pluginOptionsFrom(config: MedusaConfig): KlarnaPluginOptions {
  for (const plugin of config.plugins ?? []) {
    if (typeof plugin === "string") continue
    const resolve = plugin.resolve
    const isOurs = resolve === PLUGIN_NAME || path.resolve(resolve) === PLUGIN_ROOT || resolve.endsWith(`/${PLUGIN_NAME}`)
    if (isOurs) return parsePluginOptions(plugin.options ?? {})
  }
  throw new Error(`no ${PLUGIN_NAME} entry in the config's plugins`)
}

function print(report: ReconcileReport): void {
  const lines = [
    `Reconciled Medusa order ${report.order_id} with Klarna order ${report.klarna_order_id}`,
    `Klarna: ${report.klarna.status}, order ${report.klarna.order_amount}, captured ${report.klarna.captured_amount}, ` +
      `refunded ${report.klarna.refunded_amount}, remaining ${report.klarna.remaining_authorized_amount ?? "-"}`,
    report.changes.length === 0 ? "No changes: the local tables match Klarna." : `Changes (${report.changes.length}):`,
    ...report.changes.map((change) => `  - ${change}`),
  ]
  process.stdout.write(`${lines.join("\n")}\n`)
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2))
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const config = require(args.config) as MedusaConfig
  const options = pluginOptionsFrom(config)
  const databaseUrl = process.env.DATABASE_URL ?? config.projectConfig?.database_url
  if (!databaseUrl) throw new Error("DATABASE_URL is not set and the config has no projectConfig.database_url")
  const dataSource = new DataSource({ type: "postgres", url: databaseUrl, logging: false, poolSize: 2 })
  await dataSource.initialize()
  try {
    const store = new SqlSyncStore(typeormSql(dataSource.manager))
    const mapping = await store.findMapping("medusa", args.order)
    if (!mapping) {
      process.stderr.write(`Order ${args.order} is not a Klarna order known to ${PLUGIN_NAME} (no klarna_order row)\n`)
      return 1
    }
    const report = await reconcileOrder(store, clientForCurrency(options, mapping.currency), mapping)
    if (args.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
    else print(report)
    return 0
  } finally {
    await dataSource.destroy()
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`reconcile: ${(error as Error).message}\n`)
      process.exit(2)
    },
  )
}
