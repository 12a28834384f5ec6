/**
 * The Shopify adapter's own table, as SQL (applied by the Shopify server through runSqlMigrations, and by
 * the TypeORM migration class of the same name).
 */
import {
  KLARNA_ORDER_MERCHANT_REFERENCES,
  KLARNA_RATE_STATE,
  KLARNA_SYNC_JOB_RUNNING_INDEX,
  KLARNA_SYNC_TABLES,
} from "@klarna-order-sync/core"
import type { SqlMigration } from "@klarna-order-sync/core"

/**
 * The Shopify adapter's view of each Shopify order, built from verified webhooks only (there is no
 * Admin API call): the latest order payload and every fulfillment, refund and transaction seen, each
 * reduced to the fields the sync needs (no customer data), plus the Klarna order id resolved for it and
 * why an order is left alone. The engine's own tables (klarna_order, klarna_capture, ...) hold the
 * Klarna side with `platform = 'shopify'`.
 */
export const KLARNA_SHOPIFY_ORDERS: SqlMigration = {
  name: "KlarnaShopifyOrders1764100000000",
  up: [
    `
      CREATE TABLE "klarna_shopify_order" (
        "order_id" character varying NOT NULL,
        "shop_domain" character varying NOT NULL,
        "order_payload" jsonb,
        "fulfillments" jsonb NOT NULL DEFAULT '{}',
        "refunds" jsonb NOT NULL DEFAULT '{}',
        "transactions" jsonb NOT NULL DEFAULT '{}',
        "klarna_order_id" character varying,
        "klarna_status" character varying NOT NULL DEFAULT 'awaiting_order',
        "klarna_detail" text,
        "last_topic" character varying,
        "redacted_at" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_klarna_shopify_order" PRIMARY KEY ("order_id"),
        CONSTRAINT "CHK_klarna_shopify_order_status" CHECK ("klarna_status" IN
          ('klarna', 'awaiting_order', 'not_klarna', 'no_klarna_order_id', 'invalid_klarna_order_id'))
      )`,
    `CREATE INDEX "IDX_klarna_shopify_order_shop" ON "klarna_shopify_order" ("shop_domain")`,
    `CREATE INDEX "IDX_klarna_shopify_order_klarna_id" ON "klarna_shopify_order" ("klarna_order_id")`,
  ],
  down: [`DROP TABLE "klarna_shopify_order"`],
}

/**
 * What the Shopify server applies, in this order (the order TypeORM applied them in before, so a database
 * it migrated is recognised): the core's tables without checkout authorizations (Shopify checks out on
 * its own), this adapter's table, the merchant-reference columns (klarna_order is one table for every
 * platform; Shopify sets none), the call gates' shared state (klarna_rate_state: servers on the same Klarna
 * credentials share 429 pauses and the limit) and the outbox's one-running-job-per-order index (the claim
 * relies on it).
 */
export const SHOPIFY_MIGRATIONS: readonly SqlMigration[] = [
  KLARNA_SYNC_TABLES,
  KLARNA_SHOPIFY_ORDERS,
  KLARNA_ORDER_MERCHANT_REFERENCES,
  KLARNA_RATE_STATE,
  KLARNA_SYNC_JOB_RUNNING_INDEX,
]
