import type { RunningPostgres } from "../../scripts/postgres"

export default async function globalTeardown(): Promise<void> {
  const pg = (globalThis as { __KOS_PG__?: RunningPostgres }).__KOS_PG__
  if (pg) await pg.stop()
}
