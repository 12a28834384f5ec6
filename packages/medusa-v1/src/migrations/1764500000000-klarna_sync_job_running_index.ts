import { MigrationInterface, QueryRunner } from "typeorm"
import { runStatements } from "@klarna-order-sync/core"
import { KLARNA_SYNC_JOB_RUNNING_INDEX } from "@klarna-order-sync/core"

/** One running job per order, by a partial unique index, as a TypeORM migration (Medusa runs it): the statements of KLARNA_SYNC_JOB_RUNNING_INDEX (src/storage/schema.ts), explained there. */
export class KlarnaSyncJobRunningIndex1764500000000 implements MigrationInterface {
  name = KLARNA_SYNC_JOB_RUNNING_INDEX.name

  public async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, KLARNA_SYNC_JOB_RUNNING_INDEX.up)
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, KLARNA_SYNC_JOB_RUNNING_INDEX.down)
  }
}
