/**
 * The one thing the core's storage needs from a database: run a statement with `$1…$n` parameters and
 * get its rows, and run work in a transaction. Adapters (typeorm-sql.ts, pg-sql.ts, knex-sql.ts) wrap
 * whatever connection the platform already has; they are written against structural types, so the core
 * imports no driver or ORM.
 */
export interface SqlPort {
  /**
   * Runs one statement (PostgreSQL text, `$1…$n` placeholders) and returns its rows: always an array,
   * `UPDATE … RETURNING` and `DELETE … RETURNING` included (empty for a statement returning nothing).
   */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>
  /**
   * Runs `fn` in a transaction: committed when its promise resolves, rolled back when it rejects (the
   * rejection is passed on). Called on a port `fn` received, it runs inside that same transaction (as a
   * savepoint: a failure caught by the caller undoes only the inner work).
   */
  transaction<T>(fn: (tx: SqlPort) => Promise<T>): Promise<T>
}
