/**
 * A checkout through Medusa v2's store API, as a storefront does it: cart, line items, email and address,
 * shipping method, payment collection, payment session, complete. Returns the placed order's id.
 */
import type { V2SeededStore } from "./medusa-v2-seed"
import { SWEDISH_ADDRESS } from "./store-api"

export interface V2CheckoutOptions {
  items: { sku: string; quantity: number }[]
  /** Default Medusa's built-in "pp_system_default" (authorizes at once). */
  paymentProviderId?: string
  /** Data for the payment session (e.g. a Klarna authorization token). */
  paymentData?: Record<string, unknown>
  email?: string
}

export async function storeRequest<T>(url: string, store: V2SeededStore, method: string, route: string, body?: unknown): Promise<T> {
  const res = await fetch(`${url}${route}`, {
    method,
    headers: { "x-publishable-api-key": store.publishableKey, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  if (res.status < 200 || res.status >= 300) throw new Error(`store ${method} ${route} answered ${res.status}: ${text}`)
  return JSON.parse(text) as T
}

/**
 * A cart ready to pay: line items, email and addresses, the shipping method, and its payment collection.
 * Returns their ids (the payment session is the caller's: each provider has its own steps).
 */
export async function prepareV2Cart(
  url: string,
  store: V2SeededStore,
  options: Pick<V2CheckoutOptions, "items" | "email">,
): Promise<{ cartId: string; paymentCollectionId: string }> {
  const call = <T>(method: string, route: string, body?: unknown): Promise<T> => storeRequest<T>(url, store, method, route, body)
  const { cart } = await call<{ cart: { id: string } }>("POST", "/store/carts", {
    region_id: store.regionId,
    sales_channel_id: store.salesChannelId,
  })
  for (const item of options.items) {
    const variant = store.variants[item.sku]
    if (!variant) throw new Error(`checkoutV2: no seeded variant with SKU ${item.sku}`)
    await call("POST", `/store/carts/${cart.id}/line-items`, { variant_id: variant.variantId, quantity: item.quantity })
  }
  await call("POST", `/store/carts/${cart.id}`, {
    email: options.email ?? "customer@klarna-order-sync.test",
    shipping_address: SWEDISH_ADDRESS,
    billing_address: SWEDISH_ADDRESS,
  })
  await call("POST", `/store/carts/${cart.id}/shipping-methods`, { option_id: store.shippingOptionId })
  const { payment_collection: collection } = await call<{ payment_collection: { id: string } }>("POST", "/store/payment-collections", {
    cart_id: cart.id,
  })
  return { cartId: cart.id, paymentCollectionId: collection.id }
}

/** POST /store/carts/:id/complete; throws unless it placed an order. Returns the order id. */
export async function completeV2Cart(url: string, store: V2SeededStore, cartId: string): Promise<string> {
  const completed = await storeRequest<{ type: string; order?: { id: string }; error?: unknown }>(
    url,
    store,
    "POST",
    `/store/carts/${cartId}/complete`,
  )
  if (completed.type !== "order" || !completed.order) throw new Error(`the cart did not complete: ${JSON.stringify(completed)}`)
  return completed.order.id
}

export async function checkoutV2(
  url: string,
  store: V2SeededStore,
  options: V2CheckoutOptions,
): Promise<{ orderId: string; cartId: string }> {
  const { cartId, paymentCollectionId } = await prepareV2Cart(url, store, options)
  await storeRequest(url, store, "POST", `/store/payment-collections/${paymentCollectionId}/payment-sessions`, {
    provider_id: options.paymentProviderId ?? "pp_system_default",
    data: options.paymentData ?? {},
  })
  return { orderId: await completeV2Cart(url, store, cartId), cartId }
}
