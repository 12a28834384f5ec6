/**
 * The outbox against a real PostgreSQL: a fresh database with the plugin's tables (its real migration),
 * SqlSyncStore (TypeORM adapter) on one or more TypeORM DataSources (each DataSource is its own connection pool: a
 * "server"), and small helpers to enqueue jobs the way the engine does.
 */
import { DataSource } from "typeorm"
import { KlarnaSyncTables1764000000000 } from "../../packages/medusa-v1/src/migrations/1764000000000-klarna_sync_tables"
import { KlarnaOrderMerchantReferences1764300000000 } from "../../packages/medusa-v1/src/migrations/1764300000000-klarna_order_merchant_references"
import { KlarnaSyncJobRunningIndex1764500000000 } from "../../packages/medusa-v1/src/migrations/1764500000000-klarna_sync_job_running_index"
import { SqlSyncStore } from "../../packages/core/src/storage/sql-sync-store"
import { typeormSql } from "../../packages/core/src/storage/typeorm-sql"
import { idempotencyKeyFor } from "../../packages/core/src/sync/idempotency"
import { queueKeyFor } from "../../packages/core/src/sync/job-keys"
import type { JobOperation, JobRecord } from "../../packages/core/src/sync/ports"
import { createTestDatabase, dropTestDatabase, query, uniqueDatabaseName } from "../support/db"

export interface OutboxDatabase {
  url: string
  /** A store on a connection pool of its own: one per simulated server. */
  server(poolSize?: number): Promise<SqlSyncStore>
  sql<T extends Record<string, unknown> = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>
  close(): Promise<void>
}

export function dataSourceFor(url: string, poolSize = 4): DataSource {
  return new DataSource({
    type: "postgres",
    url,
    migrations: [KlarnaSyncTables1764000000000, KlarnaOrderMerchantReferences1764300000000, KlarnaSyncJobRunningIndex1764500000000],
    migrationsTableName: "migrations",
    logging: false,
    poolSize,
  })
}

/** A fresh database with the plugin's tables. */
export async function outboxDatabase(prefix = "kos_outbox"): Promise<OutboxDatabase> {
  const name = uniqueDatabaseName(prefix)
  const url = await createTestDatabase(name)
  const sources: DataSource[] = []
  const first = dataSourceFor(url)
  await first.initialize()
  sources.push(first)
  await first.runMigrations({ transaction: "each" })
  return {
    url,
    async server(poolSize = 4) {
      const source = dataSourceFor(url, poolSize)
      await source.initialize()
      sources.push(source)
      return new SqlSyncStore(typeormSql(source.manager))
    },
    sql: (text, params) => query(url, text, params),
    async close() {
      await Promise.all(sources.map((source) => source.destroy()))
      await dropTestDatabase(name)
    },
  }
}

/** Enqueues a job the way the engine does (job key → idempotency key, queue per order). */
export async function addJob(
  store: SqlSyncStore,
  orderId: string,
  jobKey: string,
  options: { operation?: JobOperation; maxAttempts?: number; runAt?: Date; payload?: Record<string, unknown> } = {},
): Promise<JobRecord> {
  const { job } = await store.enqueue({
    platform: "medusa",
    platformOrderId: orderId,
    operation: options.operation ?? "capture",
    jobKey,
    payload: options.payload ?? {},
    runAt: options.runAt,
    idempotencyKey: idempotencyKeyFor(jobKey),
    queueKey: queueKeyFor("medusa", orderId),
    maxAttempts: options.maxAttempts ?? 8,
  })
  return job
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
