/** Reads the simulator's state over its /__sim control API (what Klarna holds), for assertions. */
import type { KlarnaOrderLine, KlarnaShippingInfo } from "../../packages/core/src/klarna/types"

export interface SimCapture {
  capture_id: string
  captured_amount: number
  reference?: string
  order_lines?: KlarnaOrderLine[]
  shipping_info?: KlarnaShippingInfo[]
}

export interface SimOrder {
  order_id: string
  status: string
  order_amount: number
  captured_amount: number
  refunded_amount: number
  remaining_authorized_amount: number
  merchant_reference1?: string | null
  merchant_reference2?: string | null
  captures: SimCapture[]
  refunds: { refund_id: string; refunded_amount: number; reference?: string; order_lines?: KlarnaOrderLine[] }[]
}

export interface SimRequest {
  method: string
  path: string
  /** When the simulator received it (ISO 8601). */
  at: string
  headers: Record<string, string>
  body: unknown
  status: number
}

export async function simOrder(simulatorUrl: string, orderId: string): Promise<SimOrder> {
  const response = await fetch(`${simulatorUrl}/__sim/orders/${orderId}`)
  if (!response.ok) throw new Error(`simulator has no order ${orderId} (${response.status})`)
  return (await response.json()) as SimOrder
}

/** Polls the simulator until the Klarna order satisfies `condition` (what Klarna holds once the plugin's jobs ran). */
export async function simOrderWhen(
  simulatorUrl: string,
  orderId: string,
  condition: (order: SimOrder) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<SimOrder> {
  const deadline = Date.now() + timeoutMs
  let last: SimOrder | undefined
  for (;;) {
    last = await simOrder(simulatorUrl, orderId).catch(() => last)
    if (last && condition(last)) return last
    if (Date.now() > deadline)
      throw new Error(`simulator: ${what} not reached in ${timeoutMs} ms on order ${orderId}: ${JSON.stringify(last)?.slice(0, 2000)}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

export async function simRequests(simulatorUrl: string, pathContains?: string): Promise<SimRequest[]> {
  const query = pathContains ? `?path_contains=${encodeURIComponent(pathContains)}` : ""
  const response = await fetch(`${simulatorUrl}/__sim/requests${query}`)
  const body = (await response.json()) as SimRequest[] | { requests: SimRequest[] }
  return Array.isArray(body) ? body : body.requests
}

export async function simFault(simulatorUrl: string, fault: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${simulatorUrl}/__sim/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(fault),
  })
  if (!response.ok) throw new Error(`simulator refused the fault: ${response.status} ${await response.text()}`)
}

export async function simClearFaults(simulatorUrl: string): Promise<void> {
  await fetch(`${simulatorUrl}/__sim/faults`, { method: "DELETE" })
}

/** A Klarna order at the simulator (AUTHORIZED, no lines), as a checkout would have made it: its id. */
export async function simCreateOrder(simulatorUrl: string, orderAmount: number, currency = "EUR", country = "DE"): Promise<string> {
  const response = await fetch(`${simulatorUrl}/__sim/orders`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ order_amount: orderAmount, purchase_currency: currency, purchase_country: country }),
  })
  if (!response.ok) throw new Error(`simulator refused the order: ${response.status} ${await response.text()}`)
  return ((await response.json()) as { order_id: string }).order_id
}

/** A Klarna order line's fields that tests compare, line by line (a missing total_discount_amount is 0). */
export function klarnaLineFields(l: KlarnaOrderLine) {
  return {
    type: l.type,
    reference: l.reference,
    name: l.name,
    quantity: l.quantity,
    unit_price: l.unit_price,
    tax_rate: l.tax_rate,
    total_amount: l.total_amount,
    total_tax_amount: l.total_tax_amount,
    total_discount_amount: l.total_discount_amount ?? 0,
  }
}
