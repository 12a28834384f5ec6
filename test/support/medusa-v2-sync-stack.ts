/**
 * A Medusa v2 server with the plugin syncing to the Klarna simulator over real HTTP, and a seeded store whose
 * region offers the plugin's provider (pp_klarna_klarna) besides Medusa's pp_system_default. For the v2 sync
 * suites (test/medusa-v2/sync*.test.ts).
 */
import { spawn } from "node:child_process"
import fs from "node:fs"
import path from "node:path"
import { startSimulator, type RunningSimulator } from "../../packages/simulator/server"
import { DEFAULT_V2_SEED, seedV2Store, type V2SeededStore, type V2SeedOptions } from "./medusa-v2-seed"
import { startMedusaV2Stack, type MedusaV2Stack } from "./medusa-v2-stack"

/** Fast polling and backoff so that tests settle in seconds; the defaults are for production. */
export const FAST_V2_WORKER = { pollIntervalMs: 200, baseBackoffMs: 200, maxBackoffMs: 2000, leaseMs: 15000 }

export interface V2SyncStack extends MedusaV2Stack {
  simulator: RunningSimulator
  store: V2SeededStore
  /** The plugin options the server runs with (JSON). */
  pluginOptionsJson: string
  /** Stops the server and the simulator. */
  close(): Promise<void>
}

export async function startV2SyncStack(
  options: {
    name?: string
    pluginOptions?: Record<string, unknown>
    seed?: Partial<V2SeedOptions>
    admin?: boolean
    /** More environment for the server (e.g. KOS_REDIS_URL: Medusa's Redis event bus). */
    env?: Record<string, string | undefined>
  } = {},
): Promise<V2SyncStack> {
  const simulator = await startSimulator({ port: 0 })
  const pluginOptions = {
    credentials: [{ username: simulator.username, password: simulator.password, baseUrl: simulator.url }],
    ...options.pluginOptions,
    worker: { ...FAST_V2_WORKER, ...(options.pluginOptions?.worker as object | undefined) },
  }
  let stack: MedusaV2Stack
  try {
    stack = await startMedusaV2Stack({
      name: options.name ?? "v2_sync",
      admin: options.admin,
      env: { ...options.env, KOS_KLARNA_OPTIONS: JSON.stringify(pluginOptions) },
    })
  } catch (error) {
    await simulator.close()
    throw error
  }
  try {
    const store = await seedV2Store(stack.admin, {
      ...DEFAULT_V2_SEED,
      paymentProviders: ["pp_klarna_klarna", "pp_system_default"],
      ...options.seed,
    })
    return {
      ...stack,
      simulator,
      store,
      pluginOptionsJson: JSON.stringify(pluginOptions),
      close: async () => {
        await stack.close().catch(() => undefined)
        await simulator.close()
      },
    }
  } catch (error) {
    // eslint-disable-next-line no-console
    console.error(stack.server.logs().slice(-20000))
    await stack.close().catch(() => undefined)
    await simulator.close()
    throw error
  }
}

/**
 * Delivers an event to one of the plugin's subscribers again, from a second process on the same database
 * (`medusa exec`), as a bus that redelivers would: the subscriber's own code, Medusa's container, the plugin's
 * module, with the worker off in that process (the server's worker does the work). `times` deliveries.
 */
export async function deliverAgain(
  stack: V2SyncStack,
  subscriber: string,
  event: { name: string; data: Record<string, unknown> },
  times = 2,
): Promise<string> {
  const script = path.join(stack.project.dir, `.kos-deliver-${process.pid}-${Date.now()}.js`)
  fs.writeFileSync(
    script,
    `exports.default = async function ({ container }) {
  const handler = require("@klarna-order-sync/medusa-v2/subscribers/${subscriber}").default
  const event = ${JSON.stringify(event)}
  for (let i = 0; i < ${times}; i++) await handler({ event, container, pluginOptions: {} })
}\n`,
  )
  const options = JSON.parse(stack.pluginOptionsJson) as { worker?: Record<string, unknown> }
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) if (!/^(npm_|TS_NODE_)/i.test(key)) env[key] = value
  Object.assign(env, {
    DATABASE_URL: stack.databaseUrl,
    MEDUSA_DISABLE_TELEMETRY: "true",
    NODE_ENV: "production",
    KOS_ADMIN_DISABLE: "true",
    KOS_KLARNA_OPTIONS: JSON.stringify({ ...options, worker: { ...options.worker, enabled: false } }),
  })
  try {
    return await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [stack.project.medusaBin, "exec", script], {
        cwd: stack.project.dir,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      })
      let output = ""
      child.stdout.on("data", (d: Buffer) => (output += d.toString()))
      child.stderr.on("data", (d: Buffer) => (output += d.toString()))
      const timer = setTimeout(() => child.kill("SIGKILL"), 120_000)
      child.on("close", (code) => {
        clearTimeout(timer)
        if (code === 0) resolve(output)
        else reject(new Error(`medusa exec failed (${String(code)}):\n${output.slice(-6000)}`))
      })
    })
  } finally {
    fs.rmSync(script, { force: true })
  }
}
