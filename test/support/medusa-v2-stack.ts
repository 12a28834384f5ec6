/**
 * A real Medusa v2 (2.21.2) server for tests: the project of scripts/medusa-v2-project.ts (installed and built
 * once, cached under the OS temp dir), a fresh database on the suite's PostgreSQL, `medusa db:migrate`,
 * `medusa user`, then the built server (.medusa/server) started as a child process on a free port.
 *
 *   const stack = await startMedusaV2Stack({ name: "v2_boot" })
 *   const orders = await stack.admin.get<{ orders: unknown[] }>("/admin/orders")
 *   await stack.close()
 *
 * Set KOS_MEDUSA_LOGS=1 to stream the server's output to the test's stdout.
 */
import { type ChildProcess, spawn } from "node:child_process"
import fs from "node:fs"
import path from "node:path"
import { ensureMedusaV2Project, type MedusaV2Project } from "../../scripts/medusa-v2-project"
import { freePort } from "../../scripts/free-port"
import { isHealthy } from "../../scripts/http-health"
import { cloneTestDatabase, createTestDatabase, query, renameTestDatabase, testDatabaseExists, uniqueDatabaseName } from "./db"

export const V2_ADMIN_EMAIL = "admin@klarna-order-sync.test"
export const V2_ADMIN_PASSWORD = "supersecret-admin-password"

/** Plugin options for suites that pass none (KOS_KLARNA_OPTIONS): valid, pointing nowhere, worker off. */
const HARNESS_KLARNA_OPTIONS = JSON.stringify({
  credentials: [{ username: "PK_HARNESS", password: "harness-password", baseUrl: "http://127.0.0.1:9" }],
  worker: { enabled: false },
})

/** Environment of every Medusa v2 child: no telemetry, never Jest's NODE_ENV=test, no ts-node settings of ours. */
function v2Env(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|TS_NODE_)/i.test(key)) env[key] = value
  }
  Object.assign(env, { MEDUSA_DISABLE_TELEMETRY: "true", NODE_ENV: "development" })
  // The plugin refuses to boot without valid options (credentials are required): a suite that does not
  // sync gets credentials for a closed port and no worker.
  env.KOS_KLARNA_OPTIONS ??= HARNESS_KLARNA_OPTIONS
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key]
    else env[key] = value
  }
  return env
}

interface CliRun {
  output: string
  ms: number
}

/** `medusa <args>` in `cwd` with the project's own CLI; rejects with the output on a non-zero exit. */
function medusaCli(project: MedusaV2Project, args: string[], env: Record<string, string | undefined>, cwd = project.dir): Promise<CliRun> {
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [project.medusaBin, ...args], { cwd, env: v2Env(env), stdio: ["ignore", "pipe", "pipe"] })
    let output = ""
    child.stdout.on("data", (d: Buffer) => (output += d.toString()))
    child.stderr.on("data", (d: Buffer) => (output += d.toString()))
    const timer = setTimeout(() => child.kill("SIGKILL"), 300_000)
    child.on("error", reject)
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      if (code === 0) resolve({ output, ms: Date.now() - started })
      else reject(new Error(`medusa ${args.join(" ")} failed (exit ${String(code ?? signal)}):\n${output.slice(-8000)}`))
    })
  })
}

export interface V2Timings {
  /** What ensureMedusaV2Project did (npm install, medusa build), cached or not. */
  project: MedusaV2Project["steps"]
  migrateMs: number
  userMs: number
  /** Spawn to a 200 on /health. */
  bootMs: number
}

