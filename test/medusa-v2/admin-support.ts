/**
 * Helpers of the Medusa v2 admin suites (admin-api.test.ts, widget.browser.test.ts): a Klarna order placed
 * through the plugin's provider, fulfilled and shipped through v2's admin API, and the plugin's Klarna view
 * read until it shows what a test waits for.
 */
import type { KlarnaOrder } from "../../packages/admin-widget/src/lib/types"
import { klarnaCheckoutV2, type KlarnaCheckoutV2Result } from "../support/medusa-v2-klarna-checkout"
import type { V2SyncStack } from "../support/medusa-v2-sync-stack"
import type { V2AdminApi } from "../support/medusa-v2-stack"
import { eventually } from "../support/store-api"

export type { KlarnaOrder }

export interface PlacedV2Order extends KlarnaCheckoutV2Result {
  /** The order's line items by SKU (ids for fulfillments). */
  items: Record<string, { id: string; quantity: number }>
  /** Medusa's order total, in major units as v2 keeps it. */
  total: number
}

async function orderItems(admin: V2AdminApi, orderId: string): Promise<{ items: PlacedV2Order["items"]; total: number }> {
  const { order } = await admin.get<{ order: { total: number; items: { id: string; variant_sku: string; quantity: number }[] } }>(
    `/admin/orders/${orderId}?fields=id,total,*items`,
  )
  return {
    items: Object.fromEntries(order.items.map((item) => [item.variant_sku, { id: item.id, quantity: item.quantity }])),
    total: order.total,
  }
}

export async function placeKlarnaOrder(stack: V2SyncStack, items: { sku: string; quantity: number }[]): Promise<PlacedV2Order> {
  const placed = await klarnaCheckoutV2(stack, stack.store, stack.simulator.url, { items })
  return { ...placed, ...(await orderItems(stack.admin, placed.orderId)) }
}

/** A fulfillment of these items from the seeded stock location; returns its id. */
export async function fulfill(stack: V2SyncStack, orderId: string, items: { id: string; quantity: number }[]): Promise<string> {
  const before = await fulfillmentIds(stack.admin, orderId)
  await stack.admin.post(`/admin/orders/${orderId}/fulfillments`, { items, location_id: stack.store.stockLocationId })
  const created = (await fulfillmentIds(stack.admin, orderId)).filter((id) => !before.includes(id))
  if (created.length !== 1) throw new Error(`fulfill: expected one new fulfillment on ${orderId}, found ${created.length}`)
  return created[0]
}

async function fulfillmentIds(admin: V2AdminApi, orderId: string): Promise<string[]> {
  const { order } = await admin.get<{ order: { fulfillments: { id: string }[] } }>(`/admin/orders/${orderId}?fields=id,*fulfillments`)
  return order.fulfillments.map((f) => f.id)
}

/** Marks a fulfillment shipped with these parcels (v2 keeps tracking numbers in the fulfillment's labels). */
export async function ship(
  stack: V2SyncStack,
  orderId: string,
  fulfillmentId: string,
  items: { id: string; quantity: number }[],
  labels: { tracking_number: string; tracking_url?: string }[],
): Promise<void> {
  await stack.admin.post(`/admin/orders/${orderId}/fulfillments/${fulfillmentId}/shipments`, {
    items,
    labels: labels.map((label) => ({ tracking_number: label.tracking_number, tracking_url: label.tracking_url ?? "", label_url: "" })),
  })
}

export async function klarnaViewV2(admin: V2AdminApi, orderId: string): Promise<KlarnaOrder> {
  const { klarna_order } = await admin.get<{ klarna_order: KlarnaOrder }>(`/admin/klarna/orders/${encodeURIComponent(orderId)}`)
  return klarna_order
}

/** Polls GET /admin/klarna/orders/:id until the view satisfies `condition`. */
export function viewWhenV2(
  admin: V2AdminApi,
  orderId: string,
  condition: (view: KlarnaOrder) => boolean,
  what: string,
  timeoutMs = 30_000,
) {
  return eventually(
    async () => {
      const view = await klarnaViewV2(admin, orderId)
      return condition(view) ? view : undefined
    },
    { timeoutMs, what },
  )
}

export const settled = (view: KlarnaOrder) => view.jobs.length > 0 && view.jobs.every((j) => j.state !== "pending" && j.state !== "running")
