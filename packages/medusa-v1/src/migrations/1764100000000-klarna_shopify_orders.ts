import { MigrationInterface, QueryRunner } from "typeorm"

/**
 * The Shopify adapter's view of each Shopify order, built from verified webhooks only (there is no
 * Admin API call): the latest order payload and every fulfillment, refund and transaction seen, each
 * reduced to the fields the sync needs (no customer data), plus the Klarna order id resolved for it and
 * why an order is left alone. The engine's own tables (klarna_order, klarna_capture, ...) hold the
 * Klarna side with `platform = 'shopify'`.
 */
export class KlarnaShopifyOrders1764100000000 implements MigrationInterface {
  name = "KlarnaShopifyOrders1764100000000"

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
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
      )`)
    await queryRunner.query(`CREATE INDEX "IDX_klarna_shopify_order_shop" ON "klarna_shopify_order" ("shop_domain")`)
    await queryRunner.query(`CREATE INDEX "IDX_klarna_shopify_order_klarna_id" ON "klarna_shopify_order" ("klarna_order_id")`)
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "klarna_shopify_order"`)
  }
}
