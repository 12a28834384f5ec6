/**
 * `npm start`: the demo store, on 127.0.0.1 only.
 *
 *   1. PostgreSQL: embedded (data in DEMO_DIR/postgres) or DATABASE_URL;
 *   2. the Klarna OM simulator, its state kept in DEMO_DIR/simulator-state.json;
 *   3. migrations (Medusa's and the plugin's) and the admin user;
 *   4. the admin UI with the Klarna widget, built once into DEMO_DIR/admin (scripts/build-admin.ts);
 *   5. Medusa with the plugin (a child process: scripts/medusa-server.ts);
 *   6. on the first start only: a region with the `klarna` provider, products and five Klarna orders.
 * Then it prints a line per service and writes DEMO_DIR/state.json. Ctrl-C (SIGINT) or SIGTERM stops
 * Medusa, the simulator and PostgreSQL, in that order. Settings: demo/config.ts and docs/demo.md.
 */
import fs from "node:fs"
import path from "node:path"
import { Client } from "pg"
import { startSimulator, type RunningSimulator } from "../packages/simulator/server"
import { createAdminUser, runMigrations } from "../scripts/medusa-cli"
import { ensureAdminBuild } from "./admin-build"
import { loadDemoConfig, type DemoConfig } from "./config"
import { startMedusaProcess, MedusaStartFailed, type MedusaProcess } from "./medusa-process"
import {
  chooseDataDir,
  detachEmbeddedPostgresSignalHooks,
  maskUrl,
  startDemoPostgres,
  stopDemoPostgres,
  stopStalePostgres,
  type DemoPostgres,
} from "./postgres"
import { childPids, isAlive, portFree, sleep } from "./processes"
import { demoSecrets } from "./secrets"
import { readSeed, refreshStatuses, seedDemo, type DemoSeed } from "./seed"
import { connect } from "../test/support/store-api"
import { readDemoState, writeDemoState, type DemoState, STATE_VERSION } from "./state-file"

const say = (line: string): void => {
  process.stdout.write(`${line}\n`)
}

async function sql<T extends Record<string, unknown>>(databaseUrl: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    return (await client.query(text, params)).rows as T[]
  } finally {
    await client.end()
  }
}

async function adminUserExists(databaseUrl: string, email: string): Promise<boolean> {
  const rows = await sql(databaseUrl, `SELECT 1 FROM "user" WHERE email = $1 AND deleted_at IS NULL`, [email])
  return rows.length > 0
}

function resetDemoData(config: DemoConfig): void {
  const { dataDir } = chooseDataDir(config.demoDir)
  for (const target of [dataDir, config.simulatorStateFile, config.stateFile]) fs.rmSync(target, { recursive: true, force: true })
}

const seconds = (ms: number | undefined): string => `${((ms ?? 0) / 1000).toFixed(1)} s`

/** What each measured step is called in the start-up lines (timings_ms in state.json uses the keys). */
const STEP_LABELS = {
  postgres: "PostgreSQL up",
  simulator: "Klarna simulator up",
  migrations: "migrations",
  admin_user: "admin user",
  admin_build: "admin UI build (in parallel with the steps above)",
  medusa: "Medusa up",
  seed: "seeding",
  seed_check: "seed check",
} as const

class Demo {
  private pg?: DemoPostgres
  private simulator?: RunningSimulator
  private medusa?: MedusaProcess
  private stopping?: Promise<void>
  private adminBuild?: Promise<unknown>
  private state?: DemoState
  private readonly timings: Record<string, number> = {}
  private readonly t0 = Date.now()

  constructor(private readonly config: DemoConfig) {}

  /** Records a step's duration and prints it: what was measured on this machine, not an estimate. */
  private mark(name: keyof typeof STEP_LABELS, since: number): void {
    const ms = Date.now() - since
    this.timings[name] = ms
    say(`  ${STEP_LABELS[name]}: ${seconds(ms)}`)
  }

