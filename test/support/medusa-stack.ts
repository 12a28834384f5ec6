/**
 * One real stack for an integration test file: a fresh database on the suite's PostgreSQL, migrations
 * (Medusa's and the plugin's), the Klarna simulator over HTTP, a Medusa server with the plugin, an
 * admin API client and a seeded store.
 */
import { startSimulator, type RunningSimulator } from "../../packages/simulator/server"
import { createTestDatabase, query, uniqueDatabaseName } from "./db"
import { prepareDatabase, startMedusa, type MedusaServer, type StartMedusaOptions } from "./medusa"
import { connect, seedStore, type SeedOptions, type SeededStore, type StoreApi } from "./store-api"

export interface MedusaStack {
  simulator: RunningSimulator
  medusa: MedusaServer
  api: StoreApi
  store: SeededStore
  databaseUrl: string
  sql<T extends Record<string, unknown> = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>
  close(): Promise<void>
}

/** Fast polling and backoff so that tests settle in seconds; the defaults are for production. */
export const FAST_WORKER = { worker: { pollIntervalMs: 200, baseBackoffMs: 200, maxBackoffMs: 2000, leaseMs: 15000 } }

export async function startMedusaStack(
  options: { seed?: Partial<SeedOptions>; medusa?: Partial<StartMedusaOptions>; name?: string } = {},
): Promise<MedusaStack> {
  const simulator = await startSimulator({ port: 0 })
  const database = uniqueDatabaseName(options.name ?? "kos")
  const databaseUrl = await createTestDatabase(database)
  await prepareDatabase(databaseUrl)
  const medusa = await startMedusa({
    databaseUrl,
    klarnaBaseUrl: simulator.url,
    klarnaUsername: simulator.username,
    klarnaPassword: simulator.password,
    pluginOptions: FAST_WORKER,
    ...options.medusa,
  })
  try {
    const api = await connect(medusa.url)
    const store = await seedStore(api, {
      currency: "sek",
      paymentProviders: ["klarna", "manual"],
      taxRate: 25,
      shippingPrice: 4900,
      products: [
        { title: "Tomatoes", price: 1200, sku: "TOM-1" },
        { title: "Rain jacket", price: 89900, sku: "JKT-1" },
      ],
      ...options.seed,
    })
    return {
      simulator,
      medusa,
      api,
      store,
      databaseUrl,
      sql: (text, params) => query(databaseUrl, text, params),
      close: async () => {
        await medusa.stop().catch(() => undefined)
        await simulator.close()
      },
    }
  } catch (error) {
    // eslint-disable-next-line no-console
    console.error(medusa.logs().slice(-20000))
    await medusa.stop().catch(() => undefined)
    await simulator.close()
    throw error
  }
}
