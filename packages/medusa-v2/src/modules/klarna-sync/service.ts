/**
 * KlarnaSyncModuleService: the Medusa v2 face of the sync engine (registered as `klarnaSync`). It owns the
 * plugin's tables (through the Knex connection Medusa gives every module) and the plugin's options.
 *
 * A module's container holds no `query`, so the order source cannot be built here: the first subscriber,
 * scheduled job or admin route that runs hands the app's `query` over with attach() (see
 * src/medusa/sync-of.ts), and the engine and worker start then.
 */
import { SqlSyncStore, knexSql } from "@klarna-order-sync/core"

/** The part of Knex the store uses (Medusa registers its Knex instance as __pg_connection__). */
type KnexConnection = Parameters<typeof knexSql>[0]

type InjectedDependencies = {
  __pg_connection__: KnexConnection
  logger: { info(m: string): void; warn(m: string): void; error(m: string, e?: unknown): void }
}

export default class KlarnaSyncModuleService {
  readonly rawOptions: Record<string, unknown>
  readonly store: SqlSyncStore
  private readonly sql: ReturnType<typeof knexSql>
  private readonly logger: InjectedDependencies["logger"]

  constructor({ __pg_connection__, logger }: InjectedDependencies, options: Record<string, unknown> = {}) {
    this.rawOptions = options
    this.logger = logger
    this.sql = knexSql(__pg_connection__)
    this.store = new SqlSyncStore(this.sql)
  }

  /** The plugin's tables as db:migrate left them (the smoke test's check that migrations ran). */
  async tables(): Promise<string[]> {
    const rows = await this.sql.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'klarna_%' ORDER BY table_name`,
    )
    return rows.map((row) => row.table_name)
  }
}
