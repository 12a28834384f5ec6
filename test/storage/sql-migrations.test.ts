/**
 * runSqlMigrations: each migration applied once, recorded in TypeORM's `migrations` table, so that a
 * restart, a second server starting at the same moment, or a database TypeORM migrated before (a Medusa
 * store, the Shopify server before it ran on pg) runs nothing again.
 */
import { Pool } from "pg"
import { DataSource } from "typeorm"
import { KlarnaCheckoutAuthorizations1764200000000 } from "../../packages/medusa-v1/src/migrations/1764200000000-klarna_checkout_authorizations"
import { KlarnaOrderMerchantReferences1764300000000 } from "../../packages/medusa-v1/src/migrations/1764300000000-klarna_order_merchant_references"
import { KlarnaSyncTables1764000000000 } from "../../packages/medusa-v1/src/migrations/1764000000000-klarna_sync_tables"
import { KlarnaRateState1764400000000 } from "../../packages/medusa-v1/src/migrations/1764400000000-klarna_rate_state"
import { KlarnaSyncJobRunningIndex1764500000000 } from "../../packages/medusa-v1/src/migrations/1764500000000-klarna_sync_job_running_index"
import { pgSql } from "../../packages/core/src/storage/pg-sql"
import { CORE_MIGRATIONS } from "../../packages/core/src/storage/schema"
import { runSqlMigrations, type SqlMigration } from "../../packages/core/src/storage/sql-migrations"
import { createTestDatabase, dropTestDatabase, query, uniqueDatabaseName } from "../support/db"

jest.setTimeout(60_000)

const CORE_NAMES = [
  "KlarnaSyncTables1764000000000",
  "KlarnaCheckoutAuthorizations1764200000000",
  "KlarnaOrderMerchantReferences1764300000000",
  "KlarnaRateState1764400000000",
  "KlarnaSyncJobRunningIndex1764500000000",
]
const TYPEORM_CLASSES = [
  KlarnaSyncTables1764000000000,
  KlarnaCheckoutAuthorizations1764200000000,
  KlarnaOrderMerchantReferences1764300000000,
  KlarnaRateState1764400000000,
  KlarnaSyncJobRunningIndex1764500000000,
]

let name: string
let url: string
let pool: Pool

beforeEach(async () => {
  name = uniqueDatabaseName("kos_sql_migrations")
  url = await createTestDatabase(name)
  pool = new Pool({ connectionString: url, max: 4 })
})

afterEach(async () => {
  await pool?.end()
  await dropTestDatabase(name)
})

const recorded = async () => query<{ timestamp: string; name: string }>(url, `SELECT "timestamp", "name" FROM "migrations" ORDER BY "id"`)
const columnsOf = async (table: string) =>
  (
    await query<{ column_name: string }>(
      url,
      `SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`,
      [table],
    )
  ).map((row) => row.column_name)

test("applied once, in order, recorded with TypeORM's timestamp and name; the second run applies nothing", async () => {
  expect(await runSqlMigrations(pgSql(pool), CORE_MIGRATIONS)).toEqual(CORE_NAMES)
  expect(await recorded()).toEqual([
    { timestamp: "1764000000000", name: "KlarnaSyncTables1764000000000" },
    { timestamp: "1764200000000", name: "KlarnaCheckoutAuthorizations1764200000000" },
    { timestamp: "1764300000000", name: "KlarnaOrderMerchantReferences1764300000000" },
    { timestamp: "1764400000000", name: "KlarnaRateState1764400000000" },
    { timestamp: "1764500000000", name: "KlarnaSyncJobRunningIndex1764500000000" },
  ])
  expect(await columnsOf("klarna_rate_state")).toEqual(["credentials_key", "limit_per_s", "paused_until", "servers", "updated_at"])
  expect(await columnsOf("klarna_order")).toEqual(expect.arrayContaining(["klarna_order_id", "merchant_reference1", "merchant_reference2"]))
  expect(await runSqlMigrations(pgSql(pool), CORE_MIGRATIONS)).toEqual([])
  expect(await recorded()).toHaveLength(CORE_NAMES.length)
})

test("two servers migrating the same fresh database at once: each migration runs once", async () => {
  const other = new Pool({ connectionString: url, max: 4 })
  try {
    const [a, b] = await Promise.all([runSqlMigrations(pgSql(pool), CORE_MIGRATIONS), runSqlMigrations(pgSql(other), CORE_MIGRATIONS)])
    expect([...a, ...b].sort()).toEqual([...CORE_NAMES].sort())
    expect(await recorded()).toHaveLength(CORE_NAMES.length)
  } finally {
    await other.end()
  }
})

