import { MigrationInterface, QueryRunner } from "typeorm"
import { runStatements } from "@klarna-order-sync/core"
import { KLARNA_CHECKOUT_AUTHORIZATIONS } from "@klarna-order-sync/core"

/** The klarna_authorization table (Klarna orders created at checkout), as a TypeORM migration (Medusa runs it): the statements of KLARNA_CHECKOUT_AUTHORIZATIONS (src/storage/schema.ts), explained there. */
export class KlarnaCheckoutAuthorizations1764200000000 implements MigrationInterface {
  name = KLARNA_CHECKOUT_AUTHORIZATIONS.name

  public async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, KLARNA_CHECKOUT_AUTHORIZATIONS.up)
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, KLARNA_CHECKOUT_AUTHORIZATIONS.down)
  }
}
