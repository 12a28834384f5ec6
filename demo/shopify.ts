/**
 * `npm run shopify`: the Shopify webhook server (src/shopify/standalone.ts), as easy to start as `npm start`.
 * Without DATABASE_URL it starts an embedded PostgreSQL like the demo's, a cluster of its own in
 * DEMO_DIR/shopify-postgres (port SHOPIFY_POSTGRES_PORT, default: a free one); without SHOPIFY_API_SECRET it
 * uses a webhook secret generated once for DEMO_DIR (kept in DEMO_DIR/secrets.json) and prints it, so that
 * test webhooks can be signed with it. Everything else: the variables of src/shopify/standalone.ts.
 * A real Shopify app sets SHOPIFY_API_SECRET to its client secret (that one is never printed).
 */
import fs from "node:fs"
import path from "node:path"
import { configFromEnv, serveUntilSignal } from "../packages/shopify/src/standalone"
import { freePort } from "../scripts/free-port"
import { demoDirFrom } from "./config"
import { detachEmbeddedPostgresSignalHooks, maskUrl, startDemoPostgres, stopDemoPostgres, type DemoPostgres } from "./postgres"
import { demoSecret, secretsFile } from "./secrets"

const say = (line: string): void => {
  process.stdout.write(`${line}\n`)
}

async function main(): Promise<void> {
  const env = { ...process.env }
  const demoDir = demoDirFrom(env)
  const lines: string[] = []
  let pg: DemoPostgres | undefined

  if (!env.SHOPIFY_API_SECRET) {
    env.SHOPIFY_API_SECRET = demoSecret(demoDir, "shopify_api_secret")
    lines.push(
      `  webhook secret   ${env.SHOPIFY_API_SECRET}   generated for this demo directory (${secretsFile(demoDir)}); a real app sets SHOPIFY_API_SECRET to its client secret`,
    )
  }
  if (!env.DATABASE_URL) {
    const port = env.SHOPIFY_POSTGRES_PORT ? Number(env.SHOPIFY_POSTGRES_PORT) : await freePort()
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new Error(`SHOPIFY_POSTGRES_PORT=${env.SHOPIFY_POSTGRES_PORT} is not a TCP port (1-65535)`)
    detachEmbeddedPostgresSignalHooks()
    fs.mkdirSync(path.join(demoDir, "logs"), { recursive: true })
    const pgLog = fs.createWriteStream(path.join(demoDir, "logs", "shopify-postgres.log"), { flags: "a" })
    pg = await startDemoPostgres(demoDir, port, say, (line) => pgLog.write(`${line}\n`), {
      subdir: "shopify-postgres",
      database: "shopify",
    })
    env.DATABASE_URL = pg.url
    lines.unshift(
      `  PostgreSQL       ${maskUrl(pg.url)}   embedded, data in ${pg.dataDir}${pg.fallbackReason ? ` (${pg.fallbackReason})` : ""}`,
    )
  }
  const running = pg
  try {
    await serveUntilSignal(configFromEnv(env), { lines, onStopped: running ? () => stopDemoPostgres(running) : undefined })
  } catch (error) {
    if (running) await stopDemoPostgres(running).catch(() => undefined)
    throw error
  }
}

main().catch((error: unknown) => {
  say(`klarna-order-sync: ${(error as Error).message}`)
  process.exit(1)
})