/** `medusa db:migrate` and `medusa user -e -p` on a database. */
export async function prepareV2Database(
  project: MedusaV2Project,
  databaseUrl: string,
  admin = { email: V2_ADMIN_EMAIL, password: V2_ADMIN_PASSWORD },
  options: {
    skipExistingUser?: boolean
    /** More environment for the CLI: both commands load every module, the plugin's option check included. */
    env?: Record<string, string | undefined>
  } = {},
): Promise<{ migrateMs: number; userMs: number }> {
  const env = { ...options.env, DATABASE_URL: databaseUrl }
  const migrate = await medusaCli(project, ["db:migrate"], env)
  // A database migrated before (the demo's second start) has the user already; `medusa user` would fail on it.
  if (options.skipExistingUser) {
    const existing = await query(databaseUrl, `SELECT 1 FROM "user" WHERE email = $1 AND deleted_at IS NULL`, [admin.email])
    if (existing.length > 0) return { migrateMs: migrate.ms, userMs: 0 }
  }
  const user = await medusaCli(project, ["user", "-e", admin.email, "-p", admin.password], env)
  return { migrateMs: migrate.ms, userMs: user.ms }
}

export interface MedusaV2Server {
  url: string
  port: number
  pid: number
  bootMs: number
  /** Resident memory of the server process and its children (the admin's esbuild service) in bytes, from /proc. */
  rssBytes(): number
  logs(): string
  /** SIGTERM, then SIGKILL after timeoutMs (default 15 s); resolves when the process is gone. */
  stop(timeoutMs?: number): Promise<void>
}

/** RSS of a process and its descendants (Linux /proc; 0 elsewhere or once gone). */
function treeRssBytes(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))
    const children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").split(/\s+/).filter(Boolean).map(Number)
    return (kb ? Number(kb[1]) * 1024 : 0) + children.reduce((sum, child) => sum + treeRssBytes(child), 0)
  } catch {
    return 0
  }
}

const live = new Set<ChildProcess>()
process.on("exit", () => {
  for (const child of live) child.kill("SIGKILL")
})

/**
 * `medusa start` in the built server (.medusa/server, which resolves its packages from the project's
 * node_modules one level up: no second install), listening on 127.0.0.1:<port>.
 */
