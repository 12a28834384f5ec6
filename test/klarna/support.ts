/**
 * Helpers for the Klarna client's integration tests: a real simulator over real HTTP, its control API,
 * and a KlarnaClient that records every sleep, attempt event and log call.
 */
import { inspect } from "node:util"
import { startSimulator } from "../../packages/simulator/server"
import {
  KlarnaClient,
  KlarnaError,
  type KlarnaAttemptEvent,
  type KlarnaClientConfig,
  type KlarnaOrderLine,
} from "../../packages/core/src/klarna"

export type Simulator = Awaited<ReturnType<typeof startSimulator>>

export const SIM_USERNAME = "PK_itest_merchant_0042"
export const SIM_PASSWORD = "itest-pw-Xy7#leak-canary"

export async function startSim(): Promise<Simulator> {
  return startSimulator({ port: 0, username: SIM_USERNAME, password: SIM_PASSWORD })
}

/** Calls the control API (no auth). */
export async function control<T = unknown>(sim: Simulator, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  if (res.status >= 400) throw new Error(`control ${method} ${path} -> ${res.status}: ${text}`)
  return (text === "" ? undefined : JSON.parse(text)) as T
}

export interface LoggedRequest {
  method: string
  path: string
  headers: Record<string, string>
  body: unknown
  status: number | null
  response: { headers: Record<string, string>; body: unknown } | null
  replayed?: boolean
  fault?: string
  dropped?: boolean
}

export async function simRequests(sim: Simulator, filter: { path_contains?: string; method?: string } = {}): Promise<LoggedRequest[]> {
  const q = new URLSearchParams(filter as Record<string, string>).toString()
  return control<LoggedRequest[]>(sim, "GET", `/__sim/requests${q ? `?${q}` : ""}`)
}

export async function addFault(
  sim: Simulator,
  match: { method?: string; path?: string; times?: number },
  fault: Record<string, unknown>,
): Promise<void> {
  await control(sim, "POST", "/__sim/faults", { match, fault })
}

/** 2 shirts at 50.00 (25% VAT) + shipping 5.00: 105.00 in total. */
export const SHIRT: KlarnaOrderLine = {
  type: "physical",
  reference: "SHIRT-M",
  name: "Shirt",
  quantity: 2,
  unit_price: 5000,
  tax_rate: 2500,
  total_amount: 10000,
  total_discount_amount: 0,
  total_tax_amount: 2000,
}
export const SHIPPING: KlarnaOrderLine = {
  type: "shipping_fee",
  reference: "SHIP",
  name: "Shipping",
  quantity: 1,
  unit_price: 500,
  tax_rate: 2500,
  total_amount: 500,
  total_discount_amount: 0,
  total_tax_amount: 100,
}
export const ONE_SHIRT: KlarnaOrderLine = { ...SHIRT, quantity: 1, total_amount: 5000, total_tax_amount: 1000 }

export const ORDER_FIXTURE = {
  order_amount: 10500,
  order_tax_amount: 2100,
  purchase_currency: "EUR",
  purchase_country: "DE",
  order_lines: [SHIRT, SHIPPING],
}

export async function createOrder(sim: Simulator, overrides: Record<string, unknown> = {}): Promise<string> {
  const order = await control<{ order_id: string }>(sim, "POST", "/__sim/orders", { ...ORDER_FIXTURE, ...overrides })
  return order.order_id
}

export interface Recorder {
  client: KlarnaClient
  sleeps: number[]
  events: KlarnaAttemptEvent[]
  /** Every logger call, rendered with all its arguments (JSON and util.inspect). */
  logs: string[]
}

export function recordingClient(sim: Simulator, extra: Partial<KlarnaClientConfig> = {}): Recorder {
  const sleeps: number[] = []
  const events: KlarnaAttemptEvent[] = []
  const logs: string[] = []
  const record =
    (level: string) =>
    (...args: unknown[]): void => {
      logs.push(`${level} ${args.map((a) => (typeof a === "string" ? a : `${JSON.stringify(a)} ${inspect(a, { depth: 10 })}`)).join(" ")}`)
    }
  const client = new KlarnaClient({
    username: sim.username,
    password: sim.password,
    baseUrl: sim.url,
    logger: { debug: record("debug"), info: record("info"), warn: record("warn"), error: record("error") },
    onResponse: (e) => events.push(e),
    sleep: async (ms) => {
      sleeps.push(ms)
    },
    random: () => 0,
    ...extra,
  })
  return { client, sleeps, events, logs }
}

export async function failure(p: Promise<unknown>): Promise<KlarnaError> {
  try {
    await p
  } catch (e: unknown) {
    if (e instanceof KlarnaError) return e
    throw e
  }
  throw new Error("expected the call to fail")
}

let keyCounter = 0
/** Test idempotency keys: unique per call site, like the engine's UUIDv5 keys. */
export function key(label: string): string {
  keyCounter += 1
  return `itest:${label}:${process.pid}:${keyCounter}`
}
