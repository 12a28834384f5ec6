/**
 * SqlPort over a TypeORM EntityManager or DataSource (Medusa v1's `manager`). Structural: TypeORM is not
 * imported, so the core does not depend on it. A transaction's EntityManager is wrapped the same way; its
 * own transaction() is a savepoint in TypeORM's PostgreSQL driver.
 */
import type { SqlPort } from "./sql-port"

/** What the adapter uses of an EntityManager (or a DataSource). */
export interface TypeormManagerLike {
  query(query: string, parameters?: unknown[]): Promise<unknown>
  transaction<T>(runInTransaction: (manager: TypeormManagerLike) => Promise<T>): Promise<T>
}

export function typeormSql(manager: TypeormManagerLike): SqlPort {
  return {
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