  async start(): Promise<void> {
    const { config } = this
    fs.mkdirSync(config.logDir, { recursive: true })
    const previous = readDemoState(config.stateFile)
    if (previous?.running && previous.pid !== process.pid && isAlive(previous.pid)) {
      throw new Error(`the demo is already running (pid ${previous.pid}, ${previous.medusa.url}); stop it first`)
    }
    if (process.env.DEMO_RESET === "1") {
      say("DEMO_RESET=1: removing the demo's database and Klarna simulator state")
      resetDemoData(config)
    }
    // A PostgreSQL left running by a demo that was killed outright would hold the port: stop it first.
    if (!config.externalDatabaseUrl) await stopStalePostgres(chooseDataDir(config.demoDir).dataDir, say)
    await this.checkPorts()

    // The admin build (webpack, first start only; its duration is printed when it ends) runs while the rest comes up.
    const buildStarted = Date.now()
    const adminBuild = config.admin
      ? ensureAdminBuild(config, say).then((dir) => {
          this.mark("admin_build", buildStarted)
          return dir
        })
      : Promise.resolve(undefined)
    this.adminBuild = adminBuild.catch(() => undefined) // awaited below; not "unhandled" meanwhile

    let t = Date.now()
    let databaseUrl: string
    if (config.externalDatabaseUrl) {
      databaseUrl = config.externalDatabaseUrl
    } else {
      detachEmbeddedPostgresSignalHooks()
      const pgLog = fs.createWriteStream(path.join(config.logDir, "postgres.log"), { flags: "a" })
      this.pg = await startDemoPostgres(config.demoDir, config.postgresPort, say, (line) => pgLog.write(`${line}\n`))
      if (this.pg.fallbackReason) say(`PostgreSQL data: ${this.pg.dataDir} (not under ${config.demoDir}: ${this.pg.fallbackReason})`)
      databaseUrl = this.pg.url
    }
    this.mark("postgres", t)
    this.throwIfStopping()

    t = Date.now()
    this.simulator = await startSimulator({
      port: config.simulatorPort,
      username: config.simulatorUsername,
      password: config.simulatorPassword,
      stateFile: config.simulatorStateFile,
    })
    this.mark("simulator", t)

    t = Date.now()
    const migrated = await runMigrations(databaseUrl, { env: { DATABASE_URL: databaseUrl } })
    fs.writeFileSync(path.join(config.logDir, "migrations.log"), migrated.output)
    this.mark("migrations", t)
    this.throwIfStopping()
    t = Date.now()
    if (!(await adminUserExists(databaseUrl, config.adminEmail))) {
      await createAdminUser(databaseUrl, config.adminEmail, config.adminPassword)
    }
    this.mark("admin_user", t)

    const adminBuildDir = await adminBuild
    this.throwIfStopping()

    t = Date.now()
    const secrets = demoSecrets(config.demoDir)
    this.medusa = await startMedusaProcess({
      port: config.medusaPort,
      logFile: path.join(config.logDir, "medusa.log"),
      echo: config.streamLogs ? (text) => process.stdout.write(text) : undefined,
      env: {
        DATABASE_URL: databaseUrl,
        // Generated once for this demo directory; a production store sets its own.
        JWT_SECRET: secrets.jwtSecret,
        COOKIE_SECRET: secrets.cookieSecret,
        KLARNA_BASE_URL: this.simulator.url,
        KLARNA_USERNAME: config.simulatorUsername,
        KLARNA_PASSWORD: config.simulatorPassword,
        KLARNA_ENABLE_UI: config.admin ? "true" : "false",
        MEDUSA_ADMIN_SERVE: adminBuildDir ? "true" : undefined,
        MEDUSA_ADMIN_BUILD_DIR: adminBuildDir,
        ADMIN_CORS: `http://127.0.0.1:${config.medusaPort},http://localhost:${config.medusaPort}`,
        STORE_CORS: `http://127.0.0.1:${config.medusaPort},http://localhost:${config.medusaPort},http://127.0.0.1:8000,http://localhost:8000`,
      },
    })
    this.mark("medusa", t)
    void this.medusa.exited.then((exit) => {
      if (this.stopping) return
      if (exit.code === 0) {
        // A graceful exit: Medusa got the terminal's Ctrl-C before we did. Stop the rest.
        void this.stop(0)
        return
      }
      say(`Medusa exited unexpectedly (code ${exit.code}, signal ${exit.signal}); see ${path.join(config.logDir, "medusa.log")}`)
      void this.stop(1)
    })
    this.throwIfStopping()

    t = Date.now()
    const api = await connect(this.medusa.url, config.adminEmail, config.adminPassword)
    let seed: DemoSeed | undefined = await readSeed(api)
    const seededNow = !seed
    if (!seed) {
      say("Seeding the store: a region with Klarna, products, five Klarna orders (first start only) ...")
      seed = await seedDemo(this.medusa.url, this.simulator.url, config.adminEmail, config.adminPassword)
    }
    const { orders, missing } = await refreshStatuses(this.simulator.url, seed.seeded_orders)
    this.mark(seededNow ? "seed" : "seed_check", t)
    this.timings.total = Date.now() - this.t0

    const medusaUrl = this.medusa.url
    this.state = {
      version: STATE_VERSION,
      running: true,
      started_at: new Date(this.t0).toISOString(),
      pid: process.pid,
      medusa: { url: medusaUrl, port: this.medusa.port, pid: this.medusa.pid, log_file: path.join(config.logDir, "medusa.log") },
      admin: { url: adminBuildDir ? `${medusaUrl}/app` : null, email: config.adminEmail, password: config.adminPassword },
      store_api: { url: `${medusaUrl}/store` },
      simulator: {
        url: this.simulator.url,
        port: this.simulator.port,
        username: this.simulator.username,
        password: this.simulator.password,
        state_file: config.simulatorStateFile,
      },
      postgres: {
        url: databaseUrl,
        port: this.pg?.port ?? Number(new URL(databaseUrl).port || 5432),
        embedded: !!this.pg,
        data_dir: this.pg?.dataDir ?? null,
        pid: this.pg?.pid ?? null,
      },
      store: seed.store,
      seeded_orders: orders.map((o) => ({ ...o, admin_url: adminBuildDir ? `${medusaUrl}/app/a/orders/${o.order_id}` : undefined })),
      seeded_now: seededNow,
      timings_ms: this.timings,
    }
    writeDemoState(config.stateFile, this.state)
    this.printSummary(this.state, missing)
  }

