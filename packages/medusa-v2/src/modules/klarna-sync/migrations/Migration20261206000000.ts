/**
 * The call gates' shared state (core's KLARNA_RATE_STATE, explained in its schema.ts) on a database that ran
 * Migration20261205000000 before the table existed. Idempotent: on a fresh database that migration already
 * created it (it applies every core migration).
 */
import { Migration } from "@medusajs/framework/mikro-orm/migrations"
import { KLARNA_RATE_STATE } from "@klarna-order-sync/core"

export class Migration20261206000000 extends Migration {
  override async up(): Promise<void> {
    for (const statement of KLARNA_RATE_STATE.up) this.addSql(statement)
  }

  override async down(): Promise<void> {
    for (const statement of KLARNA_RATE_STATE.down) this.addSql(statement)
  }
}
