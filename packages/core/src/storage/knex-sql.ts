/**
 * SqlPort over Knex (Medusa v2 hands its modules a Knex instance). Structural: Knex is not imported, so
 * the core does not depend on it. Statements are written with PostgreSQL's `$1…$n`; raw() takes `?`
 * bindings, so they are rewritten first (positional-placeholders.ts). A transaction is Knex's
 * `transaction(async (trx) => …)`; a nested one is a savepoint (Knex's own nesting).
 */
import { listenWithReconnect, type PgListenConnection } from "./pg-listener"
import { toQuestionMarks } from "./positional-placeholders"
import type { SqlPort } from "./sql-port"

/** What the adapter uses of a Knex instance (or of a Knex transaction). */
export interface KnexLike {
  raw(sql: string, bindings: readonly unknown[]): PromiseLike<unknown>
  transaction<T>(run: (trx: KnexLike) => Promise<T>): PromiseLike<T>
  /** Knex's pg dialect: a connection of its own with the pool's settings, outside the pool (listen() uses it). */
  client?: {
    acquireRawConnection?(): Promise<unknown>
    destroyRawConnection?(connection: unknown): Promise<void>
  }
}

export function knexSql(knex: KnexLike): SqlPort {
  const client = knex.client
  const canListen = typeof client?.acquireRawConnection === "function" && typeof client.destroyRawConnection === "function"
  return {
    ...(canListen
      ? {
          listen: (channel, handlers) =>
            listenWithReconnect(
              {
                open: async () => (await client.acquireRawConnection?.()) as PgListenConnection,
                close: async (connection) => client.destroyRawConnection?.(connection),
              },
              channel,
              handlers,
            ),
        }
      : {}),
    async query<T>(text: string, params: unknown[] = []): Promise<T[]> {
      const statement = toQuestionMarks(text, params)
      return rowsOf<T>(await knex.raw(statement.text, statement.bindings))
    },
    async transaction<T>(fn: (tx: SqlPort) => Promise<T>): Promise<T> {
      return knex.transaction((trx) => fn(knexSql(trx)))
    },
  }
}

/** raw() on PostgreSQL resolves to the driver's result ({ rows, rowCount, … }). */
function rowsOf<T>(result: unknown): T[] {
  const rows = (result as { rows?: unknown } | null)?.rows
  if (Array.isArray(rows)) return rows as T[]
  throw new Error("knexSql: raw() did not return a PostgreSQL result with rows (the store needs Knex's pg client)")
}
