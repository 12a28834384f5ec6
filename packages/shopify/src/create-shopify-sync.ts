/**
 * Wires the Shopify adapter: the webhook handler, the engine (platform "shopify") on the SQL port, and
 * its outbox worker. Used by the standalone server (standalone.ts, a pg Pool through pgSql) and by any
 * host that already has a database connection, e.g. a Medusa route (typeormSql(manager): the plugin's
 * tables are in Medusa's database; each engine's worker claims only its own platform's jobs).
 */
import type { SqlPort } from "@klarna-order-sync/core"
import { SqlSyncStore } from "@klarna-order-sync/core"
import { SyncEngine, type SyncEngineOptions } from "@klarna-order-sync/core"
import type { KlarnaProvider } from "@klarna-order-sync/core"
import type { KlarnaOmProvider } from "@klarna-order-sync/core"
import { buildOrderView, type KlarnaOrderView } from "@klarna-order-sync/core"
import type { SyncLogger } from "@klarna-order-sync/core"
import { SyncWorker, workerCapacity } from "@klarna-order-sync/core"
import { ShopifyWebhookIngest } from "./ingest"
import { shopifyAdapterOptions, type ShopifyAdapterOptions } from "./options"
import { ShopifyOrderRepository, type ShopifyOrderRow } from "./order-repository"
import { ShopifyOrderSource } from "./order-source"
import { createWebhookVerifier, type WebhookVerifier } from "./verify-webhook"
import { createShopifyWebhookHandler, type NodeHandler } from "./webhook-handler"

export interface ShopifyWorkerOptions {
  /** How often an idle worker looks for due jobs when it cannot listen for them. */
  pollIntervalMs: number
  /** While listening for jobs (LISTEN/NOTIFY, when the SqlPort can), how often an idle worker looks anyway; 0: never listen. */
  idlePollIntervalMs: number
  concurrency: number
  /** Jobs at once at most when Klarna's pace allows more than `concurrency` (klarnaCallsAllowed). */
  maxConcurrency: number
  maxAttempts: number
  baseBackoffMs: number
  maxBackoffMs: number
  leaseMs: number
}

export const DEFAULT_SHOPIFY_WORKER_OPTIONS: Readonly<ShopifyWorkerOptions> = {
  pollIntervalMs: 1000,
  idlePollIntervalMs: 60_000,
  concurrency: 2,
  maxConcurrency: 16,
  maxAttempts: 8,
  baseBackoffMs: 2000,
  maxBackoffMs: 300_000,
  leaseMs: 60_000,
}

export interface ShopifySyncConfig {
  /** The database holding the plugin's tables, migrated (runSqlMigrations with SHOPIFY_MIGRATIONS). */
  sql: SqlPort
  /** The app's client secret, for the HMAC. */
  apiSecretKey: string
  apiKey?: string
  /** Klarna OM per currency (KlarnaClient instances). Used only in tracking_only and direct modes. */
  klarna: KlarnaOmProvider
  /** Who serves the Klarna account (default klarna): the order view names it. */
  provider?: KlarnaProvider
  options?: Partial<ShopifyAdapterOptions>
  worker?: Partial<ShopifyWorkerOptions>
  logger?: SyncLogger
  /**
   * Klarna calls the clients' call gates let in at once (KlarnaCallGate#inFlightLimit): the worker then runs
   * up to twice that many jobs (workerCapacity). Without it the worker runs `concurrency` jobs.
   */
  klarnaCallsAllowed?: () => number
  /** Tests: a verifier other than @shopify/shopify-api's. */
  verifier?: WebhookVerifier
}

export interface ShopifySync {
  readonly options: ShopifyAdapterOptions
  readonly engine: SyncEngine
  /** POST endpoint for every subscribed topic (one URL for all of them). */
  readonly handler: NodeHandler
  startWorker(): void
  stopWorker(): Promise<void>
  /** What we hold for a Shopify order: the stored state and why it is (not) synced. */
  getShopifyOrder(orderId: string): Promise<ShopifyOrderRow | null>
  /** The Klarna side as the engine recorded it (captures, refunds, jobs and their attempts). */
  getOrderView(orderId: string): Promise<KlarnaOrderView | null>
}

const silentLogger: SyncLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined }

export function createShopifySync(config: ShopifySyncConfig): ShopifySync {
  const options = shopifyAdapterOptions(config.options)
  const workerOptions = { ...DEFAULT_SHOPIFY_WORKER_OPTIONS, ...config.worker }
  const logger = config.logger ?? silentLogger
  const engineOptions: SyncEngineOptions = {
    platform: "shopify",
    maxAttempts: workerOptions.maxAttempts,
    backoff: { baseMs: workerOptions.baseBackoffMs, maxMs: workerOptions.maxBackoffMs },
    leaseMs: workerOptions.leaseMs,
    // Shopify says a fulfillment shipped with status `success` (pending/open ones are still at a
    // fulfillment service), so captures wait for that.
    captureOn: "shipment",
    autoRelease: options.mode === "direct" && options.autoRelease,
    capturesMadeElsewhere: options.mode === "tracking_only",
  }
  const engineOn = (sql: SqlPort) =>
    new SyncEngine({
      store: new SqlSyncStore(sql),
      orders: new ShopifyOrderSource(sql, options),
      klarna: config.klarna,
      logger,
      options: engineOptions,
    })
  const engine = engineOn(config.sql)
  let worker: SyncWorker | null = null

  const ingest = new ShopifyWebhookIngest({ sql: config.sql, options, engineFor: engineOn, logger })
  const handler = createShopifyWebhookHandler({
    verifier: config.verifier ?? createWebhookVerifier({ apiSecretKey: config.apiSecretKey, apiKey: config.apiKey }),
    ingest,
    logger,
    maxBodyBytes: options.maxBodyBytes,
    // The jobs were inserted by the webhook's own transaction: wake the worker once it committed.
    onAccepted: (outcome) => {
      if (outcome.status === "recorded" && outcome.jobs > 0) worker?.nudge()
    },
  })
  const orders = new ShopifyOrderRepository(config.sql)

  return {
    options,
    engine,
    handler,
    startWorker() {
      if (worker || options.mode === "record_only") return
      const { pollIntervalMs, idlePollIntervalMs, concurrency, maxConcurrency } = workerOptions
      const callsAllowed = config.klarnaCallsAllowed
      worker = new SyncWorker(
        engine,
        {
          pollIntervalMs,
          listeningPollIntervalMs: idlePollIntervalMs > 0 ? idlePollIntervalMs : undefined,
          concurrency,
          ...(callsAllowed ? { capacity: () => workerCapacity({ concurrency, maxConcurrency }, callsAllowed()) } : {}),
        },
        logger,
      )
      worker.start()
      logger.info(`klarna-order-sync: shopify sync worker ${worker.id} started (mode ${options.mode})`)
    },
    async stopWorker() {
      await worker?.stop()
      worker = null
    },
    getShopifyOrder: (orderId) => orders.find(orderId),
    getOrderView: (orderId) => buildOrderView(new SqlSyncStore(config.sql), "shopify", orderId, () => config.provider ?? "klarna"),
  }
}
