/**
 * Starts one real PostgreSQL for the whole Jest run (unless DATABASE_URL points at one already)
 * and publishes its URL in process.env, which Jest passes on to every test file.
 */
import { startPostgres } from "../../scripts/postgres"

export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) return
  const pg = await startPostgres({ dataDir: ".cache/test-postgres", fresh: true })
  process.env.DATABASE_URL = pg.url
  ;(globalThis as { __KOS_PG__?: unknown }).__KOS_PG__ = pg
}
