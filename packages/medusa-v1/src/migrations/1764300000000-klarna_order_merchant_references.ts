import { MigrationInterface, QueryRunner } from "typeorm"

/**
 * The merchant references the engine set on each Klarna order (the platform's order number and id), so
 * a sweep knows which orders Klarna does not know by the store's number yet, and the admin shows them.
 */
export class KlarnaOrderMerchantReferences1764300000000 implements MigrationInterface {
  name = "KlarnaOrderMerchantReferences1764300000000"

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "klarna_order" ADD COLUMN IF NOT EXISTS "merchant_reference1" character varying`)
    await queryRunner.query(`ALTER TABLE "klarna_order" ADD COLUMN IF NOT EXISTS "merchant_reference2" character varying`)
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "klarna_order" DROP COLUMN IF EXISTS "merchant_reference2"`)
    await queryRunner.query(`ALTER TABLE "klarna_order" DROP COLUMN IF EXISTS "merchant_reference1"`)
  }
}
