/**
 * A Klarna checkout through Medusa v2's store API, as a storefront does it with the plugin's provider
 * (pp_klarna_klarna; the seeded region must enable it: seedV2Store(admin, { paymentProviders: [KLARNA_V2_PROVIDER_ID] })):
 *
 *   cart → payment collection → payment session (initiatePayment opens a Klarna Payments session) →
 *   Klarna's widget approves it (here: the simulator's POST /__sim/sessions/:id/authorize) → the
 *   authorization_token handed over by creating the session again with data {authorization_token} →
 *   complete (authorizePayment creates the Klarna order).
 *
 *   const { orderId, klarnaOrderId, paymentId } = await klarnaCheckoutV2(stack, store, simulator.url, {
 *     items: [{ sku: "TOM-1", quantity: 3 }],
 *   })
 */
import type { V2SeededStore } from "./medusa-v2-seed"
import { completeV2Cart, prepareV2Cart, storeRequest } from "./medusa-v2-checkout"
import type { MedusaV2Stack } from "./medusa-v2-stack"
import { authorizeKlarnaSession } from "./store-api"

export const KLARNA_V2_PROVIDER_ID = "pp_klarna_klarna"

export interface KlarnaCheckoutV2Result {
  orderId: string
  cartId: string
  /** payment.data.order_id: the Klarna order. */
  klarnaOrderId: string
  /** The Klarna Payments session the widget authorized. */
  klarnaSessionId: string
  /** Medusa's payment (for /admin/payments/:id/capture and /refund). */
  paymentId: string
}

interface PaymentSession {
  id: string
  provider_id: string
  data: Record<string, unknown>
}

export async function klarnaCheckoutV2(
  stack: Pick<MedusaV2Stack, "server" | "admin">,
  store: V2SeededStore,
  simulatorUrl: string,
  options: { items: { sku: string; quantity: number }[]; email?: string },
): Promise<KlarnaCheckoutV2Result> {
  const url = stack.server.url
  const { cartId, paymentCollectionId } = await prepareV2Cart(url, store, options)
  const createSession = async (data: Record<string, unknown>): Promise<PaymentSession> => {
    const { payment_collection: collection } = await storeRequest<{ payment_collection: { payment_sessions: PaymentSession[] } }>(
      url,
      store,
      "POST",
      `/store/payment-collections/${paymentCollectionId}/payment-sessions`,
      { provider_id: KLARNA_V2_PROVIDER_ID, data },
    )
    const session = collection.payment_sessions.find((s) => s.provider_id === KLARNA_V2_PROVIDER_ID)
    if (!session) throw new Error(`klarnaCheckoutV2: no Klarna payment session: ${JSON.stringify(collection)}`)
    return session
  }

  const opened = await createSession({})
  const klarnaSessionId = opened.data.session_id
  if (typeof klarnaSessionId !== "string" || typeof opened.data.client_token !== "string") {
    throw new Error(`klarnaCheckoutV2: the session has no Klarna session_id/client_token: ${JSON.stringify(opened.data)}`)
  }
  const authorizationToken = await authorizeKlarnaSession(simulatorUrl, klarnaSessionId)
  await createSession({ authorization_token: authorizationToken })
  const orderId = await completeV2Cart(url, store, cartId)

  const { order } = await stack.admin.get<{
    order: { payment_collections: { payments: { id: string; provider_id: string; data: Record<string, unknown> }[] }[] }
  }>(`/admin/orders/${orderId}?fields=id,*payment_collections,*payment_collections.payments`)
  const payment = order.payment_collections.flatMap((c) => c.payments).find((p) => p.provider_id === KLARNA_V2_PROVIDER_ID)
  const klarnaOrderId = payment?.data?.order_id
  if (!payment || typeof klarnaOrderId !== "string") {
    throw new Error(`klarnaCheckoutV2: order ${orderId} has no Klarna payment with data.order_id: ${JSON.stringify(order)}`)
  }
  return { orderId, cartId, klarnaOrderId, klarnaSessionId, paymentId: payment.id }
}