export async function startMedusaV2(
  project: MedusaV2Project,
  options: {
    databaseUrl: string
    port?: number
    /** Serve the built admin dashboard at /app. Default false: only the widget tests need it. */
    admin?: boolean
    env?: Record<string, string | undefined>
    startTimeoutMs?: number
    /** Every chunk of the server's output (the demo writes it to its log file). */
    onOutput?: (text: string) => void
  },
): Promise<MedusaV2Server> {
  if (!project.built) throw new Error("startMedusaV2: the project is not built (ensureMedusaV2Project({ build: true }))")
  const port = options.port ?? (await freePort())
  const url = `http://127.0.0.1:${port}`
  const serverDir = path.join(project.dir, ".medusa", "server")
  const started = Date.now()
  const child = spawn(process.execPath, [project.medusaBin, "start", "--port", String(port)], {
    cwd: serverDir,
    env: v2Env({
      DATABASE_URL: options.databaseUrl,
      PORT: String(port),
      HOST: "127.0.0.1",
      KOS_ADMIN_DISABLE: options.admin ? "false" : "true",
      // Medusa serves the built admin only in production; under "development" even `medusa start` runs the
      // admin's Vite dev server (esbuild, ~650 MB, and a .vite cache in .medusa/server growing ~35 MB per boot).
      NODE_ENV: "production",
      ...options.env,
    }),
    stdio: ["ignore", "pipe", "pipe"],
  })
  live.add(child)
  let output = ""
  const collect = (d: Buffer): void => {
    // The tail only: a demo server runs for hours.
    output = (output + d.toString()).slice(-500_000)
    options.onOutput?.(d.toString())
    if (process.env.KOS_MEDUSA_LOGS === "1") process.stdout.write(d)
  }
  child.stdout?.on("data", collect)
  child.stderr?.on("data", collect)
  let exited: { code: number | null; signal: string | null } | undefined
  const exitPromise = new Promise<void>((resolve) =>
    child.on("exit", (code, signal) => {
      exited = { code, signal }
      live.delete(child)
      resolve()
    }),
  )

  const deadline = started + (options.startTimeoutMs ?? 90_000)
  while (!(await isHealthy(url))) {
    if (exited) throw new Error(`medusa start exited (${String(exited.code ?? exited.signal)}) before /health:\n${output.slice(-8000)}`)
    if (Date.now() > deadline) {
      child.kill("SIGKILL")
      await exitPromise
      throw new Error(`medusa start: ${url}/health not healthy after ${Date.now() - started} ms:\n${output.slice(-8000)}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  const bootMs = Date.now() - started

  return {
    url,
    port,
    pid: child.pid ?? 0,
    bootMs,
    logs: () => output,
    rssBytes: () => treeRssBytes(child.pid ?? 0),
    stop: async (timeoutMs = 15_000) => {
      if (exited) return
      child.kill("SIGTERM")
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
      await exitPromise
      clearTimeout(timer)
    },
  }
}

/** The admin API as an admin user: bearer token from POST /auth/user/emailpass. */
export interface V2AdminApi {
  token: string
  request<T = unknown>(method: string, route: string, body?: unknown): Promise<{ status: number; body: T }>
  /** GET, throwing on anything but 2xx. */
  get<T = unknown>(route: string): Promise<T>
  /** POST, throwing on anything but 2xx. */
  post<T = unknown>(route: string, body?: unknown): Promise<T>
}

export async function loginV2Admin(url: string, email = V2_ADMIN_EMAIL, password = V2_ADMIN_PASSWORD): Promise<V2AdminApi> {
  const login = await fetch(`${url}/auth/user/emailpass`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  })
  const loginBody = (await login.json()) as { token?: string }
  if (login.status !== 200 || !loginBody.token) throw new Error(`admin login failed (${login.status}): ${JSON.stringify(loginBody)}`)
  const token = loginBody.token

  const request = async <T>(method: string, route: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${url}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T }
  }
  const ok = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
    const res = await request<T>(method, route, body)
    if (res.status < 200 || res.status >= 300) throw new Error(`${method} ${route} answered ${res.status}: ${JSON.stringify(res.body)}`)
    return res.body
  }
  return {
    token,
    request,
    get: (route) => ok("GET", route),
    post: (route, body) => ok("POST", route, body),
  }
}

export interface MedusaV2Stack {
  project: MedusaV2Project
  databaseUrl: string
  server: MedusaV2Server
  admin: V2AdminApi
  timings: V2Timings
  sql<T extends Record<string, unknown> = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>
  close(): Promise<void>
}

/**
 * A fresh database with Medusa's and the plugin's tables and the admin user: a copy of a template database
 * migrated once per build of the project (`medusa db:migrate` takes 16-37 s; a copy well under a second).
 * The template is named after the build's fingerprint (which covers the plugin and so its migrations), built
 * under a temporary name and renamed when complete, so a run killed while migrating leaves no half template.
 */
export async function migratedV2Database(
  project: MedusaV2Project,
  name: string,
): Promise<{ databaseUrl: string; migrateMs: number; userMs: number }> {
  const built = fs.readFileSync(path.join(project.dir, ".kos-built"), "utf8").trim()
  const template = `kos_v2_template_${built}`
  let timings = { migrateMs: 0, userMs: 0 }
  if (!(await testDatabaseExists(template))) {
    const building = `${template}_${process.pid}`
    timings = await prepareV2Database(project, await createTestDatabase(building))
    await renameTestDatabase(building, template)
  }
  return { databaseUrl: await cloneTestDatabase(name, template), ...timings }
}

/** The whole thing: project (cached), fresh database, migrations, admin user, server, logged-in admin API. */
export async function startMedusaV2Stack(
  options: { name?: string; admin?: boolean; env?: Record<string, string | undefined> } = {},
): Promise<MedusaV2Stack> {
  const project = await ensureMedusaV2Project()
  const { databaseUrl, migrateMs, userMs } = await migratedV2Database(project, uniqueDatabaseName(options.name ?? "kos_v2"))
  const server = await startMedusaV2(project, { databaseUrl, admin: options.admin, env: options.env })
  try {
    const admin = await loginV2Admin(server.url)
    return {
      project,
      databaseUrl,
      server,
      admin,
      timings: { project: project.steps, migrateMs, userMs, bootMs: server.bootMs },
      sql: (text, params) => query(databaseUrl, text, params),
      close: () => server.stop(),
    }
  } catch (error) {
    await server.stop()
    throw error
  }
}
