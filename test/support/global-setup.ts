/**
 * Starts one real PostgreSQL for the whole Jest run (unless DATABASE_URL points at one already)
 * and publishes its URL in process.env, which Jest passes on to every test file.
 */
import os from "node:os"
import path from "node:path"
import { startPostgres } from "../../scripts/postgres"

export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) return
  const pg = await startPostgres({
    // Under the OS temp dir: the `postgres` user must be able to reach it when tests run as root.
    dataDir: path.join(os.tmpdir(), `klarna-order-sync-test-pg-${process.pid}`),
    fresh: true,
    database: "kos_test",
  })
  process.env.DATABASE_URL = pg.url
  ;(globalThis as { __KOS_PG__?: unknown }).__KOS_PG__ = pg
}
