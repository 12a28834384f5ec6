/**
 * The plugin's tables as plain SQL, applied once each through the SQL port and recorded by name, so a
 * restart (or a second server starting at the same moment) runs nothing twice. The record is TypeORM's
 * own `migrations` table, same columns: a database TypeORM migrated before (a Medusa store, or the Shopify
 * server before it ran on pg) is recognised as it is, and TypeORM recognises these records in turn.
 * The TypeORM migration classes (src/migrations) run the same statements from the same constants.
 */
import type { SqlPort } from "./sql-port"

export interface SqlMigration {
  /** TypeORM's name for it: class name, ending in its 13-digit timestamp. */
  name: string
  /** One statement per entry, applied in order, in one transaction. */
  up: readonly string[]
  down: readonly string[]
}

/** Serialises migrating servers: the first applies, the others then find it recorded. */
const MIGRATION_LOCK_ID = 7_253_140

const MIGRATIONS_TABLE = `
  CREATE TABLE IF NOT EXISTS "migrations" (
    "id" SERIAL NOT NULL,
    "timestamp" bigint NOT NULL,
    "name" character varying NOT NULL,
    CONSTRAINT "PK_8c82d7f526340ab734260ea46be" PRIMARY KEY ("id")
  )`

/** Applies the migrations not recorded yet, in the given order, each in its own transaction. Returns the names applied. */
export async function runSqlMigrations(sql: SqlPort, migrations: readonly SqlMigration[]): Promise<string[]> {
  const applied: string[] = []
  for (const migration of migrations) {
    const timestamp = timestampOf(migration)
    const ran = await sql.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock($1)`, [MIGRATION_LOCK_ID])
      await tx.query(MIGRATIONS_TABLE)
      const recorded = await tx.query(`SELECT 1 FROM "migrations" WHERE "name" = $1`, [migration.name])
      if (recorded.length > 0) return false
      await runStatements(tx, migration.up)
      await tx.query(`INSERT INTO "migrations" ("timestamp", "name") VALUES ($1, $2)`, [timestamp, migration.name])
      return true
    })
    if (ran) applied.push(migration.name)
  }
  return applied
}

/** Runs statements one by one on anything with a query(text) (a SqlPort, or a TypeORM QueryRunner). */
export async function runStatements(runner: { query(text: string): Promise<unknown> }, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await runner.query(statement)
}

function timestampOf(migration: SqlMigration): number {
  const digits = /(\d{13})$/.exec(migration.name)
  if (!digits) throw new Error(`Migration ${migration.name}: the name must end in a 13-digit timestamp`)
  return Number(digits[1])
}
