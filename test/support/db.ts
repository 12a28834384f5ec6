/**
 * Databases for tests. Jest's globalSetup starts one PostgreSQL per run and publishes its URL in
 * DATABASE_URL (database kos_test); a test that needs a database of its own (e.g. a Medusa store) creates
 * a fresh one on that same server.
 */
import { Client } from "pg"

export function serverUrl(): string {
  const url = process.env.DATABASE_URL
  if (!url) throw new Error("DATABASE_URL is not set: run the tests through Jest (test/support/global-setup.ts)")
  return url
}

/** The same server and credentials, another database. */
export function databaseUrlFor(name: string, baseUrl: string = serverUrl()): string {
  const url = new URL(baseUrl)
  url.pathname = `/${name}`
  return url.toString()
}

function assertName(name: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new Error(`createTestDatabase: "${name}" is not a valid database name (lower case, digits, _; max 63)`)
  }
}

/** A unique, valid database name: `<prefix>_<pid>_<counter>_<random>`. */
let counter = 0
export function uniqueDatabaseName(prefix: string): string {
  counter += 1
  const safe = prefix
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, "_")
    .slice(0, 30)
  return `${safe}_${process.pid}_${counter}_${Math.random().toString(36).slice(2, 8)}`
}

async function withMaintenanceClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrlFor("postgres") })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/**
 * Creates (drops first, if it exists) a database on the test server and returns its URL.
 */
export async function createTestDatabase(name: string): Promise<string> {
  assertName(name)
  await withMaintenanceClient(async (client) => {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
    await client.query(`CREATE DATABASE "${name}"`)
  })
  return databaseUrlFor(name)
}

/** Creates (drops first, if it exists) a database as a copy of `template`, which nobody may be connected to. */
export async function cloneTestDatabase(name: string, template: string): Promise<string> {
  assertName(name)
  assertName(template)
  await withMaintenanceClient(async (client) => {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
    await client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`)
  })
  return databaseUrlFor(name)
}

/** Whether a database of that name exists on the test server. */
export async function testDatabaseExists(name: string): Promise<boolean> {
  assertName(name)
  return withMaintenanceClient(
    async (client) => (await client.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name])).rowCount === 1,
  )
}

/** Renames a database (nobody may be connected to it). */
export async function renameTestDatabase(from: string, to: string): Promise<void> {
  assertName(from)
  assertName(to)
  await withMaintenanceClient(async (client) => {
    await client.query(`DROP DATABASE IF EXISTS "${to}" WITH (FORCE)`)
    await client.query(`ALTER DATABASE "${from}" RENAME TO "${to}"`)
  })
}

export async function dropTestDatabase(name: string): Promise<void> {
  assertName(name)
  await withMaintenanceClient(async (client) => {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
  })
}

/** Runs one query against a database URL with a short-lived client. */
export async function query<T extends Record<string, unknown> = Record<string, unknown>>(
  databaseUrl: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    const result = await client.query(sql, params)
    return result.rows as T[]
  } finally {
    await client.end()
  }
}
