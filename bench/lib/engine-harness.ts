/**
 * The sync engine without Medusa: its real PostgreSQL tables (SqlSyncStore over a TypeORM DataSource,
 * the plugin's own migration), orders from in-memory snapshots, the real Klarna client against the
 * simulator. Counts SQL statements (a TypeORM logger) and finished jobs (a store subclass).
 */
import { randomUUID } from "node:crypto"
import { DataSource, type Logger as TypeormLogger } from "typeorm"
import { KlarnaClient } from "../../packages/core/src/klarna"
import { KlarnaSyncTables1764000000000 } from "../../packages/medusa-v1/src/migrations/1764000000000-klarna_sync_tables"
import { KlarnaOrderMerchantReferences1764300000000 } from "../../packages/medusa-v1/src/migrations/1764300000000-klarna_order_merchant_references"
import { KlarnaSyncJobRunningIndex1764500000000 } from "../../packages/medusa-v1/src/migrations/1764500000000-klarna_sync_job_running_index"
import { SqlSyncStore } from "../../packages/core/src/storage/sql-sync-store"
import { typeormSql } from "../../packages/core/src/storage/typeorm-sql"
import { SyncEngine, type SyncEngineOptions } from "../../packages/core/src/sync/engine"
import type { FulfillmentSnapshot, ItemLine } from "../../packages/core/src/sync/order-model"
import { planCapture } from "../../packages/core/src/sync/plan-capture"
import type { JobFailure, OrderSource, SyncableOrder, SyncLogger } from "../../packages/core/src/sync/ports"
import { SyncWorker } from "../../packages/core/src/sync/worker"
import { simControl, type SimulatorProcess } from "./infra"

export const silentLogger: SyncLogger = { debug() {}, info() {}, warn() {}, error() {} }

/** Counts every statement TypeORM sends (including START TRANSACTION / COMMIT). */
export class CountingLogger implements TypeormLogger {
  queries = 0
  logQuery(): void {
    this.queries++
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

export async function openDataSource(url: string, logger?: CountingLogger): Promise<DataSource> {
  const dataSource = new DataSource({
    type: "postgres",
    url,
    migrations: [KlarnaSyncTables1764000000000, KlarnaOrderMerchantReferences1764300000000, KlarnaSyncJobRunningIndex1764500000000],
    migrationsTableName: "migrations",
    logging: logger ? true : false,
    ...(logger ? { logger } : {}),
  })
  await dataSource.initialize()
  return dataSource
}

/** A store that reports every job it finishes, so a benchmark knows when a batch is done. */
export class ObservedStore extends SqlSyncStore {
  finished = 0
  failures: { jobId: string; failure: JobFailure; retrying: boolean }[] = []
  private waiters: { target: number; resolve: () => void }[] = []

  /** Claim statements made and jobs they returned (batched claims: jobs / claims per statement). */
  claims = { statements: 0, jobs: 0 }

  override async claimJobs(...args: Parameters<SqlSyncStore["claimJobs"]>) {
    const jobs = await super.claimJobs(...args)
    this.claims.statements++
    this.claims.jobs += jobs.length
    return jobs
  }

  override async completeJob(...args: Parameters<SqlSyncStore["completeJob"]>) {
    const done = await super.completeJob(...args)
    if (done) this.bump()
    return done
  }

  override async failJob(jobId: string, workerId: string, failure: JobFailure, retryAt: Date | null) {
    const done = await super.failJob(jobId, workerId, failure, retryAt)
    this.failures.push({ jobId, failure, retrying: retryAt !== null })
    if (done && retryAt === null) this.bump()
    return done
  }

  /** Resolves once `count` more jobs than now have finished. */
  waitForMore(count: number, timeoutMs: number): Promise<void> {
    const target = this.finished + count
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${this.finished}/${target} jobs finished in ${timeoutMs} ms`)), timeoutMs)
      this.waiters.push({
        target,
        resolve: () => {
          clearTimeout(timer)
          resolve()
        },
      })
      this.bump(0)
    })
  }

  private bump(by = 1): void {
    this.finished += by
    this.waiters = this.waiters.filter((waiter) => {
      if (this.finished < waiter.target) return true
      waiter.resolve()
      return false
    })
  }
}

export class MemoryOrders implements OrderSource {
  readonly orders = new Map<string, SyncableOrder>()
  async loadOrder(orderId: string): Promise<SyncableOrder | null> {
    return this.orders.get(orderId) ?? null
  }
}

export interface BenchOrderShape {
  /** Item lines; each gets its own fulfillment slice (see fulfillmentsOf). */
  items: number
  /** Fulfillments; items are spread over them round-robin in blocks. */
  fulfillments: number
  /** Tracking number on each fulfillment (known at capture). */
  tracking: boolean
}

/** A consistent snapshot (25% VAT, tax included, a shipping fee) with its fulfillments. */
export function buildSnapshot(orderId: string, shape: BenchOrderShape): SyncableOrder {
  const items: ItemLine[] = Array.from({ length: shape.items }, (_, i) => {
    const quantity = 1 + (i % 3)
    const unit = 1290 + ((i * 7919) % 90000)
    const originalTotal = unit * quantity
    const discountTotal = i % 5 === 0 ? Math.floor(originalTotal / 10) : 0
    return {
      id: `${orderId}_item_${i}`,
      name: `Bench product ${i} (${["S", "M", "L"][i % 3]})`,
      reference: `SKU-${1000 + i}`,
      type: "physical",
      quantity,
      originalTotal,
      discountTotal,
      total: originalTotal - discountTotal,
      taxRate: 2500,
      productUrl: `https://shop.example/products/${1000 + i}`,
    }
  })
  const perFulfillment = Math.ceil(shape.items / shape.fulfillments)
  const fulfillments: FulfillmentSnapshot[] = Array.from({ length: shape.fulfillments }, (_, f) => ({
    id: `${orderId}_ful_${f}`,
    createdAt: new Date(Date.UTC(2025, 0, 1, 10, 0, f)),
    items: items.slice(f * perFulfillment, (f + 1) * perFulfillment).map((item) => ({ itemId: item.id, quantity: item.quantity })),
    trackings: shape.tracking ? [{ trackingNumber: `PN${orderId.slice(-10)}${f}`, trackingUrl: `https://tracking.example/PN${f}` }] : [],
    shippingCompany: "postnord",
    shippingMethod: "Home",
    shipped: shape.tracking,
  }))
  const shippingLines = [{ id: `${orderId}_sm`, name: "PostNord Home", originalTotal: 4900, discountTotal: 0, total: 4900, taxRate: 2500 }]
  const totalAmount = items.reduce((sum, item) => sum + item.total, 0) + 4900
  return {
    platform: "medusa",
    orderId,
    displayId: orderId.slice(-6),
    currency: "SEK",
    currencyDecimals: 2,
    totalAmount,
    items,
    shippingLines,
    giftCards: [],
    fulfillments,
    refunds: [],
    authorizedAmount: totalAmount,
  }
}