  private async checkPorts(): Promise<void> {
    const { config } = this
    const wanted: [string, number, string][] = [
      ["Medusa", config.medusaPort, "DEMO_MEDUSA_PORT"],
      ["the Klarna simulator", config.simulatorPort, "KLARNA_SIMULATOR_PORT"],
    ]
    if (!config.externalDatabaseUrl) wanted.push(["PostgreSQL", config.postgresPort, "DEMO_POSTGRES_PORT"])
    for (const [what, port, variable] of wanted) {
      if (!(await portFree(port))) {
        throw new Error(`port ${port} on 127.0.0.1 (${what}) is in use: stop what uses it or choose another port with ${variable}=...`)
      }
    }
  }

  private printSummary(state: DemoState, missing: string[]): void {
    say("")
    say(
      `klarna-order-sync demo is running (ready in ${seconds(state.timings_ms.total)}${state.seeded_now ? ", seeded now" : ", data from an earlier start"}):`,
    )
    say(
      `  Medusa admin       ${state.admin.url ?? "(not built: DEMO_ADMIN=false)"}   login: ${state.admin.email} / ${state.admin.password}`,
    )
    say(`  Medusa store API   ${state.store_api.url}   (admin API: ${state.medusa.url}/admin)`)
    say(
      `  Klarna simulator   ${state.simulator.url}   Basic auth: ${state.simulator.username} / ${state.simulator.password}   control: ${state.simulator.url}/__sim/orders`,
    )
    say(
      `  PostgreSQL         ${maskUrl(state.postgres.url)}   ${state.postgres.embedded ? `embedded, data in ${state.postgres.data_dir}` : "from DATABASE_URL"}`,
    )
    say(`  state file         ${this.config.stateFile}   logs: ${this.config.logDir}`)
    say("Seeded Klarna orders:")
    for (const order of state.seeded_orders) {
      say(`  #${order.display_id} ${order.label.padEnd(23)} Klarna ${order.klarna_status.padEnd(13)} ${order.admin_url ?? order.order_id}`)
    }
    if (missing.length) {
      say(
        `  warning: the simulator does not know ${missing.length} of them (was ${this.config.simulatorStateFile} deleted?); DEMO_RESET=1 npm start starts over`,
      )
    }
    say("Place another order: npm run demo:order    Stop: Ctrl-C")
  }

