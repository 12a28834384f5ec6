/**
 * SqlPort over a TypeORM EntityManager or DataSource (Medusa v1's `manager`). Structural: TypeORM is not
 * imported, so the core does not depend on it. A transaction's EntityManager is wrapped the same way; its
 * own transaction() is a savepoint in TypeORM's PostgreSQL driver.
 */
import { listenWithReconnect } from "./pg-listener"
import { dedicatedConnections, type PgPoolLike } from "./pg-sql"
import type { SqlPort } from "./sql-port"

/** What the adapter uses of an EntityManager (or a DataSource). */
export interface TypeormManagerLike {
  query(query: string, parameters?: unknown[]): Promise<unknown>
  transaction<T>(runInTransaction: (manager: TypeormManagerLike) => Promise<T>): Promise<T>
  /**
   * The DataSource (an EntityManager's `connection`): its PostgresDriver keeps the pg.Pool as `master`, whose
   * settings open the listening connection (a connection of Medusa's pool would be held forever).
   */
  connection?: { driver?: object }
}

type PostgresDriverLike = { master?: Pick<PgPoolLike, "options" | "Client"> }

export function typeormSql(manager: TypeormManagerLike): SqlPort {
  return {
    listen(channel, handlers) {
      // The pool exists once the DataSource is initialized (Medusa's is by the time a worker starts).
      const connections = dedicatedConnections((manager.connection?.driver as PostgresDriverLike | undefined)?.master)
      if (!connections) return Promise.reject(new Error("typeormSql: no pg pool behind this manager to listen with"))
      return listenWithReconnect(connections, channel, handlers)
    },
    async query<T>(text: string, params: unknown[] = []): Promise<T[]> {
      return unwrapUpdateRows<T>(await manager.query(text, params))
    },
    transaction<T>(fn: (tx: SqlPort) => Promise<T>): Promise<T> {
      return manager.transaction((tx) => fn(typeormSql(tx)))
    },
  }
}

/**
 * TypeORM's pg driver returns the result of an UPDATE or DELETE as [rows, rowCount] and every other result
 * as its rows. Rows are objects, never arrays, so the pair cannot be mistaken for two rows.
 */
export function unwrapUpdateRows<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === "number") return result[0] as T[]
  return Array.isArray(result) ? (result as T[]) : []
}