/** Creates the order at the simulator (AUTHORIZED, with every line) and links it to the snapshot. */
export async function authorizeAtSimulator(sim: SimulatorProcess, order: SyncableOrder): Promise<void> {
  // The lines of the order as a whole: the lines of each fulfillment's capture, together.
  const lines = order.fulfillments.flatMap((fulfillment) => planCapture(order, fulfillment.id).orderLines)
  const created = await simControl<{ order_id: string }>(sim.url, "POST", "/__sim/orders", {
    order_amount: order.totalAmount,
    purchase_currency: order.currency,
    purchase_country: "SE",
    order_lines: lines,
  })
  order.klarnaOrderId = created.order_id
}

export function benchOrderId(prefix: string): string {
  return `order_${prefix}_${randomUUID().replace(/-/g, "").slice(0, 20)}`
}

export function klarnaClient(sim: SimulatorProcess): KlarnaClient {
  return new KlarnaClient({ username: sim.username, password: sim.password, baseUrl: sim.url, userAgentSuffix: "bench" })
}

export interface EngineRig {
  engine: SyncEngine
  worker: SyncWorker
  store: ObservedStore
  orders: MemoryOrders
}

export interface RigSettings {
  /** The Klarna client (default: klarnaClient(sim), no gate). */
  client?: KlarnaClient
  /** Engine options over the bench's (fast backoff), e.g. the plugin's production retry policy. */
  engine?: Partial<SyncEngineOptions>
  /** The worker's capacity() (default: fixed at concurrency). */
  capacity?: () => number
}

/** The engine as the Medusa service configures it (capture on fulfillment), minus auto-release. */
export function engineRig(dataSource: DataSource, sim: SimulatorProcess, concurrency: number, settings: RigSettings = {}): EngineRig {
  const store = new ObservedStore(typeormSql(dataSource.manager))
  const orders = new MemoryOrders()
  const client = settings.client ?? klarnaClient(sim)
  const engine = new SyncEngine({
    store,
    orders,
    klarna: { forCurrency: () => client },
    logger: silentLogger,
    options: {
      platform: "medusa",
      maxAttempts: 8,
      backoff: { baseMs: 200, maxMs: 2000 },
      leaseMs: 60_000,
      autoRelease: false,
      captureOn: "fulfillment",
      ...settings.engine,
    },
  })
  const worker = new SyncWorker(engine, { pollIntervalMs: 1000, concurrency, capacity: settings.capacity }, silentLogger)
  return { engine, worker, store, orders }
}
