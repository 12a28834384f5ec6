/**
 * What a merchant does to a Medusa v2 order in the admin, through the admin API (the calls the dashboard
 * makes): fulfill, ship with labels, cancel, take a return back, capture and refund a payment.
 */
import type { V2AdminApi } from "./medusa-v2-stack"

export interface V2OrderItem {
  id: string
  quantity: number
  variant_sku?: string | null
  unit_price: number
}

export interface V2Fulfillment {
  id: string
  canceled_at: string | null
  shipped_at: string | null
}

export interface V2Payment {
  id: string
  provider_id: string
  amount: number
  data: Record<string, unknown> | null
}

export interface V2Order {
  id: string
  display_id: number
  status: string
  total: number
  currency_code: string
  items: V2OrderItem[]
  fulfillments: V2Fulfillment[]
  payment_collections: { id: string; payments: V2Payment[] }[]
}

const ORDER_FIELDS = "id,display_id,status,total,currency_code,*items,*fulfillments,*payment_collections,*payment_collections.payments"

export async function getV2Order(admin: V2AdminApi, orderId: string): Promise<V2Order> {
  return (await admin.get<{ order: V2Order }>(`/admin/orders/${orderId}?fields=${encodeURIComponent(ORDER_FIELDS)}`)).order
}

/** The order's payment made with `providerId` (default the Klarna provider). */
export async function paymentOf(admin: V2AdminApi, orderId: string, providerId = "pp_klarna_klarna"): Promise<V2Payment> {
  const order = await getV2Order(admin, orderId)
  const payment = order.payment_collections.flatMap((c) => c.payments ?? []).find((p) => p.provider_id === providerId)
  if (!payment) throw new Error(`order ${orderId} has no payment of ${providerId}`)
  return payment
}

/** Creates a fulfillment of `items` from `locationId`; resolves with the new fulfillment's id. */
export async function fulfillV2(
  admin: V2AdminApi,
  orderId: string,
  locationId: string,
  items: { id: string; quantity: number }[],
): Promise<string> {
  const before = new Set((await getV2Order(admin, orderId)).fulfillments.map((f) => f.id))
  await admin.post(`/admin/orders/${orderId}/fulfillments`, { items, location_id: locationId })
  const created = (await getV2Order(admin, orderId)).fulfillments.find((f) => !before.has(f.id))
  if (!created) throw new Error(`no new fulfillment on order ${orderId}`)
  return created.id
}

export interface V2Label {
  tracking_number: string
  tracking_url: string
  label_url: string
}

/** Marks a fulfillment shipped with its labels (tracking numbers). */
export async function shipV2(
  admin: V2AdminApi,
  orderId: string,
  fulfillmentId: string,
  items: { id: string; quantity: number }[],
  labels: V2Label[],
): Promise<void> {
  await admin.post(`/admin/orders/${orderId}/fulfillments/${fulfillmentId}/shipments`, { items, labels })
}

export async function cancelV2Fulfillment(admin: V2AdminApi, orderId: string, fulfillmentId: string): Promise<void> {
  await admin.post(`/admin/orders/${orderId}/fulfillments/${fulfillmentId}/cancel`, {})
}

export async function cancelV2Order(admin: V2AdminApi, orderId: string): Promise<void> {
  await admin.post(`/admin/orders/${orderId}/cancel`, {})
}

/** A return of `items`, requested and received in full (v2's return flow, as the dashboard runs it). */
export async function receiveV2Return(
  admin: V2AdminApi,
  orderId: string,
  locationId: string,
  items: { id: string; quantity: number }[],
  options: { returnShippingOptionId?: string } = {},
): Promise<string> {
  const returnId = await requestV2Return(admin, orderId, locationId, items, options)
  await receiveRequestedV2Return(admin, returnId, items)
  return returnId
}

/**
 * A return of `items` requested (not received yet), as the dashboard's "Create return" form confirms it; with
 * `returnShippingOptionId`, the return shipping the merchant picks in that form (POST .../shipping-method, which
 * the form sends when a return option is chosen, before the request is confirmed). Resolves with the return's id.
 */
export async function requestV2Return(
  admin: V2AdminApi,
  orderId: string,
  locationId: string,
  items: { id: string; quantity: number }[],
  options: { returnShippingOptionId?: string } = {},
): Promise<string> {
  const { return: created } = await admin.post<{ return: { id: string } }>("/admin/returns", { order_id: orderId, location_id: locationId })
  await admin.post(`/admin/returns/${created.id}/request-items`, { items })
  if (options.returnShippingOptionId) {
    await admin.post(`/admin/returns/${created.id}/shipping-method`, { shipping_option_id: options.returnShippingOptionId })
  }
  await admin.post(`/admin/returns/${created.id}/request`, {})
  return created.id
}

/** Receives a requested return: every unit of `items` back in stock. */
export async function receiveRequestedV2Return(
  admin: V2AdminApi,
  returnId: string,
  items: { id: string; quantity: number }[],
): Promise<void> {
  await admin.post(`/admin/returns/${returnId}/receive`, {})
  await admin.post(`/admin/returns/${returnId}/receive-items`, { items })
  await admin.post(`/admin/returns/${returnId}/receive/confirm`, {})
}

/** Medusa's Capture button on a payment (v2 sends no amount for a full capture). */
export async function captureV2Payment(admin: V2AdminApi, paymentId: string, amount?: number): Promise<void> {
  await admin.post(`/admin/payments/${paymentId}/capture`, amount === undefined ? {} : { amount })
}

/** Medusa's Refund on a payment; amount in v2's major units. */
export async function refundV2Payment(admin: V2AdminApi, paymentId: string, amount: number, note?: string): Promise<void> {
  await admin.post(`/admin/payments/${paymentId}/refund`, { amount, ...(note ? { note } : {}) })
}

/**
 * What the dashboard's refund form pre-fills for a payment: |pending difference| (what v2 says the order owes the
 * customer), at most the payment's amount; the payment's amount when nothing is owed.
 */
export async function v2RefundFormAmount(admin: V2AdminApi, orderId: string, paymentId: string): Promise<number> {
  const { order } = await admin.get<{
    order: { summary: { pending_difference: number }; payment_collections: { payments: { id: string; amount: number }[] }[] }
  }>(`/admin/orders/${orderId}?fields=id,summary.*,payment_collections.payments.id,payment_collections.payments.amount`)
  const payment = order.payment_collections.flatMap((c) => c.payments).find((p) => p.id === paymentId)
  const pending = Number(order.summary.pending_difference)
  return pending < 0 ? Math.min(-pending, Number(payment?.amount)) : Number(payment?.amount)
}
