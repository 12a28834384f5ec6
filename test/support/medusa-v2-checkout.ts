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

export async function checkoutV2(
  url: string,
  store: V2SeededStore,
  options: V2CheckoutOptions,
): Promise<{ orderId: string; cartId: string }> {
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
  await call("POST", `/store/payment-collections/${collection.id}/payment-sessions`, {
    provider_id: options.paymentProviderId ?? "pp_system_default",
    data: options.paymentData ?? {},
  })
  const completed = await call<{ type: string; order?: { id: string }; error?: unknown }>("POST", `/store/carts/${cart.id}/complete`)
  if (completed.type !== "order" || !completed.order) throw new Error(`checkoutV2: the cart did not complete: ${JSON.stringify(completed)}`)
  return { orderId: completed.order.id, cartId: cart.id }
}
