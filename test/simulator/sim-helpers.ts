/**
 * Test helpers for the simulator tests: real HTTP with Node's fetch, nothing mocked.
 */
import type { RunningSimulator } from "../../packages/simulator/server"

export interface HttpResult {
  status: number
  headers: Headers
  /** Parsed JSON, or null when the body is empty. */
  body: any // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string
}

export interface CallOptions {
  body?: unknown
  /** Raw body text (overrides `body`). */
  raw?: string
  headers?: Record<string, string>
  /** false = send no Authorization header; object = other credentials. */
  auth?: false | { username: string; password: string }
  idempotencyKey?: string
}

export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`
}

export async function call(sim: RunningSimulator, method: string, path: string, opts: CallOptions = {}): Promise<HttpResult> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) }
  if (opts.auth !== false) {
    const creds = opts.auth ?? { username: sim.username, password: sim.password }
    headers.Authorization = basic(creds.username, creds.password)
  }
  if (opts.idempotencyKey) headers["Klarna-Idempotency-Key"] = opts.idempotencyKey
  let payload: string | undefined = opts.raw
  if (payload === undefined && opts.body !== undefined) payload = JSON.stringify(opts.body)
  if (payload !== undefined) headers["Content-Type"] ??= "application/json"
  const res = await fetch(`${sim.url}${path}`, { method, headers, body: payload })
  const text = await res.text()
  let body: unknown = null
  if (text) {
    try {
      body = JSON.parse(text)
    } catch {
      body = text
    }
  }
  return { status: res.status, headers: res.headers, body, text }
}

export const OM = "/ordermanagement/v1/orders"

/** Control API call (no auth). */
export const control = (sim: RunningSimulator, method: string, path: string, body?: unknown): Promise<HttpResult> =>
  call(sim, method, `/__sim${path}`, { body, auth: false })

/** The "Tomatoes" line of Klarna's capture-and-track-orders docs. */
export const TOMATOES = {
  type: "physical",
  reference: "123050",
  name: "Tomatoes",
  quantity: 10,
  quantity_unit: "kg",
  unit_price: 600,
  tax_rate: 2500,
  total_amount: 6000,
  total_tax_amount: 1200,
}

/** line(quantity, unit_price, tax_rate=2500) with correct totals. */
export type TestLine = {
  type: string
  reference: string
  name: string
  quantity: number
  unit_price: number
  tax_rate: number
  total_amount: number
  total_discount_amount: number
  total_tax_amount: number
}

export function line(name: string, quantity: number, unitPrice: number, taxRate = 2500, discount = 0): TestLine {
  const total = quantity * unitPrice - discount
  return {
    type: "physical",
    reference: name.toLowerCase(),
    name,
    quantity,
    unit_price: unitPrice,
    tax_rate: taxRate,
    total_amount: total,
    total_discount_amount: discount,
    total_tax_amount: total - Math.round((total * 10000) / (10000 + taxRate)),
  }
}

/** Creates an AUTHORIZED order through the control API; returns its id. */
export async function newOrder(sim: RunningSimulator, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await control(sim, "POST", "/orders", {
    order_amount: 6000,
    purchase_currency: "USD",
    purchase_country: "US",
    order_lines: [TOMATOES],
    ...extra,
  })
  if (res.status !== 201) throw new Error(`create order failed: ${res.status} ${res.text}`)
  return res.body.order_id as string
}

export async function capture(
  sim: RunningSimulator,
  orderId: string,
  amount: number,
  extra: Record<string, unknown> = {},
  key?: string,
): Promise<HttpResult> {
  return call(sim, "POST", `${OM}/${orderId}/captures`, { body: { captured_amount: amount, ...extra }, idempotencyKey: key })
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function getOrder(sim: RunningSimulator, orderId: string): Promise<any> {
  const res = await call(sim, "GET", `${OM}/${orderId}`)
  if (res.status !== 200) throw new Error(`get order failed: ${res.status} ${res.text}`)
  return res.body
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** Asserts Klarna's error body shape and returns it. */
export function expectKlarnaError(
  res: HttpResult,
  status: number,
  code: string,
): { error_code: string; error_messages: string[]; correlation_id: string } {
  expect({ status: res.status, code: res.body?.error_code }).toEqual({ status, code })
  expect(Array.isArray(res.body.error_messages)).toBe(true)
  expect(res.body.correlation_id).toMatch(UUID_RE)
  expect(res.headers.get("klarna-correlation-id")).toBe(res.body.correlation_id)
  return res.body
}