  get isStopping(): boolean {
    return this.stopping !== undefined
  }

  private throwIfStopping(): void {
    if (this.stopping) throw new StopRequested()
  }

  /** Stops everything this process started, in order; exits the process with `code`. */
  stop(code: number): Promise<void> {
    this.stopping ??= (async () => {
      const failures: string[] = []
      const attempt = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
        try {
          await fn()
        } catch (err) {
          failures.push(`${what}: ${(err as Error)?.message ?? String(err)}`)
        }
      }
      if (this.medusa) await attempt("Medusa", () => this.medusa?.stop(20_000) ?? Promise.resolve())
      if (this.simulator) await attempt("the Klarna simulator", () => this.simulator?.close() ?? Promise.resolve())
      if (this.pg) await attempt("PostgreSQL", () => (this.pg ? stopDemoPostgres(this.pg) : Promise.resolve()))
      // Stopped while starting: the admin build or a Medusa CLI (migrations, user) may still run.
      const children = childPids(process.pid)
      for (const pid of children) {
        try {
          process.kill(pid, "SIGTERM")
        } catch {
          /* gone */
        }
      }
      if (children.length > 0 && this.adminBuild) await Promise.race([this.adminBuild, sleep(10_000)]) // lets it drop its lock
      if (this.state) {
        writeDemoState(this.config.stateFile, { ...this.state, running: false, stopped_at: new Date().toISOString() })
      }
      for (const failure of failures) say(`  could not stop ${failure}`)
      const down = this.pg
        ? "Stopped: Medusa, the Klarna simulator and PostgreSQL are down."
        : "Stopped: Medusa and the Klarna simulator are down (the DATABASE_URL database is left as it is)."
      say(failures.length ? "Stopped, with errors." : down)
      process.exit(failures.length ? 1 : code)
    })()
    return this.stopping
  }

  /** Last resort on process exit: no Medusa child left behind. */
  killChildren(): void {
    if (this.medusa?.running()) {
      try {
        process.kill(this.medusa.pid, "SIGKILL")
      } catch {
        /* gone */
      }
    }
  }
}

class StopRequested extends Error {}

async function main(): Promise<void> {
  const config = loadDemoConfig()
  const demo = new Demo(config)
  let signals = 0
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1
    if (signals > 1) {
      say(`${signal} again: killing Medusa and exiting now`)
      demo.killChildren()
      process.exit(130)
    }
    say(`\n${signal}: stopping the demo (Medusa, the Klarna simulator, PostgreSQL) ...`)
    void demo.stop(0)
  }
  process.on("SIGINT", onSignal)
  process.on("SIGTERM", onSignal)
  process.on("SIGHUP", onSignal)
  process.on("exit", () => demo.killChildren())

  try {
    await demo.start()
  } catch (err) {
    if (err instanceof StopRequested || demo.isStopping) return // stop() is already under way
    say(`\nThe demo could not start: ${(err as Error)?.message ?? String(err)}`)
    if (err instanceof MedusaStartFailed) say(err.tail)
    else if ((err as Error)?.stack && process.env.DEMO_DEBUG === "1") say(String((err as Error).stack))
    await demo.stop(1)
  }
}

void main()
