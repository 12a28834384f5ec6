import { MigrationInterface, QueryRunner } from "typeorm"
import { runStatements } from "@klarna-order-sync/core"
import { KLARNA_SYNC_TABLES } from "@klarna-order-sync/core"

/** The mapping, outbox and audit tables, as a TypeORM migration (Medusa runs it): the statements of KLARNA_SYNC_TABLES (src/storage/schema.ts), explained there. */
export class KlarnaSyncTables1764000000000 implements MigrationInterface {
  name = KLARNA_SYNC_TABLES.name

  public async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, KLARNA_SYNC_TABLES.up)
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, KLARNA_SYNC_TABLES.down)
  }
}
