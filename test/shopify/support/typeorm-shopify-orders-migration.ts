import { MigrationInterface, QueryRunner } from "typeorm"
import { runStatements } from "@klarna-order-sync/core"
import { KLARNA_SHOPIFY_ORDERS } from "../../../packages/shopify/src/schema"

/**
 * The Shopify adapter's klarna_shopify_order table as a TypeORM migration, for the tests that mount the Shopify
 * handlers in a host app migrated by TypeORM (and show the SQL runner takes over such a database). The Shopify
 * server itself runs the same statements through runSqlMigrations (packages/shopify/src/schema.ts); the Medusa
 * plugin no longer ships this table: a Medusa store has no Shopify orders.
 */
export class KlarnaShopifyOrders1764100000000 implements MigrationInterface {
  name = KLARNA_SHOPIFY_ORDERS.name

  public async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, KLARNA_SHOPIFY_ORDERS.up)
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, KLARNA_SHOPIFY_ORDERS.down)
  }
}
