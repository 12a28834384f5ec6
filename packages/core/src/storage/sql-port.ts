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
  /**
   * Optional: LISTEN on `channel` over one dedicated connection (never one of the pool's, which it would hold
   * forever). Reconnects after the connection is lost, with a growing pause; `handlers` hear of every state
   * change. Resolves, once the first attempt has succeeded or failed, to a function that stops listening and
   * closes the connection. An adapter without it: the caller polls.
   */
  listen?(channel: string, handlers: SqlListenHandlers): Promise<() => Promise<void>>
}

export interface SqlListenHandlers {
  /** A NOTIFY on the channel (from any connection to the database, delivered when its transaction commits). */
  notification(payload: string): void
  /** Listening, at first or again after a loss: notifications sent meanwhile were missed. */
  listening(): void
  /** The connection was lost (or could not be made); reconnecting. The message never holds credentials. */
  lost(error: Error): void
}
