import { MigrationInterface, QueryRunner } from "typeorm"
import { runStatements } from "@klarna-order-sync/core"
import { KLARNA_RATE_STATE } from "@klarna-order-sync/core"

/** The call gates' shared state, as a TypeORM migration (Medusa runs it): the statements of KLARNA_RATE_STATE (src/storage/schema.ts), explained there. */
export class KlarnaRateState1764400000000 implements MigrationInterface {
  name = KLARNA_RATE_STATE.name

  public async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, KLARNA_RATE_STATE.up)
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, KLARNA_RATE_STATE.down)
  }
}
