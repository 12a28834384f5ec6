/**
 * A real Medusa v1 server for tests: the demo store (demo/medusa-config.js, which loads this plugin from
 * the repo root, i.e. from dist/) started by scripts/medusa-server.ts as a CHILD PROCESS bound to
 * 127.0.0.1, so a test can SIGTERM it, SIGKILL it or restart it against the same database.
 *
 *   const db = await createTestDatabase("checkout")
 *   await prepareDatabase(db)                      // migrations (+ the plugin's) and the admin user
 *   const medusa = await startMedusa({ databaseUrl: db, klarnaBaseUrl: sim.url, ... })
 *   ... fetch(`${medusa.url}/store/...`) ...
 *   await medusa.stop()
 *
 * Set KOS_MEDUSA_LOGS=1 to stream the server's output to the test's stdout.
 */
import { type ChildProcess, spawn } from "node:child_process"
import crypto from "node:crypto"
import fs from "node:fs"
import path from "node:path"
import { createAdminUser, DEMO_DIR, medusaChildEnv, PLUGIN_ROOT, REPO_ROOT, runMigrations } from "../../scripts/medusa-cli"
import { query } from "./db"
import { isHealthy } from "../../scripts/http-health"

export const ADMIN_EMAIL = "admin@klarna-order-sync.test"
export const ADMIN_PASSWORD = "supersecret-admin-password"

const SERVER_SCRIPT = path.join(REPO_ROOT, "scripts", "medusa-server.ts")
const TS_NODE_REGISTER = require.resolve("ts-node/register/transpile-only")
const MAX_LOG_CHARS = 4_000_000

export interface StartMedusaOptions {
  databaseUrl: string
  /** Klarna base URL (the simulator's URL). */
  klarnaBaseUrl?: string
  klarnaUsername?: string
  klarnaPassword?: string
  /** Merged over the demo's plugin options (KLARNA_PLUGIN_OPTIONS). */
  pluginOptions?: Record<string, unknown>
  /** Use Medusa's Redis event bus instead of the local one. */
  redisUrl?: string
  /** Default: a free port chosen by the OS at first start (kept across restart()). */
  port?: number
  /** Extra environment for the server (undefined removes a variable). */
  env?: Record<string, string | undefined>
  /** The Medusa project directory. Default demo/. */
  directory?: string
  /** How long to wait for GET /health. Default 60 s. */
  startTimeoutMs?: number
  /** Print the captured output when starting fails. Default true. */
  printLogsOnFailure?: boolean
}

export interface ExitInfo {
  code: number | null
  signal: NodeJS.Signals | null
}

export interface MedusaServer {
  url: string
  port: number
  /** pid of the current server process. */
  readonly pid: number
  /** Milliseconds from spawn to a healthy GET /health, of the latest (re)start. */
  readonly startupMs: number
  /** SIGTERM (graceful shutdown) and wait for the exit; SIGKILL after timeoutMs (default 20 s). */
  stop(timeoutMs?: number): Promise<ExitInfo>
  /** SIGKILL and wait for the exit: a crash. */
  kill(): Promise<ExitInfo>
  /** Stop if running, then start again on the same port and database. */
  restart(overrides?: Partial<StartMedusaOptions>): Promise<void>
  /** Everything the server wrote to stdout/stderr so far (all starts). */
  logs(): string
  /** Resolves when the current process exits. */
  exited(): Promise<ExitInfo>
  readonly running: boolean
}

/** Starting failed: the process exited or never became healthy. Carries the output. */
export class MedusaStartError extends Error {
  override readonly name = "MedusaStartError"
  constructor(
    message: string,
    readonly output: string,
    readonly exit?: ExitInfo,
  ) {
    super(message)
  }
}

// ---------------------------------------------------------------------------------------------
// Build check
// ---------------------------------------------------------------------------------------------

/** Medusa loads the plugin from packages/medusa-v1/dist: it must have been built. */
export function assertPluginBuilt(): void {
  const dist = path.join(PLUGIN_ROOT, "dist")
  const marker = path.join(dist, "services", "klarna-payment.js")
  if (!fs.existsSync(marker)) {
    throw new Error(`The plugin is not built (${path.relative(REPO_ROOT, marker)} is missing): run npm run build before the Medusa tests`)
  }
}

