/**
 * One running outbox job per order (core's KLARNA_SYNC_JOB_RUNNING_INDEX: a partial unique index the claim
 * relies on), for a database that ran Migration20261205000000 before the core had it. Its statements are
 * idempotent: on a fresh database Migration20261205000000 (all of CORE_MIGRATIONS) already made the index.
 */
import { Migration } from "@medusajs/framework/mikro-orm/migrations"
import { KLARNA_SYNC_JOB_RUNNING_INDEX } from "@klarna-order-sync/core"

export class Migration20261205150000 extends Migration {
  override async up(): Promise<void> {
    for (const statement of KLARNA_SYNC_JOB_RUNNING_INDEX.up) this.addSql(statement)
  }

  override async down(): Promise<void> {
    for (const statement of KLARNA_SYNC_JOB_RUNNING_INDEX.down) this.addSql(statement)
  }
}
