import { MigrationInterface, QueryRunner } from "typeorm"
import { runStatements } from "@klarna-order-sync/core"
import { KLARNA_ORDER_MERCHANT_REFERENCES } from "@klarna-order-sync/core"

/** The merchant reference columns of klarna_order, as a TypeORM migration (Medusa runs it): the statements of KLARNA_ORDER_MERCHANT_REFERENCES (src/storage/schema.ts), explained there. */
export class KlarnaOrderMerchantReferences1764300000000 implements MigrationInterface {
  name = KLARNA_ORDER_MERCHANT_REFERENCES.name

  public async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, KLARNA_ORDER_MERCHANT_REFERENCES.up)
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, KLARNA_ORDER_MERCHANT_REFERENCES.down)
  }
}
