/**
 * Runs the real Medusa CLI (node_modules/.bin/medusa) against a project directory (by default demo/):
 * `medusa migrations run` (Medusa's own migrations plus every plugin's dist/migrations) and
 * `medusa user -e -p` (an admin user). The project's medusa-config.js reads everything from the
 * environment, so callers pass DATABASE_URL etc. in `env`.
 */
import { spawn } from "node:child_process"
import fs from "node:fs"
import path from "node:path"
import { DataSource } from "typeorm"

export const REPO_ROOT = path.resolve(__dirname, "..")
export const DEMO_DIR = path.join(REPO_ROOT, "demo")
/** The Medusa v1 plugin's package (npm name klarna-order-sync): Medusa loads it from its dist/. */
export const PLUGIN_ROOT = path.join(REPO_ROOT, "packages", "medusa-v1")
const MEDUSA_BIN = path.join(REPO_ROOT, "node_modules", "@medusajs", "medusa", "cli.js")

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  output: string
  elapsedMs: number
}

export interface CliOptions {
  /** The Medusa project directory (holds medusa-config.js). Default demo/. */
  cwd?: string
  /** Added to process.env. */
  env?: Record<string, string | undefined>
  timeoutMs?: number
  /** The Medusa CLI to run (cli.js of a project's own @medusajs/medusa). Default this repository's. */
  medusaBin?: string
}

/** Environment for any child that runs Medusa: no telemetry, never Jest's NODE_ENV=test (mock services). */
export function medusaChildEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, MEDUSA_DISABLE_TELEMETRY: "true", NODE_ENV: "development" }
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k]
    else env[k] = v
  }
  return env
}

function medusaBin(): string {
  if (fs.existsSync(MEDUSA_BIN)) return MEDUSA_BIN
  return path.join(REPO_ROOT, "node_modules", ".bin", "medusa")
}

/** Runs `medusa <args>`; resolves with exit code and combined output (never rejects on a non-zero exit). */
export function runMedusaCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [options.medusaBin ?? medusaBin(), ...args], {
      cwd: options.cwd ?? DEMO_DIR,
      env: medusaChildEnv(options.env),
      stdio: ["ignore", "pipe", "pipe"],
    })
    let output = ""
    child.stdout.on("data", (d: Buffer) => (output += d.toString()))
    child.stderr.on("data", (d: Buffer) => (output += d.toString()))
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000)
    child.on("error", (err) => {
      clearTimeout(timer)
      reject(err)
    })
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, output, elapsedMs: Date.now() - started })
    })
  })
}

function assertOk(what: string, result: CliResult): CliResult {
  if (result.code !== 0) {
    throw new Error(`${what} failed (exit ${String(result.code ?? result.signal)}):\n${result.output}`)
  }
  return result
}

/**
 * `medusa migrations run` (Medusa's migrations and the plugins') followed by runPluginMigrations(), which
 * covers this plugin when it is loaded from the repository root (see there).
 */
export async function runMigrations(databaseUrl: string, options: CliOptions = {}): Promise<CliResult> {
  const result = await runMedusaCli(["migrations", "run"], {
    ...options,
    env: { ...options.env, DATABASE_URL: databaseUrl },
  })
  assertOk("medusa migrations run", result)
  const started = Date.now()
  const ran = await runPluginMigrations(databaseUrl)
  return {
    ...result,
    output: `${result.output}\nplugin migrations run: ${ran.length ? ran.join(", ") : "none pending"}\n`,
    elapsedMs: result.elapsedMs + (Date.now() - started),
  }
}

/**
 * This plugin's migrations (dist/migrations/*.js) through TypeORM, recorded in Medusa's `migrations` table.
 * Needed because `medusa migrations run` looks for `<plugin>/migrations` FIRST and, finding this
 * repository's top-level migrations/ folder (TypeScript sources, no .js), never reaches dist/migrations
 * when the plugin is loaded from the repo root (`resolve: <repo>` in demo/medusa-config.js). An
 * npm-installed copy (dist only) is not affected. Already-applied migrations are skipped, so this is a
 * no-op whenever Medusa's CLI did run them. Returns the names of the migrations it ran.
 */
export async function runPluginMigrations(databaseUrl: string): Promise<string[]> {
  const dir = path.join(PLUGIN_ROOT, "dist", "migrations")
  if (!fs.existsSync(dir)) return []
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".js"))
  if (files.length === 0) return []
  const dataSource = new DataSource({
    type: "postgres",
    url: databaseUrl,
    migrations: files.map((f) => path.join(dir, f)),
    migrationsTableName: "migrations",
    logging: false,
  })
  await dataSource.initialize()
  try {
    const ran = await dataSource.runMigrations({ transaction: "each" })
    return ran.map((m) => m.name)
  } finally {
    await dataSource.destroy()
  }
}

/** `medusa user -e EMAIL -p PASSWORD`: an admin user that can log in to /admin. */
export async function createAdminUser(databaseUrl: string, email: string, password: string, options: CliOptions = {}): Promise<CliResult> {
  const result = await runMedusaCli(["user", "-e", email, "-p", password], {
    ...options,
    env: { ...options.env, DATABASE_URL: databaseUrl },
  })
  return assertOk("medusa user", result)
}

if (require.main === module) {
  // Usage: ts-node scripts/medusa-cli.ts migrate | user EMAIL PASSWORD   (DATABASE_URL from the environment)
  const [command, ...rest] = process.argv.slice(2)
  const databaseUrl = process.env.DATABASE_URL
  if (!databaseUrl) {
    process.stderr.write("DATABASE_URL is required\n")
    process.exit(2)
  }
  const run =
    command === "migrate"
      ? runMigrations(databaseUrl)
      : command === "user"
        ? createAdminUser(databaseUrl, String(rest[0]), String(rest[1]))
        : Promise.reject(new Error("usage: medusa-cli.ts migrate | user EMAIL PASSWORD"))
  run.then(
    (r) => {
      process.stdout.write(r.output)
      process.stdout.write(`done in ${r.elapsedMs} ms\n`)
    },
    (err: unknown) => {
      process.stderr.write(`${(err as Error).message}\n`)
      process.exit(1)
    },
  )
}
