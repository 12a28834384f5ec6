/**
 * Checkout through a real Medusa v1 server (child process) with this plugin, a real PostgreSQL and the
 * Klarna simulator over HTTP:
 *  - the server boots with the plugin and its `klarna` payment processor;
 *  - a checkout through `klarna` creates an AUTHORIZED Klarna order whose order_amount is the Medusa
 *    order total and whose id is payment.data.order_id;
 *  - a checkout through `manual` makes no Klarna call;
 *  - an invalid plugin option stops the server with a message naming the option.
 * Needs `npm run build` (Medusa loads the plugin from dist/).
 */
import { startSimulator, type RunningSimulator } from "../../simulator/server"
import { createTestDatabase, dropTestDatabase, uniqueDatabaseName } from "../support/db"
import { MedusaStartError, prepareDatabase, startMedusa, type MedusaServer } from "../support/medusa"
import { checkout, connect, seedStore, type SeededStore, type StoreApi } from "../support/store-api"

interface SimOrderView {
  order_id: string
  status: string
  order_amount: number
  purchase_currency: string
  purchase_country: string
  order_lines: { total_amount: number; quantity: number; unit_price: number; total_discount_amount?: number }[]
}

interface SimRequest {
  method: string
  path: string
  headers: Record<string, string>
  status: number | null
}

async function simGet<T>(sim: RunningSimulator, path: string): Promise<T> {
  const res = await fetch(`${sim.url}${path}`)
  const text = await res.text()
  if (!res.ok) throw new Error(`GET ${path} → ${res.status}: ${text}`)
  return JSON.parse(text) as T
}

async function simRequests(sim: RunningSimulator): Promise<SimRequest[]> {
  return simGet<SimRequest[]>(sim, "/__sim/requests")
}

async function clearSimRequests(sim: RunningSimulator): Promise<void> {
  await fetch(`${sim.url}/__sim/requests`, { method: "DELETE" })
}

describe("Medusa checkout with the klarna payment processor", () => {
  let sim: RunningSimulator
  let dbName: string
  let databaseUrl: string
  let medusa: MedusaServer | undefined
  let api: StoreApi
  let store: SeededStore
  const timings: Record<string, number> = {}

  beforeAll(async () => {
    sim = await startSimulator({ port: 0 })
    dbName = uniqueDatabaseName("checkout")
    databaseUrl = await createTestDatabase(dbName)
    let t = Date.now()
    await prepareDatabase(databaseUrl)
    timings.prepareDatabaseMs = Date.now() - t
    t = Date.now()
    medusa = await startMedusa({
      databaseUrl,
      klarnaBaseUrl: sim.url,
      klarnaUsername: sim.username,
      klarnaPassword: sim.password,
    })
    timings.serverStartMs = Date.now() - t
    t = Date.now()
    api = await connect(medusa.url)
    store = await seedStore(api, { currency: "sek", taxRate: 25, paymentProviders: ["klarna", "manual"] })
    timings.seedMs = Date.now() - t
  }, 180_000)

  afterAll(async () => {
    await medusa?.stop()
    await sim?.close()
    if (dbName) await dropTestDatabase(dbName).catch(() => undefined)
    // eslint-disable-next-line no-console
    console.log(`checkout.test timings: ${JSON.stringify(timings)}`)
  }, 60_000)

  test("a klarna checkout creates an AUTHORIZED Klarna order for the Medusa order total", async () => {
    await clearSimRequests(sim)
    const [sweater, socks] = store.products
    const result = await checkout(api, {
      regionId: store.regionId,
      shippingOptionId: store.shippingOptionId,
      items: [
        { variantId: sweater.variantId, quantity: 2 },
        { variantId: socks.variantId, quantity: 3 },
      ],
      provider: "klarna",
      simulatorUrl: sim.url,
    })
    timings.klarnaCheckoutMs = result.ms
    timings.klarnaCheckoutStoreCalls = result.apiCalls
    const { order } = result

    expect(order.payments).toHaveLength(1)
    const payment = order.payments[0]
    expect(payment.provider_id).toBe("klarna")
    expect(payment.amount).toBe(order.total)
    expect(typeof payment.data.order_id).toBe("string")
    expect(result.klarnaOrderId).toBe(payment.data.order_id)
    // 2 * 299.00 + 3 * 129.50 + 49.00 shipping, plus 25 % tax
    expect(order.total).toBe(Math.round((2 * 29900 + 3 * 12950 + 4900) * 1.25))

    const klarnaOrder = await simGet<SimOrderView>(sim, `/__sim/orders/${String(payment.data.order_id)}`)
    expect(klarnaOrder.status).toBe("AUTHORIZED")
    expect(klarnaOrder.order_amount).toBe(order.total)
    expect(klarnaOrder.purchase_currency).toBe("SEK")
    expect(klarnaOrder.purchase_country).toBe("SE")
    expect(klarnaOrder.order_lines.reduce((acc, l) => acc + l.total_amount, 0)).toBe(order.total)
    for (const line of klarnaOrder.order_lines) {
      expect(line.total_amount).toBe(line.quantity * line.unit_price - (line.total_discount_amount ?? 0))
    }

    // Klarna saw exactly: one Payments session, one order from the authorization (with an idempotency key).
    const requests = await simRequests(sim)
    expect(requests.map((r) => `${r.method} ${r.path.replace(/authorizations\/[^/]+/, "authorizations/{token}")}`)).toEqual([
      "POST /payments/v1/sessions",
      "POST /payments/v1/authorizations/{token}/order",
    ])
    const createOrder = requests[1]
    const header = (name: string): string | undefined =>
      Object.entries(createOrder.headers).find(([k]) => k.toLowerCase() === name)?.[1]
    expect(header("klarna-idempotency-key")).toMatch(/^[0-9a-f-]{36}$/)
    expect(header("user-agent")).toMatch(/^klarna-order-sync\/\S+ .*medusa\/1\.20\.8/)
  })

  test("a manual checkout makes no Klarna call", async () => {
    await clearSimRequests(sim)
    const result = await checkout(api, {
      regionId: store.regionId,
      shippingOptionId: store.shippingOptionId,
      items: [{ variantId: store.products[1].variantId, quantity: 1 }],
      provider: "manual",
    })
    timings.manualCheckoutMs = result.ms
    expect(result.order.payments[0].provider_id).toBe("manual")
    expect(result.order.payments[0].data.order_id).toBeUndefined()
    expect(await simRequests(sim)).toEqual([])
  })

  test("an invalid plugin option stops the server with a message naming the option", async () => {
    // One Medusa at a time on this 2-core machine: stop the healthy one first.
    await medusa?.stop()
    medusa = undefined
    const started = Date.now()
    const error = await startMedusa({
      databaseUrl,
      klarnaBaseUrl: sim.url,
      klarnaUsername: sim.username,
      klarnaPassword: sim.password,
      pluginOptions: { captureOn: "never" },
      printLogsOnFailure: false,
      startTimeoutMs: 60_000,
    }).then(
      (server) => {
        void server.kill()
        return undefined
      },
      (err: unknown) => err
    )
    timings.invalidOptionsExitMs = Date.now() - started
    expect(error).toBeInstanceOf(MedusaStartError)
    const startError = error as MedusaStartError
    expect(startError.exit?.code).not.toBe(0)
    expect(startError.output).toMatch(/captureOn: must be one of "fulfillment", "shipment" \(got "never"\)/)
    // The credentials never reach the output.
    expect(startError.output).not.toContain(sim.password)
  })
})
