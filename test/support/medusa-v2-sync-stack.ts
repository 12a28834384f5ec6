/**
 * A Medusa v2 server with the plugin syncing to the Klarna simulator over real HTTP, and a seeded store whose
 * region offers the plugin's provider (pp_klarna_klarna) besides Medusa's pp_system_default. For the v2 sync
 * suites (test/medusa-v2/sync*.test.ts).
 */
import { startSimulator, type RunningSimulator } from "../../packages/simulator/server"
import { DEFAULT_V2_SEED, seedV2Store, type V2SeededStore, type V2SeedOptions } from "./medusa-v2-seed"
import { startMedusaV2Stack, type MedusaV2Stack } from "./medusa-v2-stack"

/** Fast polling and backoff so that tests settle in seconds; the defaults are for production. */
export const FAST_V2_WORKER = { pollIntervalMs: 200, baseBackoffMs: 200, maxBackoffMs: 2000, leaseMs: 15000 }

export interface V2SyncStack extends MedusaV2Stack {
  simulator: RunningSimulator
  store: V2SeededStore
  /** Stops the server and the simulator. */
  close(): Promise<void>
}

export async function startV2SyncStack(
  options: { name?: string; pluginOptions?: Record<string, unknown>; seed?: Partial<V2SeedOptions>; admin?: boolean } = {},
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
      env: { KOS_KLARNA_OPTIONS: JSON.stringify(pluginOptions) },
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
