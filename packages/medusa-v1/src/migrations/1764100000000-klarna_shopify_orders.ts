import { MigrationInterface, QueryRunner } from "typeorm"
import { runStatements } from "@klarna-order-sync/core"
import { KLARNA_SHOPIFY_ORDERS } from "../../../shopify/src/schema"

/** The Shopify adapter's klarna_shopify_order table, as a TypeORM migration (Medusa runs it): the statements of KLARNA_SHOPIFY_ORDERS (src/shopify/schema.ts), explained there. */
export class KlarnaShopifyOrders1764100000000 implements MigrationInterface {
  name = KLARNA_SHOPIFY_ORDERS.name

  public async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, KLARNA_SHOPIFY_ORDERS.up)
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, KLARNA_SHOPIFY_ORDERS.down)
  }
}
