/**
 * The Shopify webhook receiver as a small standalone server (`node packages/shopify/dist/standalone.js`; in a
 * checkout `npm run shopify`, demo/shopify.ts, which adds an embedded PostgreSQL and a generated secret when
 * none is given). It opens its own PostgreSQL connection pool (pg), creates or updates its tables (plain SQL
 * migrations, each applied once: schema.ts), starts the outbox worker and listens for Shopify's webhooks.
 * Environment:
 *
 *   SHOPIFY_API_SECRET                 required: the app's client secret (HMAC key). Never logged.
 *   DATABASE_URL                       required: PostgreSQL URL.
 *   SHOPIFY_WEBHOOK_PORT               default 8081
 *   SHOPIFY_WEBHOOK_HOST               default 127.0.0.1 (put a TLS reverse proxy or tunnel in front)
 *   SHOPIFY_WEBHOOK_PATH               default /shopify/webhooks (one URL for every topic)
 *   SHOPIFY_API_KEY                    optional: the app's client id
 *   SHOPIFY_KLARNA_MODE                record_only (default) | tracking_only | direct   (docs/shopify.md)
 *   SHOPIFY_KLARNA_ORDER_ID_SOURCES    default note_attribute:klarna_order_id,metafield:klarna.order_id
 *                                      (also: transaction)
 *   SHOPIFY_KLARNA_GATEWAYS            default klarna (comma separated; * = any gateway)
 *   SHOPIFY_KLARNA_SHIPPING_METHOD     optional Klarna shipping_method, e.g. Home
 *   KLARNA_USERNAME, KLARNA_PASSWORD   required unless record_only
 *   KLARNA_PROVIDER                    klarna (default) | kustom (former Klarna Checkout merchants: Kustom's
 *                                      hosts, no regions; trigger-send-out and extend-due-date are refused)
 *   KLARNA_REGION (eu|na|oc; Klarna only), KLARNA_ENVIRONMENT (playground|live), KLARNA_BASE_URL (e.g. the simulator)
 *
 * GET /health answers {ok: true, mode}.
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { Pool } from "pg"
import {
  callGateFor,
  KlarnaClient,
  shareCallGate,
  SqlCallGateState,
  type KlarnaEnvironment,
  type KlarnaProvider,
  type KlarnaRegion,
} from "@klarna-order-sync/core"
import type { ShippingMethod } from "@klarna-order-sync/core"
import { pgSql } from "@klarna-order-sync/core"
import { runSqlMigrations } from "@klarna-order-sync/core"
import type { SqlPort } from "@klarna-order-sync/core"
import type { SyncLogger } from "@klarna-order-sync/core"
import { createShopifySync, DEFAULT_SHOPIFY_WORKER_OPTIONS, type ShopifySync, type ShopifyWorkerOptions } from "./create-shopify-sync"
import { parseKlarnaOrderIdSources, type ShopifyAdapterOptions } from "./options"
import { SHOPIFY_MIGRATIONS } from "./schema"

export interface KlarnaAccount {
  username: string
  password: string
  /** Default klarna. */
  provider?: KlarnaProvider
  region?: KlarnaRegion
  environment?: KlarnaEnvironment
  baseUrl?: string
}

export interface ShopifyServerConfig {
  databaseUrl: string
  apiSecretKey: string
  apiKey?: string
  port?: number
  host?: string
  path?: string
  /** One Klarna account for every currency. Not needed in record_only mode. */
  klarna?: KlarnaAccount
  options?: Partial<ShopifyAdapterOptions>
  worker?: Partial<ShopifyWorkerOptions>
  logger?: SyncLogger
}

export interface RunningShopifyServer {
  /** e.g. http://127.0.0.1:8081 */
  url: string
  /** The webhook URL to subscribe: url + path. */
  webhookUrl: string
  sync: ShopifySync
  /** The server's database (its pg Pool), e.g. to look at what it stored. */
  sql: SqlPort
  close(): Promise<void>
}

export const DEFAULT_WEBHOOK_PATH = "/shopify/webhooks"

