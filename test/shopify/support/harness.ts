/**
 * The Shopify adapter's test harness: a fresh PostgreSQL database, the Klarna simulator and the real
 * standalone server (src/shopify/standalone.ts) over real HTTP; webhooks signed with Shopify's own
 * test helper (`getHmac` from @shopify/shopify-api/test-helpers).
 */
import { randomUUID } from "node:crypto"
import fs from "node:fs"
import path from "node:path"
import { startSimulator } from "../../../packages/simulator/server"
import { startShopifyServer, type RunningShopifyServer } from "../../../packages/shopify/src/standalone"
import type { ShopifyAdapterOptions } from "../../../packages/shopify/src/options"
import type { SyncLogger } from "../../../packages/core/src/sync/ports"
import { createTestDatabase, query, uniqueDatabaseName } from "../../support/db"
import { eventually as eventuallyWithOptions } from "../../support/store-api"

// Loaded with require(): TypeScript's "node" resolution would compile the package's shipped .ts sources
// instead of following its `exports` map to the built files (see src/shopify/verify-webhook.ts).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const shopifyTestHelpers = require("@shopify/shopify-api/test-helpers") as {
  getHmac: (body: string, apiSecretKey: string) => string
  API_SECRET_KEY: string
  TEST_SHOP: string
}

export const { getHmac } = shopifyTestHelpers
/** The library's test constants: secret "testApiSecretKey", shop "test-shop.myshopify.com". */
export const APP_SECRET = shopifyTestHelpers.API_SECRET_KEY
export const SHOP = shopifyTestHelpers.TEST_SHOP
export const API_VERSION = "2026-07"

export type Simulator = Awaited<ReturnType<typeof startSimulator>>

export interface Harness {
  sim: Simulator
  server: RunningShopifyServer
  databaseUrl: string
  logs: string[]
  sql<T extends Record<string, unknown> = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>
  close(): Promise<void>
}

export async function startHarness(name: string, options: Partial<ShopifyAdapterOptions>): Promise<Harness> {
  const databaseUrl = await createTestDatabase(uniqueDatabaseName(name))
  const sim = await startSimulator()
  const logs: string[] = []
  const logger: SyncLogger = {
    debug: (m) => logs.push(`debug ${m}`),
    info: (m) => logs.push(`info ${m}`),
    warn: (m) => logs.push(`warn ${m}`),
    error: (m) => logs.push(`error ${m}`),
  }
  const server = await startShopifyServer({
    databaseUrl,
    apiSecretKey: APP_SECRET,
    port: 0,
    klarna: { username: sim.username, password: sim.password, baseUrl: sim.url },
    options,
    worker: { pollIntervalMs: 100, baseBackoffMs: 100, maxBackoffMs: 400, maxAttempts: 8 },
    logger,
  })
  return {
    sim,
    server,
    databaseUrl,
    logs,
    sql: (text, params = []) => query(databaseUrl, text, params),
    async close() {
      await server.close()
      await sim.close()
    },
  }
}

// ---- Webhooks over HTTP ------------------------------------------------------------------------

export interface SendOptions {
  webhookId?: string
  shop?: string
  /** Sign this text instead of the body (a tampered delivery). */
  signedBody?: string
  secret?: string
  omitHeaders?: string[]
}

export interface SendResult {
  status: number
  body: Record<string, unknown>
  webhookId: string
}

export async function sendWebhook(url: string, topic: string, payload: unknown, options: SendOptions = {}): Promise<SendResult> {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload)
  const webhookId = options.webhookId ?? randomUUID()
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "X-Shopify-Topic": topic,
    "X-Shopify-Hmac-Sha256": getHmac(options.signedBody ?? body, options.secret ?? APP_SECRET),
    "X-Shopify-Shop-Domain": options.shop ?? SHOP,
    "X-Shopify-API-Version": API_VERSION,
    "X-Shopify-Webhook-Id": webhookId,
    "X-Shopify-Triggered-At": new Date().toISOString(),
    "X-Shopify-Event-Id": randomUUID(),
  }
  for (const name of options.omitHeaders ?? []) delete headers[name]
  const response = await fetch(url, { method: "POST", headers, body })
  const text = await response.text()
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, webhookId }
}

// ---- Fixtures ----------------------------------------------------------------------------------

const FIXTURES = path.join(__dirname, "..", "fixtures")

/** The raw text of a copied Shopify sample (test/shopify/fixtures/README.md). */
export function sampleText(name: string): string {
  return fs.readFileSync(path.join(FIXTURES, `shopify-sample-${name}.json`), "utf8")
}

// ---- Klarna simulator --------------------------------------------------------------------------

export async function createKlarnaOrder(sim: Simulator, amount: number, currency = "EUR", country = "DE"): Promise<string> {
  const response = await fetch(`${sim.url}/__sim/orders`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ order_amount: amount, purchase_currency: currency, purchase_country: country }),
  })
  if (response.status !== 201) throw new Error(`simulator refused the order: ${response.status} ${await response.text()}`)
  return ((await response.json()) as { order_id: string }).order_id
}

/** A capture made the way Klarna's own Shopify app makes it: through OM, whole amount, no order lines. */
export async function captureAsKlarnaApp(sim: Simulator, klarnaOrderId: string, amount: number): Promise<void> {
  const response = await fetch(`${sim.url}/ordermanagement/v1/orders/${klarnaOrderId}/captures`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Authorization: `Basic ${Buffer.from(`${sim.username}:${sim.password}`).toString("base64")}`,
      "Klarna-Idempotency-Key": randomUUID(),
    },
    body: JSON.stringify({ captured_amount: amount, description: "Shopify capture" }),
  })
  if (response.status !== 201) throw new Error(`simulator refused the capture: ${response.status} ${await response.text()}`)
}

/** Klarna OM requests the plugin made for one Klarna order (control API log). */
export async function klarnaRequests(
  sim: Simulator,
  klarnaOrderId: string,
): Promise<{ method: string; path: string; body: unknown; status: number }[]> {
  const response = await fetch(`${sim.url}/__sim/requests?path_contains=${encodeURIComponent(klarnaOrderId)}`)
  const body = (await response.json()) as { method: string; path: string; body: unknown; status: number }[] | { requests: never[] }
  return Array.isArray(body) ? body : body.requests
}

// ---- Waiting -----------------------------------------------------------------------------------

/** The suite's eventually(), with the arguments these tests use. */
export function eventually<T>(fn: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 20_000): Promise<T> {
  return eventuallyWithOptions(fn, { what, timeoutMs, intervalMs: 100 })
}

export interface JobRow extends Record<string, unknown> {
  operation: string
  state: string
  job_key: string
  attempts: number
  result: Record<string, unknown> | null
  last_error: string | null
}

/** Waits until no job of the order is pending or running, then returns all its jobs. */
export async function settledJobs(h: Harness, orderId: string): Promise<JobRow[]> {
  return eventually(async () => {
    const jobs = await h.sql<JobRow>(
      `SELECT operation, state, job_key, attempts, result, last_error FROM klarna_sync_job
        WHERE platform = 'shopify' AND platform_order_id = $1 ORDER BY created_at, id`,
      [orderId],
    )
    return jobs.some((job) => job.state === "pending" || job.state === "running") ? undefined : jobs
  }, `jobs of order ${orderId} settled`)
}

let nextId = 7_000_000_000_000 + Math.floor(Math.random() * 1_000_000) * 1000
/** A fresh Shopify-like numeric id. */
export function newId(): number {
  nextId += 1
  return nextId
}
