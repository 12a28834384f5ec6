/**
 * `npm run demo:v2`: the Medusa v2 demo store with the v2 plugin, beside `npm start`'s v1 store.
 *
 *   1. the Medusa v2 project (scripts/medusa-v2-project.ts: installed and built once, cached under the OS temp
 *      dir; the plugin is built with `medusa plugin:build` and installed into it as npm would);
 *   2. PostgreSQL: embedded (data in DEMO_DIR/v2/postgres) or DATABASE_URL;
 *   3. the Klarna OM simulator, its state kept in DEMO_DIR/v2/simulator-state.json;
 *   4. `medusa db:migrate` (Medusa's tables and the plugin's) and the admin user;
 *   5. `medusa start` with the admin at /app (the widget on the order page);
 *   6. on the first start only: a store that sells with Klarna (pp_klarna_klarna) and five Klarna orders.
 * Then it prints its URLs and login and writes DEMO_DIR/v2/state.json (the shape of .demo/state.json, plus
 * store.stock_location_id). Ctrl-C stops Medusa, the simulator and PostgreSQL. Settings: demo/v2/config.ts.
 */
import fs from "node:fs"
import path from "node:path"
import { startSimulator, type RunningSimulator } from "../../packages/simulator/server"
import { ensureMedusaV2Project } from "../../scripts/medusa-v2-project"
import { loginV2Admin, prepareV2Database, startMedusaV2, type MedusaV2Server } from "../../test/support/medusa-v2-stack"
import { loadDemoV2Config } from "./config"
import {
  chooseDataDir,
  detachEmbeddedPostgresSignalHooks,
  maskUrl,
  startDemoPostgres,
  stopDemoPostgres,
  type DemoPostgres,
} from "../postgres"
import { isAlive, portFree } from "../processes"
import { demoSecrets } from "../secrets"
import { readDemoState, writeDemoState, STATE_VERSION, type DemoState } from "../state-file"
import { readV2Seed, refreshV2Statuses, seedV2Demo } from "./seed"
import { klarnaPluginOptionsFor } from "./plugin-options"