test("a database TypeORM migrated is recognised, and TypeORM sees nothing pending after runSqlMigrations", async () => {
  const dataSource = new DataSource({
    type: "postgres",
    url,
    migrations: TYPEORM_CLASSES,
    migrationsTableName: "migrations",
    logging: false,
  })
  await dataSource.initialize()
  try {
    expect((await dataSource.runMigrations({ transaction: "each" })).map((m) => m.name)).toEqual(CORE_NAMES)
    expect(await runSqlMigrations(pgSql(pool), CORE_MIGRATIONS)).toEqual([])
    // The other way round: a fresh schema migrated by runSqlMigrations, then TypeORM.
    await dataSource.query(`DROP SCHEMA public CASCADE; CREATE SCHEMA public`)
    expect(await runSqlMigrations(pgSql(pool), CORE_MIGRATIONS)).toEqual(CORE_NAMES)
    expect(await dataSource.showMigrations()).toBe(false)
    // And the TypeORM classes undo what the shared statements made.
    const runningIndex = () => query(url, `SELECT 1 FROM pg_indexes WHERE indexname = 'UQ_klarna_sync_job_running_queue'`)
    expect(await runningIndex()).toHaveLength(1)
    await dataSource.undoLastMigration({ transaction: "each" })
    expect(await runningIndex()).toHaveLength(0)
    await dataSource.undoLastMigration({ transaction: "each" })
    expect(await columnsOf("klarna_rate_state")).toEqual([])
    await dataSource.undoLastMigration({ transaction: "each" })
    expect(await columnsOf("klarna_order")).not.toContain("merchant_reference1")
  } finally {
    await dataSource.destroy()
  }
})

test("a migration that fails is rolled back whole and not recorded; the next run tries it again", async () => {
  const broken: SqlMigration = {
    name: "Broken1764999999999",
    up: [`CREATE TABLE "half_done" ("id" integer)`, `ALTER TABLE "no_such_table" ADD COLUMN "x" integer`],
    down: [],
  }
  await expect(runSqlMigrations(pgSql(pool), [...CORE_MIGRATIONS, broken])).rejects.toThrow(/no_such_table/)
  expect((await recorded()).map((row) => row.name)).toEqual(CORE_NAMES)
  expect(await query(url, `SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'`)).toEqual([])
  await expect(runSqlMigrations(pgSql(pool), [...CORE_MIGRATIONS, broken])).rejects.toThrow(/no_such_table/)
})

test("a name without its 13-digit timestamp is refused before anything runs", async () => {
  await expect(runSqlMigrations(pgSql(pool), [{ name: "NoTimestamp", up: [`CREATE TABLE "t" ("id" integer)`], down: [] }])).rejects.toThrow(
    "Migration NoTimestamp: the name must end in a 13-digit timestamp",
  )
  expect(await query(url, `SELECT 1 FROM information_schema.tables WHERE table_name = 't'`)).toEqual([])
})

test("one running job per order: a database left with two running jobs of one order (the old claim after a crash) keeps the last claimed one running", async () => {
  const [tables, authorizations, references, rateState, runningIndex] = CORE_MIGRATIONS
  expect(runningIndex.name).toBe("KlarnaSyncJobRunningIndex1764500000000")
  await runSqlMigrations(pgSql(pool), [tables, authorizations, references, rateState])
  const job = (id: string, queue: string, state: string, lockedAt: string | null) =>
    query(
      url,
      `INSERT INTO klarna_sync_job (id, platform_order_id, queue_key, job_key, operation, idempotency_key, state, locked_at, locked_by, attempts, request)
       VALUES ($1, $2, $2, $1, 'capture', $1, $3, $4::timestamptz, CASE WHEN $4::timestamptz IS NULL THEN NULL ELSE 'w' END, 1, '{"captured_amount": 100}')`,
      [id, queue, state, lockedAt],
    )
  // order_a: the expired one, then the one claimed after it (both running); order_b: one running, one pending.
  await job("a_expired", "order_a", "running", "2026-01-01T10:00:00Z")
  await job("a_later", "order_a", "running", "2026-01-01T11:00:00Z")
  await job("b_running", "order_b", "running", "2026-01-01T10:00:00Z")
  await job("b_pending", "order_b", "pending", null)

  expect(await runSqlMigrations(pgSql(pool), [runningIndex])).toEqual([runningIndex.name])
  const rows = await query<{ id: string; state: string; locked_at: Date | null; attempts: number; request: unknown }>(
    url,
    `SELECT id, state, locked_at, attempts, request FROM klarna_sync_job ORDER BY id`,
  )
  // The other one goes back to pending, due now, its attempt still counted and its frozen request kept
  // (its next run resends exactly that under the same key).
  expect(rows.map((row) => [row.id, row.state, row.locked_at === null, row.attempts, row.request])).toEqual([
    ["a_expired", "pending", true, 1, { captured_amount: 100 }],
    ["a_later", "running", false, 1, { captured_amount: 100 }],
    ["b_pending", "pending", true, 1, { captured_amount: 100 }],
    ["b_running", "running", false, 1, { captured_amount: 100 }],
  ])
  // From now on the database refuses a second running job of an order.
  await expect(query(url, `UPDATE klarna_sync_job SET state = 'running', locked_at = now() WHERE id = 'b_pending'`)).rejects.toThrow(
    /UQ_klarna_sync_job_running_queue/,
  )
  // Applying it again (a platform whose first migration already ran it) changes nothing.
  await expect(query(url, runningIndex.up[2])).resolves.toEqual([])
})
