/**
 * Shopify's three mandatory privacy (compliance) topics. What this adapter keeps per order is already
 * minimal (order-state.ts): ids, line items, amounts, fulfillment status and tracking numbers, refunds,
 * transactions; never a name, address, e-mail, phone number, note or note attribute.
 *
 * - customers/data_request: logs which of the requested orders are held, and what is held for them, so
 *   the merchant can answer the customer (nothing is sent anywhere by this adapter).
 * - customers/redact: scrubs the tracking numbers and URLs kept for the listed orders (the only data in
 *   the table a carrier could tie to a person) and marks the orders redacted. The engine's audit rows
 *   (klarna_capture, klarna_sync_job) keep the requests as sent to Klarna, as the record of what Klarna
 *   holds: amounts, order lines, tracking numbers, no personal details.
 * - shop/redact (48 h after uninstall): deletes everything kept for the shop, in this table and in the
 *   engine's tables.
 */
import type { SqlPort } from "@klarna-order-sync/core"
import type { SyncLogger } from "@klarna-order-sync/core"
import { ShopifyOrderRepository } from "./order-repository"
import type { FulfillmentPayload, Id, PrivacyPayload } from "./payloads"

export interface PrivacyResult {
  detail: string
  orderIds: string[]
}

const ids = (list: Id[] | null | undefined): string[] => (list ?? []).map((value) => String(value))

export async function handlePrivacyWebhook(
  tx: SqlPort,
  topic: string,
  shopDomain: string,
  payload: PrivacyPayload,
  logger: SyncLogger,
): Promise<PrivacyResult> {
  const orders = new ShopifyOrderRepository(tx)
  // The verified X-Shopify-Shop-Domain header names the shop (the body's shop_domain says the same).
  const shop = shopDomain
  if (topic === "CUSTOMERS_DATA_REQUEST") {
    const held = await orders.findMany(shop, ids(payload.orders_requested))
    const detail =
      held.length === 0
        ? "no data held for the requested orders"
        : `holds ${held.length} of the requested orders (order id, line items, amounts, fulfillment status and tracking numbers, refunds, ` +
          `transactions; no name, address, e-mail or phone): ${held.map((row) => row.order_id).join(", ")}`
    logger.info(`klarna-order-sync: shopify customers/data_request ${String(payload.data_request?.id ?? "")} for ${shop}: ${detail}`)
    return { detail, orderIds: held.map((row) => row.order_id) }
  }
  if (topic === "CUSTOMERS_REDACT") {
    const requested = ids(payload.orders_to_redact)
    const held = await orders.findMany(shop, requested)
    for (const row of held) {
      const scrubbed: Record<string, FulfillmentPayload> = {}
      for (const [key, fulfillment] of Object.entries(row.fulfillments)) {
        scrubbed[key] = { ...fulfillment, tracking_number: null, tracking_numbers: [], tracking_url: null, tracking_urls: [] }
      }
      await tx.query(`UPDATE klarna_shopify_order SET fulfillments = $2 WHERE order_id = $1`, [row.order_id, JSON.stringify(scrubbed)])
    }
    await orders.markRedacted(
      shop,
      held.map((row) => row.order_id),
    )
    const detail = `redacted ${held.length} of ${requested.length} orders`
    logger.info(`klarna-order-sync: shopify customers/redact for ${shop}: ${detail}`)
    return { detail, orderIds: held.map((row) => row.order_id) }
  }
  // SHOP_REDACT
  const removed = await orders.deleteShop(shop)
  const detail = `deleted ${removed} orders and their Klarna sync records`
  logger.info(`klarna-order-sync: shopify shop/redact for ${shop}: ${detail}`)
  return { detail, orderIds: [] }
}
