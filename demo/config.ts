/**
 * The demo's settings, all from the environment (documented in docs/demo.md):
 *
 *   DEMO_DIR                 where the demo keeps its data, logs and state.json (default <repo>/.demo)
 *   DEMO_MEDUSA_PORT         Medusa (store API, admin API, admin UI at /app)            default 9000
 *   KLARNA_SIMULATOR_PORT    the Klarna OM simulator                                     default 4010
 *   DEMO_POSTGRES_PORT       the embedded PostgreSQL                                     default 54329
 *   DATABASE_URL             use this PostgreSQL database instead of the embedded one
 *   DEMO_ADMIN_EMAIL / DEMO_ADMIN_PASSWORD   the admin login        default admin@example.com / supersecret
 *   KLARNA_SIMULATOR_USERNAME / KLARNA_SIMULATOR_PASSWORD   default PK_SIMULATOR / simulator-secret
 *   DEMO_ADMIN               "false": don't build or serve the admin UI (API only, starts faster)
 *   MEDUSA_ADMIN_BUILD_DIR   where the built admin is (built on first start when missing)
 *   DEMO_LOGS                "1": also stream Medusa's output to the terminal (it always goes to DEMO_DIR/logs)
 *   REDIS_URL                optional; Medusa then uses its Redis event bus (see demo/medusa-config.js)
 */
import path from "node:path"
import { REPO_ROOT } from "../scripts/medusa-cli"

export interface DemoConfig {
  repoRoot: string
  demoDir: string
  stateFile: string
  logDir: string
  simulatorStateFile: string
  medusaPort: number
  simulatorPort: number
  postgresPort: number
  /** Set: use it; unset: embedded PostgreSQL. */
  externalDatabaseUrl?: string
  adminEmail: string
  adminPassword: string
  simulatorUsername: string
  simulatorPassword: string
  admin: boolean
  /** Explicit MEDUSA_ADMIN_BUILD_DIR, if any. */
  adminBuildDir?: string
  streamLogs: boolean
}

export const DEFAULT_PORTS = { medusa: 9000, simulator: 4010, postgres: 54329 } as const

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]
  if (raw === undefined || raw === "") return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw new Error(`${name}=${raw} is not a TCP port (1-65535)`)
  return value
}

const isFalse = (value: string | undefined): boolean => ["false", "0", "no", "off"].includes((value ?? "").trim().toLowerCase())

export function demoDirFrom(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.DEMO_DIR || path.join(REPO_ROOT, ".demo"))
}

export function loadDemoConfig(env: NodeJS.ProcessEnv = process.env): DemoConfig {
  const demoDir = demoDirFrom(env)
  return {
    repoRoot: REPO_ROOT,
    demoDir,
    stateFile: path.join(demoDir, "state.json"),
    logDir: path.join(demoDir, "logs"),
    simulatorStateFile: path.join(demoDir, "simulator-state.json"),
    medusaPort: port(env, "DEMO_MEDUSA_PORT", DEFAULT_PORTS.medusa),
    simulatorPort: port(env, "KLARNA_SIMULATOR_PORT", DEFAULT_PORTS.simulator),
    postgresPort: port(env, "DEMO_POSTGRES_PORT", DEFAULT_PORTS.postgres),
    externalDatabaseUrl: env.DATABASE_URL || undefined,
    adminEmail: env.DEMO_ADMIN_EMAIL || "admin@example.com",
    adminPassword: env.DEMO_ADMIN_PASSWORD || "supersecret",
    simulatorUsername: env.KLARNA_SIMULATOR_USERNAME || "PK_SIMULATOR",
    simulatorPassword: env.KLARNA_SIMULATOR_PASSWORD || "simulator-secret",
    admin: !isFalse(env.DEMO_ADMIN),
    adminBuildDir: env.MEDUSA_ADMIN_BUILD_DIR ? path.resolve(env.MEDUSA_ADMIN_BUILD_DIR) : undefined,
    streamLogs: env.DEMO_LOGS === "1",
  }
}