export async function startShopifyServer(config: ShopifyServerConfig): Promise<RunningShopifyServer> {
  const logger = config.logger ?? consoleLogger()
  const mode = config.options?.mode ?? "record_only"
  if (mode !== "record_only" && !config.klarna)
    throw new Error(`shopify: mode ${mode} needs Klarna credentials (KLARNA_USERNAME, KLARNA_PASSWORD)`)

  const pool = new Pool({ connectionString: config.databaseUrl })
  // An idle client whose connection dropped: pg discards it and the pool opens a new one when needed.
  // Without a listener the error would end the process.
  pool.on("error", (error) => logger.warn(`klarna-order-sync: shopify: a database connection was lost (${error.message})`))
  const sql = pgSql(pool)
  let server: Server | undefined
  let sync: ShopifySync | undefined
  try {
    await runSqlMigrations(sql, SHOPIFY_MIGRATIONS)
    const account = config.klarna
    const workerConcurrency = config.worker?.concurrency ?? DEFAULT_SHOPIFY_WORKER_OPTIONS.concurrency
    const workerMaxConcurrency = config.worker?.maxConcurrency ?? DEFAULT_SHOPIFY_WORKER_OPTIONS.maxConcurrency
    const client = account
      ? new KlarnaClient({
          username: account.username,
          password: account.password,
          provider: account.provider,
          region: account.region,
          environment: account.environment,
          ...(account.baseUrl ? { baseUrl: account.baseUrl } : {}),
          userAgentSuffix: "shopify",
          // Klarna's pace, as in the Medusa plugins: the worker runs as many jobs as the gate lets calls in.
          gate: callGateFor(account, { concurrency: workerConcurrency, maxConcurrency: workerMaxConcurrency }),
        })
      : null
    if (account && client?.gate) {
      // Several servers on this database and credentials share 429 pauses and Klarna's limit (the key is a hash).
      shareCallGate(client.gate, account, new SqlCallGateState(sql), (error) =>
        logger.warn(
          `klarna-order-sync: shopify: the call gate cannot reach klarna_rate_state (${error.message}); pacing alone until it can`,
        ),
      )
    }
    const created = createShopifySync({
      sql,
      apiSecretKey: config.apiSecretKey,
      apiKey: config.apiKey,
      provider: client?.provider,
      klarna: {
        forCurrency: () => {
          if (!client) throw new Error("shopify: no Klarna account configured (record_only mode)")
          return client
        },
      },
      options: config.options,
      worker: config.worker,
      klarnaCallsAllowed: () => client?.gate?.inFlightLimit ?? 0,
      logger,
    })
    sync = created
    const path = config.path ?? DEFAULT_WEBHOOK_PATH
    server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://localhost")
      if (url.pathname === "/health" && req.method === "GET") {
        res.writeHead(200, { "Content-Type": "application/json" })
        res.end(JSON.stringify({ ok: true, mode: created.options.mode }))
        return
      }
      if (url.pathname !== path) {
        res.writeHead(404, { "Content-Type": "application/json" })
        res.end(JSON.stringify({ error: "not_found" }))
        return
      }
      void created.handler(req, res)
    })
    const listening = server
    await new Promise<void>((resolve, reject) => {
      listening.once("error", reject)
      listening.listen(config.port ?? 8081, config.host ?? "127.0.0.1", () => {
        listening.off("error", reject)
        resolve()
      })
    })
    created.startWorker()
    const address = listening.address() as AddressInfo
    const host = address.address.includes(":") ? `[${address.address}]` : address.address
    const url = `http://${host}:${address.port}`
    let closing: Promise<void> | undefined
    return {
      url,
      webhookUrl: `${url}${path}`,
      sync: created,
      sql,
      close() {
        closing ??= (async () => {
          await new Promise<void>((resolve) => {
            listening.close(() => resolve())
            listening.closeAllConnections()
          })
          await created.stopWorker()
          await pool.end()
        })()
        return closing
      },
    }
  } catch (error) {
    server?.close()
    await sync?.stopWorker()
    await pool.end()
    throw error
  }
}

function consoleLogger(): SyncLogger {
  /* eslint-disable no-console */
  return {
    debug: (message) => (process.env.SHOPIFY_DEBUG ? console.debug(message) : undefined),
    info: (message) => console.info(message),
    warn: (message) => console.warn(message),
    error: (message) => console.error(message),
  }
  /* eslint-enable no-console */
}

