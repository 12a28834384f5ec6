/**
 * The Shopify adapter: verified webhooks → stored order state → the same sync engine as Medusa's.
 * See docs/shopify.md for what it does (and deliberately does not do) on Shopify.
 */
export { createShopifySync, DEFAULT_SHOPIFY_WORKER_OPTIONS } from "./create-shopify-sync"
export type { ShopifySync, ShopifySyncConfig, ShopifyWorkerOptions } from "./create-shopify-sync"
export { createShopifyWebhookHandler } from "./webhook-handler"
export type { NodeHandler } from "./webhook-handler"
export { createWebhookVerifier } from "./verify-webhook"
export type { WebhookVerifier, WebhookVerification } from "./verify-webhook"
export { ShopifyWebhookIngest } from "./ingest"
export type { IngestOutcome, VerifiedWebhook } from "./ingest"
export { ShopifyOrderSource } from "./order-source"
export { toSnapshot } from "./map-order"
export { shopifyAdapterOptions, parseKlarnaOrderIdSources, DEFAULT_KLARNA_ORDER_ID_SOURCES } from "./options"
export type { ShopifyAdapterOptions, ShopifyKlarnaMode, KlarnaOrderIdSource } from "./options"
export { SHOPIFY_MIGRATIONS } from "./schema"
export { startShopifyServer, configFromEnv } from "./standalone"
export type { ShopifyServerConfig, RunningShopifyServer } from "./standalone"