const say = (line: string): void => void process.stdout.write(`${line}\n`)
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`

async function main(): Promise<void> {
  const config = loadDemoV2Config()
  const t0 = Date.now()
  const timings: Record<string, number> = {}
  const step = async <T>(name: string, label: string, work: () => Promise<T>): Promise<T> => {
    const started = Date.now()
    const result = await work()
    timings[name] = Date.now() - started
    say(`  ${label}: ${seconds(timings[name])}`)
    return result
  }

  const previous = readDemoState(config.stateFile)
  if (previous?.running && previous.pid !== process.pid && isAlive(previous.pid)) {
    throw new Error(`the v2 demo is already running (pid ${previous.pid}, ${previous.medusa.url}); stop it first`)
  }
  if (process.env.DEMO_RESET === "1") {
    say("DEMO_RESET=1: removing the v2 demo's database, Klarna simulator state and seed")
    for (const target of [chooseDataDir(config.demoDir).dataDir, config.simulatorStateFile, config.stateFile]) {
      fs.rmSync(target, { recursive: true, force: true })
    }
  }
  const ports: [string, number, string][] = [
    ["Medusa v2", config.medusaPort, "DEMO_MEDUSA_PORT"],
    ["the Klarna simulator", config.simulatorPort, "KLARNA_SIMULATOR_PORT"],
  ]
  if (!config.externalDatabaseUrl) ports.push(["PostgreSQL", config.postgresPort, "DEMO_POSTGRES_PORT"])
  for (const [what, port, variable] of ports) {
    if (!(await portFree(port))) throw new Error(`port ${port} on 127.0.0.1 (${what}) is in use: choose another with ${variable}=...`)
  }
  fs.mkdirSync(config.logDir, { recursive: true })

  let pg: DemoPostgres | undefined
  let simulator: RunningSimulator | undefined
  let medusa: MedusaV2Server | undefined
  let state: DemoState | undefined
  let stopping = false
  const stop = async (code: number): Promise<void> => {
    if (stopping) return
    stopping = true
    await medusa?.stop(20_000).catch(() => undefined)
    await simulator?.close().catch(() => undefined)
    if (pg) await stopDemoPostgres(pg).catch(() => undefined)
    if (state) writeDemoState(config.stateFile, { ...state, running: false, stopped_at: new Date().toISOString() })
    say(pg ? "Stopped: Medusa v2, the Klarna simulator and PostgreSQL are down." : "Stopped: Medusa v2 and the Klarna simulator are down.")
    process.exit(code)
  }
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      say(`\n${signal}: stopping the v2 demo ...`)
      void stop(0)
    })
  }

  try {
    say("Starting the Medusa v2 demo (the first start installs and builds Medusa v2: a few minutes) ...")
    const project = await step("project", "Medusa v2 project (install, plugin and admin build)", () => ensureMedusaV2Project())
    let databaseUrl: string
    if (config.externalDatabaseUrl) {
      databaseUrl = config.externalDatabaseUrl
    } else {
      detachEmbeddedPostgresSignalHooks()
      const pgLog = fs.createWriteStream(path.join(config.logDir, "postgres.log"), { flags: "a" })
      pg = await step("postgres", "PostgreSQL up", () =>
        startDemoPostgres(config.demoDir, config.postgresPort, say, (line) => pgLog.write(`${line}\n`), { database: "medusa_v2_demo" }),
      )
      databaseUrl = pg.url
    }
    simulator = await step("simulator", "Klarna simulator up", () =>
      startSimulator({
        port: config.simulatorPort,
        username: config.simulatorUsername,
        password: config.simulatorPassword,
        stateFile: config.simulatorStateFile,
      }),
    )
    // db:migrate is idempotent; the admin user is created once (a second `medusa user` fails on the email).
    await step("migrations", "migrations and admin user", () =>
      prepareV2Database(project, databaseUrl, { email: config.adminEmail, password: config.adminPassword }, { skipExistingUser: true }),
    )
    const secrets = demoSecrets(config.demoDir)
    const medusaLog = fs.createWriteStream(path.join(config.logDir, "medusa.log"), { flags: "a" })
    const origin = `http://127.0.0.1:${config.medusaPort},http://localhost:${config.medusaPort}`
    medusa = await step("medusa", "Medusa v2 up", () =>
      startMedusaV2(project, {
        databaseUrl,
        port: config.medusaPort,
        admin: config.admin,
        startTimeoutMs: 180_000,
        onOutput: (text) => {
          medusaLog.write(text)
          if (config.streamLogs) process.stdout.write(text)
        },
        env: {
          JWT_SECRET: secrets.jwtSecret,
          COOKIE_SECRET: secrets.cookieSecret,
          KOS_KLARNA_OPTIONS: JSON.stringify(klarnaPluginOptionsFor(simulator!.url, config.simulatorUsername, config.simulatorPassword)),
          ADMIN_CORS: origin,
          AUTH_CORS: origin,
          STORE_CORS: `${origin},http://127.0.0.1:8000,http://localhost:8000`,
        },
      }),
    )
    const admin = await loginV2Admin(medusa.url, config.adminEmail, config.adminPassword)
    const found = await readV2Seed(admin)
    const seededNow = !found
    const seed =
      found ??
      (await step("seed", "seeding (store, five Klarna orders)", () =>
        seedV2Demo({ medusaUrl: medusa!.url, admin, simulatorUrl: simulator!.url }),
      ))
    const orders = await refreshV2Statuses(simulator.url, seed.seeded_orders)
    timings.total = Date.now() - t0
    const adminUrl = config.admin ? `${medusa.url}/app` : null
    state = {
      version: STATE_VERSION,
      running: true,
      started_at: new Date(t0).toISOString(),
      pid: process.pid,
      medusa: { url: medusa.url, port: medusa.port, pid: medusa.pid, log_file: path.join(config.logDir, "medusa.log") },
      admin: { url: adminUrl, email: config.adminEmail, password: config.adminPassword },
      store_api: { url: `${medusa.url}/store` },
      simulator: {
        url: simulator.url,
        port: simulator.port,
        username: simulator.username,
        password: simulator.password,
        state_file: config.simulatorStateFile,
      },
      postgres: {
        url: databaseUrl,
        port: pg?.port ?? Number(new URL(databaseUrl).port || 5432),
        embedded: !!pg,
        data_dir: pg?.dataDir ?? null,
        pid: pg?.pid ?? null,
      },
      store: seed.store,
      seeded_orders: orders.map((o) => ({ ...o, admin_url: adminUrl ? `${adminUrl}/orders/${o.order_id}` : undefined })),
      seeded_now: seededNow,
      timings_ms: timings,
    }
    writeDemoState(config.stateFile, state)
    say("")
    say(`klarna-order-sync Medusa v2 demo is running (ready in ${seconds(timings.total)}${seededNow ? ", seeded now" : ""}):`)
    say(`  Medusa v2 admin    ${adminUrl ?? "(DEMO_ADMIN=false)"}   login: ${config.adminEmail} / ${config.adminPassword}`)
    say(`  Medusa store API   ${medusa.url}/store   publishable key: ${seed.v2_store.publishableKey}`)
    say(`  Klarna simulator   ${simulator.url}   Basic auth: ${simulator.username} / ${simulator.password}`)
    say(`  PostgreSQL         ${maskUrl(databaseUrl)}`)
    say(`  state file         ${config.stateFile}   logs: ${config.logDir}`)
    say("Seeded Klarna orders:")
    for (const order of state.seeded_orders) {
      say(`  #${order.display_id} ${order.label.padEnd(23)} Klarna ${order.klarna_status.padEnd(13)} ${order.admin_url ?? order.order_id}`)
    }
    say("Place another order: npm run demo:order -- --v2    Stop: Ctrl-C")
  } catch (error) {
    say(`\nThe v2 demo could not start: ${(error as Error)?.message ?? String(error)}`)
    await stop(1)
  }
}

void main()
