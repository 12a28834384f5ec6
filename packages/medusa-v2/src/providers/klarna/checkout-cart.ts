/**
 * The cart behind a payment session, read with Medusa's `query` (the provider runs in the payment module's
 * container, which has none: the sync service lends the app's). v2 hands a provider only the amount, the
 * currency and the payment session id (context.idempotency_key), so the lines come from here:
 * payment_session → payment_collection → cart (the cart_payment_collection link) → cart with its totals.
 * At authorizePayment the cart is the one being completed (Medusa has created the order, not yet deleted
 * anything), so the Klarna order carries the lines the shopper saw.
 */
import { CART_FIELDS_FOR_KLARNA, type V2CartForKlarna } from "../../lib/provider-checkout"
import type { QueryGraph as GraphQuery } from "../../medusa/query-order-source"

async function first<T>(query: GraphQuery, entity: string, fields: string[], filters: Record<string, unknown>): Promise<T | undefined> {
  const { data } = await query.graph({ entity, fields, filters })
  return data[0] as T | undefined
}

export async function readCheckoutCart(query: GraphQuery, paymentSessionId: string): Promise<V2CartForKlarna> {
  const session = await first<{ payment_collection_id: string }>(query, "payment_session", ["id", "payment_collection_id"], {
    id: paymentSessionId,
  })
  if (!session) throw new Error(`payment session ${paymentSessionId} not found`)
  const link = await first<{ cart_id: string }>(query, "cart_payment_collection", ["cart_id"], {
    payment_collection_id: session.payment_collection_id,
  })
  if (!link) throw new Error(`payment collection ${session.payment_collection_id} belongs to no cart (Klarna checkout is for carts)`)
  const cart = await first<V2CartForKlarna>(query, "cart", CART_FIELDS_FOR_KLARNA, { id: link.cart_id })
  if (!cart) throw new Error(`cart ${link.cart_id} not found`)
  return cart
}