// ---------------------------------------------------------------------------------------------
// Database preparation
// ---------------------------------------------------------------------------------------------

const prepared = new Map<string, Promise<void>>()

export interface PrepareDatabaseOptions {
  adminEmail?: string
  adminPassword?: string
  /** Skip the admin user. */
  noAdmin?: boolean
  directory?: string
  /**
   * Environment for the CLI. Feature flags matter: Medusa runs a flag's migrations only when the flag is on,
   * so a server started with e.g. MEDUSA_FF_TAX_INCLUSIVE_PRICING=true needs a database prepared with it too.
   */
  env?: Record<string, string | undefined>
}

/**
 * Runs Medusa's migrations (`medusa migrations run`) and the plugin's (scripts/medusa-cli.ts
 * runPluginMigrations), then creates the admin user (`medusa user`) unless it exists. Once per database
 * per process; cheap to call again.
 */
export function prepareDatabase(databaseUrl: string, options: PrepareDatabaseOptions = {}): Promise<void> {
  const key = `${databaseUrl}#${options.noAdmin ? "" : (options.adminEmail ?? ADMIN_EMAIL)}#${JSON.stringify(options.env ?? {})}`
  let promise = prepared.get(key)
  if (!promise) {
    promise = doPrepare(databaseUrl, options)
    prepared.set(key, promise)
    promise.catch(() => prepared.delete(key))
  }
  return promise
}