/** The server's configuration from the environment (see the header of this file). */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ShopifyServerConfig {
  const required = (name: string): string => {
    const value = env[name]
    if (!value) throw new Error(`shopify: ${name} is required`)
    return value
  }
  const port = env.SHOPIFY_WEBHOOK_PORT ? Number(env.SHOPIFY_WEBHOOK_PORT) : 8081
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`shopify: invalid SHOPIFY_WEBHOOK_PORT ${env.SHOPIFY_WEBHOOK_PORT}`)
  const mode = (env.SHOPIFY_KLARNA_MODE || "record_only") as ShopifyAdapterOptions["mode"]
  const provider = env.KLARNA_PROVIDER || undefined
  if (provider !== undefined && provider !== "klarna" && provider !== "kustom") {
    throw new Error(`shopify: KLARNA_PROVIDER must be klarna or kustom, got "${provider}"`)
  }
  if (provider === "kustom" && env.KLARNA_REGION) {
    throw new Error("shopify: KLARNA_REGION is for Klarna; Kustom has one host per environment and no regions")
  }
  const list = (value: string | undefined) =>
    (value ?? "")
      .split(",")
      .map((part) => part.trim())
      .filter(Boolean)
  return {
    databaseUrl: required("DATABASE_URL"),
    apiSecretKey: required("SHOPIFY_API_SECRET"),
    apiKey: env.SHOPIFY_API_KEY || undefined,
    port,
    host: env.SHOPIFY_WEBHOOK_HOST || "127.0.0.1",
    path: env.SHOPIFY_WEBHOOK_PATH || DEFAULT_WEBHOOK_PATH,
    klarna:
      env.KLARNA_USERNAME && env.KLARNA_PASSWORD
        ? {
            username: env.KLARNA_USERNAME,
            password: env.KLARNA_PASSWORD,
            provider: provider as KlarnaProvider | undefined,
            region: (env.KLARNA_REGION || undefined) as KlarnaRegion | undefined,
            environment: (env.KLARNA_ENVIRONMENT || undefined) as KlarnaEnvironment | undefined,
            baseUrl: env.KLARNA_BASE_URL || undefined,
          }
        : undefined,
    options: {
      mode,
      ...(env.SHOPIFY_KLARNA_ORDER_ID_SOURCES
        ? { klarnaOrderIdSources: parseKlarnaOrderIdSources(env.SHOPIFY_KLARNA_ORDER_ID_SOURCES) }
        : {}),
      ...(env.SHOPIFY_KLARNA_GATEWAYS ? { klarnaGateways: list(env.SHOPIFY_KLARNA_GATEWAYS) } : {}),
      ...(env.SHOPIFY_KLARNA_SHIPPING_METHOD ? { shippingMethod: env.SHOPIFY_KLARNA_SHIPPING_METHOD as ShippingMethod } : {}),
    },
  }
}

export interface ServeHooks {
  /** Printed after the start-up line (e.g. where an embedded PostgreSQL keeps its data). */
  lines?: string[]
  /** Runs after the server closed on SIGINT/SIGTERM (e.g. stop the embedded PostgreSQL). */
  onStopped?: () => Promise<void>
}

/** Starts the server, prints where it listens, and closes it on SIGINT/SIGTERM, then exits. */
export async function serveUntilSignal(config: ShopifyServerConfig, hooks: ServeHooks = {}): Promise<RunningShopifyServer> {
  const running = await startShopifyServer(config)
  const mode = running.sync.options.mode
  /* eslint-disable no-console */
  console.info(`klarna-order-sync: Shopify webhooks on ${running.webhookUrl} (mode ${mode})`)
  for (const line of hooks.lines ?? []) console.info(line)
  if (mode === "record_only") {
    console.info("klarna-order-sync: record_only: webhooks are verified and recorded; nothing is sent to Klarna (set SHOPIFY_KLARNA_MODE)")
  }
  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    console.info(`klarna-order-sync: ${signal}, shutting down`)
    running
      .close()
      .then(() => hooks.onStopped?.())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(error)
          process.exit(1)
        },
      )
  }
  /* eslint-enable no-console */
  process.on("SIGINT", () => stop("SIGINT"))
  process.on("SIGTERM", () => stop("SIGTERM"))
  return running
}

async function main(): Promise<void> {
  await serveUntilSignal(configFromEnv())
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`klarna-order-sync: ${(error as Error).message}`) // eslint-disable-line no-console
    process.exit(1)
  })
}
