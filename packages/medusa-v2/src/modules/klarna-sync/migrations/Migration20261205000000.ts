/**
 * The core's tables (mappings, outbox, audit log, checkout authorizations): the same SQL the v1 plugin's
 * TypeORM migrations and the Shopify server apply (core's CORE_MIGRATIONS), run by `medusa db:migrate`.
 * Later core migrations get a migration file of their own here; never edit an applied one.
 */
import { Migration } from "@medusajs/framework/mikro-orm/migrations"
import { CORE_MIGRATIONS } from "@klarna-order-sync/core"

export class Migration20261205000000 extends Migration {
  override async up(): Promise<void> {
    for (const migration of CORE_MIGRATIONS) for (const statement of migration.up) this.addSql(statement)
  }

  override async down(): Promise<void> {
    for (const migration of [...CORE_MIGRATIONS].reverse()) for (const statement of migration.down ?? []) this.addSql(statement)
  }
}