async function doPrepare(databaseUrl: string, options: PrepareDatabaseOptions): Promise<void> {
  assertPluginBuilt()
  const cwd = options.directory ?? DEMO_DIR
  await runMigrations(databaseUrl, { cwd, env: options.env }) // Medusa's CLI + the plugin's dist/migrations
  if (!options.noAdmin) {
    const email = options.adminEmail ?? ADMIN_EMAIL
    const existing = await query(databaseUrl, `SELECT 1 FROM "user" WHERE email = $1 AND deleted_at IS NULL`, [email])
    if (existing.length === 0) {
      await createAdminUser(databaseUrl, email, options.adminPassword ?? ADMIN_PASSWORD, { cwd, env: options.env })
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

const live = new Set<ChildProcess>()
let exitHookInstalled = false
function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on("exit", () => {
    for (const child of live) {
      try {
        child.kill("SIGKILL")
      } catch {
        /* already gone */
      }
    }
  })
}

/**
 * Medusa's signing secrets, random per test process: shared by every server this process starts, so a
 * token stays valid across a restart and between two servers of one test (demo/medusa-config.js would
 * otherwise draw new ones per server process).
 */
const TEST_SECRETS = { JWT_SECRET: crypto.randomBytes(32).toString("hex"), COOKIE_SECRET: crypto.randomBytes(32).toString("hex") }

function serverEnv(options: StartMedusaOptions): NodeJS.ProcessEnv {
  return medusaChildEnv({
    ...TEST_SECRETS,
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    KLARNA_BASE_URL: options.klarnaBaseUrl,
    KLARNA_USERNAME: options.klarnaUsername,
    KLARNA_PASSWORD: options.klarnaPassword,
    KLARNA_PLUGIN_OPTIONS: options.pluginOptions ? JSON.stringify(options.pluginOptions) : undefined,
    KLARNA_ENABLE_UI: "false",
    MEDUSA_ADMIN_SERVE: undefined,
    // ts-node looks for tsconfig.json from the project directory; a store outside the repository has none.
    TS_NODE_PROJECT: path.join(REPO_ROOT, "tsconfig.json"),
    ...options.env,
  })
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

class ServerProcess implements MedusaServer {
  url = ""
  port = 0
  startupMs = 0
  private child: ChildProcess | undefined
  private exitPromise: Promise<ExitInfo> = Promise.resolve({ code: null, signal: null })
  private output = ""
  private stream = process.env.KOS_MEDUSA_LOGS === "1"

  constructor(private options: StartMedusaOptions) {}

  get pid(): number {
    return this.child?.pid ?? -1
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
  }

  logs(): string {
    return this.output
  }

  exited(): Promise<ExitInfo> {
    return this.exitPromise
  }

  private append(text: string): void {
    this.output += text
    if (this.output.length > MAX_LOG_CHARS) this.output = this.output.slice(-MAX_LOG_CHARS)
    if (this.stream) process.stdout.write(text)
  }

  async start(): Promise<void> {
    assertPluginBuilt()
    installExitHook()
    const started = Date.now()
    const directory = this.options.directory ?? DEMO_DIR
    const requestedPort = this.port || this.options.port || 0
    const child = spawn(
      process.execPath,
      // ts-node by absolute path: the project directory may be a store outside this repository (no ts-node there).
      ["-r", TS_NODE_REGISTER, SERVER_SCRIPT, "--directory", directory, "--host", "127.0.0.1", "--port", String(requestedPort)],
      { cwd: directory, env: serverEnv(this.options), stdio: ["ignore", "pipe", "pipe"] },
    )
    this.child = child
    live.add(child)
    this.append(`\n===== medusa-server pid ${child.pid} port ${requestedPort || "(auto)"} =====\n`)
    this.exitPromise = new Promise<ExitInfo>((resolve) => {
      child.once("exit", (code, signal) => {
        live.delete(child)
        this.append(`\n===== medusa-server pid ${child.pid} exited: code ${code} signal ${signal} =====\n`)
        resolve({ code, signal })
      })
      child.once("error", (err) => {
        live.delete(child)
        this.append(`\n===== spawn error: ${err.message} =====\n`)
        resolve({ code: -1, signal: null })
      })
    })

    let readyPort: number | undefined
    const onData = (d: Buffer): void => {
      const text = d.toString()
      this.append(text)
      const m = /Server is ready on http:\/\/[^:\s]+:(\d+)/.exec(text)
      if (m) readyPort = Number(m[1])
    }
    child.stdout?.on("data", onData)
    child.stderr?.on("data", (d: Buffer) => this.append(d.toString()))

    let exit: ExitInfo | undefined
    void this.exitPromise.then((e) => (exit = e))
    const deadline = started + (this.options.startTimeoutMs ?? 60_000)
    while (Date.now() < deadline) {
      if (exit) break
      if (readyPort !== undefined) {
        const url = `http://127.0.0.1:${readyPort}`
        if (await isHealthy(url)) {
          this.port = readyPort
          this.url = url
          this.startupMs = Date.now() - started
          return
        }
      }
      await sleep(100)
    }
    if (!exit) {
      child.kill("SIGKILL")
      exit = await this.exitPromise
    }
    const reason =
      exit.code !== null || exit.signal !== null
        ? `exited (code ${exit.code}, signal ${exit.signal}) before becoming healthy`
        : "did not become healthy"
    if (this.options.printLogsOnFailure !== false) {
      process.stderr.write(`Medusa ${reason}. Output:\n${this.output.slice(-20_000)}\n`)
    }
    throw new MedusaStartError(`Medusa ${reason} (${Date.now() - started} ms)`, this.output, exit)
  }

  async stop(timeoutMs = 20_000): Promise<ExitInfo> {
    const child = this.child
    if (!child || !this.running) return this.exitPromise
    child.kill("SIGTERM")
    const timer = setTimeout(() => {
      if (this.running) child.kill("SIGKILL")
    }, timeoutMs)
    try {
      return await this.exitPromise
    } finally {
      clearTimeout(timer)
    }
  }

  async kill(): Promise<ExitInfo> {
    const child = this.child
    if (!child || !this.running) return this.exitPromise
    child.kill("SIGKILL")
    return this.exitPromise
  }

  async restart(overrides: Partial<StartMedusaOptions> = {}): Promise<void> {
    await this.stop()
    this.options = { ...this.options, ...overrides }
    await this.start()
  }
}

/**
 * Starts the demo store with this plugin as a child process and waits for GET /health.
 * Rejects with MedusaStartError (carrying the output) if the process exits or stays unhealthy for
 * startTimeoutMs. Call prepareDatabase(databaseUrl) first.
 */
export async function startMedusa(options: StartMedusaOptions): Promise<MedusaServer> {
  const server = new ServerProcess(options)
  await server.start()
  return server
}
