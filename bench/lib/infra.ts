/**
 * The services the benchmarks run against: one embedded PostgreSQL (under the OS temp dir, so the
 * `postgres` user can reach it when the bench runs as root), the Klarna simulator in a process of its
 * own (Klarna is remote: its CPU must not be charged to the engine's process), and redis-server for
 * the Redis event bus. All are stopped by cleanupAll().
 */
import fs from "node:fs"
import os from "node:os"
import path from "node:path"
import { Client } from "pg"
import { freePort } from "../../scripts/free-port"
import { startPostgres, type RunningPostgres } from "../../scripts/postgres"
import { onCleanup, spawnTracked } from "./processes"

export const REPO_ROOT = path.resolve(__dirname, "..", "..")

export async function startBenchPostgres(): Promise<RunningPostgres> {
  const dataDir = path.join(os.tmpdir(), `klarna-order-sync-bench-pg-${process.pid}`)
  // pg_stat_statements counts the statements each database receives (measure 6, idle_load).
  const flags = ["-c", "shared_preload_libraries=pg_stat_statements"]
  const pg = await startPostgres({ dataDir, fresh: true, database: "kos_bench", flags })
  onCleanup("postgres", async () => {
    await pg.stop()
    fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 })
  })
  return pg
}

/** The same server, another database. */
export function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return url.toString()
}

/** CREATE DATABASE (optionally as a copy of `template`, which must have no open connections). */
export async function createDatabase(serverUrl: string, name: string, template?: string): Promise<string> {
  const client = new Client({ connectionString: databaseUrl(serverUrl, "postgres") })
  await client.connect()
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
    await client.query(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ""}`)
  } finally {
    await client.end()
  }
  return databaseUrl(serverUrl, name)
}

export async function sql<T = Record<string, unknown>>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(text, params)).rows as T[]
  } finally {
    await client.end()
  }
}

export interface SimulatorProcess {
  url: string
  username: string
  password: string
  pid: number
}

export async function startSimulatorProcess(): Promise<SimulatorProcess> {
  const port = await freePort()
  const username = "PK_BENCH"
  const password = "bench-secret"
  const sim = spawnTracked(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", path.join(REPO_ROOT, "packages", "simulator", "main.ts")],
    {
      name: "simulator",
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        KLARNA_SIMULATOR_PORT: String(port),
        KLARNA_SIMULATOR_USERNAME: username,
        KLARNA_SIMULATOR_PASSWORD: password,
      },
    },
  )
  const match = await sim.waitFor(/listening on (http:\/\/\S+)/, 60_000)
  return { url: match[1], username, password, pid: sim.pid }
}

export async function startRedis(): Promise<string> {
  const port = await freePort()
  const redis = spawnTracked("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    name: "redis-server",
  })
  await redis.waitFor(/Ready to accept connections/, 20_000)
  return `redis://127.0.0.1:${port}`
}

/** The simulator's control API (not Klarna: never logged, never faulted). */
export async function simControl<T = unknown>(simUrl: string, method: string, pathname: string, body?: unknown): Promise<T> {
  const response = await fetch(`${simUrl}${pathname}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  if (!response.ok) throw new Error(`simulator ${method} ${pathname} -> ${response.status}: ${text.slice(0, 2000)}`)
  return (text ? JSON.parse(text) : undefined) as T
}

export interface SimLogEntry {
  seq: number
  method: string
  path: string
  status: number | null
  body: unknown
  response: { body: unknown } | null
  replayed?: boolean
  headers: Record<string, string>
}

export function simRequests(simUrl: string): Promise<SimLogEntry[]> {
  return simControl<SimLogEntry[]>(simUrl, "GET", "/__sim/requests")
}

export function machine() {
  return {
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model ?? "unknown",
    mem_gb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    load_avg: os.loadavg().map((value) => Math.round(value * 100) / 100),
  }
}
