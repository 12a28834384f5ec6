/**
 * Helpers shared by the admin API test and the browser test: a Klarna checkout on the seeded store, the
 * plugin's admin API, and a Klarna refusal injected into the simulator.
 */
import type { MedusaStack } from "../support/medusa-stack"
import { simFault } from "../support/simulator-client"
import { checkout, eventually, type CheckoutResult, type StoreApi } from "../support/store-api"
import type { KlarnaOrder } from "../../packages/admin-widget/src/lib/types"

export type { KlarnaOrder }

export function klarnaCheckout(stack: MedusaStack, items: { product: number; quantity: number }[]): Promise<CheckoutResult> {
  return checkout(stack.api, {
    regionId: stack.store.regionId,
    shippingOptionId: stack.store.shippingOptionId,
    items: items.map((item) => ({ variantId: stack.store.products[item.product].variantId, quantity: item.quantity })),
    provider: "klarna",
    simulatorUrl: stack.simulator.url,
  })
}

export function manualCheckout(stack: MedusaStack, product = 0): Promise<CheckoutResult> {
  return checkout(stack.api, {
    regionId: stack.store.regionId,
    shippingOptionId: stack.store.shippingOptionId,
    items: [{ variantId: stack.store.products[product].variantId, quantity: 1 }],
    provider: "manual",
  })
}

export function itemOf(stack: MedusaStack, placed: CheckoutResult, product: number) {
  const item = placed.order.items.find((candidate) => candidate.variant_id === stack.store.products[product].variantId)
  if (!item) throw new Error(`order has no item of product ${product}`)
  return item
}

export async function klarnaView(api: StoreApi, orderId: string): Promise<KlarnaOrder> {
  const { klarna_order } = await api.admin<{ klarna_order: KlarnaOrder }>("GET", `/klarna/orders/${orderId}`)
  return klarna_order
}

/** Polls the plugin's admin API until the Klarna view satisfies `condition`. */
export function viewWhen(api: StoreApi, orderId: string, condition: (view: KlarnaOrder) => boolean, what: string, timeoutMs = 20_000) {
  return eventually(
    async () => {
      const view = await klarnaView(api, orderId)
      return condition(view) ? view : undefined
    },
    { timeoutMs, what },
  )
}

export const REFUSAL = {
  error_code: "CAPTURE_NOT_ALLOWED",
  error_messages: ["Captured amount is higher than the remaining authorized amount. Capture not possible."],
  correlation_id: "8a3e1f7c-61d2-4a3b-9a44-2f1f4c1e9b01",
}

/** Klarna refuses the next capture of this order with 403 (a 4xx: the plugin parks the job for a manual retry). */
export function refuseNextCapture(simulatorUrl: string, klarnaOrderId: string): Promise<void> {
  return simFault(simulatorUrl, {
    match: { method: "POST", path: `${klarnaOrderId}/captures$`, times: 1 },
    fault: { type: "http", status: 403, body: REFUSAL },
  })
}

/** A status and body from a raw request (no throwing on non-2xx), with or without the admin token. */
export async function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  token?: string,
): Promise<{ status: number; body: unknown; text: string }> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { Accept: "application/json", "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: method === "GET" ? undefined : "{}",
  })
  const text = await res.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, text }
}
