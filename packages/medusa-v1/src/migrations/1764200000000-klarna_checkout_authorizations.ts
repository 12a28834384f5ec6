import { MigrationInterface, QueryRunner } from "typeorm"

/**
 * Every Klarna order the payment processor creates at checkout, with its cart: a Klarna order whose cart
 * never becomes a platform order (the completion failed after the authorization, or the server died) is
 * cancelled from here, so the shopper's money is not held until the authorization expires.
 * status: authorized (no order yet) | ordered | cancelling (no order may be placed on it any more) | cancelled.
 */
export class KlarnaCheckoutAuthorizations1764200000000 implements MigrationInterface {
  name = "KlarnaCheckoutAuthorizations1764200000000"

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "klarna_authorization" (
        "id" character varying NOT NULL,
        "platform" character varying NOT NULL DEFAULT 'medusa',
        "checkout_id" character varying NOT NULL,
        "klarna_order_id" character varying NOT NULL,
        "currency" character varying NOT NULL,
        "amount" integer NOT NULL,
        "status" character varying NOT NULL DEFAULT 'authorized',
        "platform_order_id" character varying,
        "reason" text,
        "cancelled_at" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_klarna_authorization" PRIMARY KEY ("id"),
        CONSTRAINT "UQ_klarna_authorization_klarna_order" UNIQUE ("klarna_order_id"),
        CONSTRAINT "CHK_klarna_authorization_status" CHECK ("status" IN ('authorized', 'ordered', 'cancelling', 'cancelled'))
      )`)
    await queryRunner.query(`CREATE INDEX "IDX_klarna_authorization_checkout" ON "klarna_authorization" ("platform", "checkout_id")`)
    await queryRunner.query(
      `CREATE INDEX "IDX_klarna_authorization_open" ON "klarna_authorization" ("created_at") WHERE "status" IN ('authorized', 'cancelling')`,
    )
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "klarna_authorization"`)
  }
}
