/**
 * SqlPort over node-postgres (a `pg.Pool`). Structural: `pg` is not imported, so the core does not depend
 * on it. A transaction holds one pooled client from BEGIN to COMMIT/ROLLBACK; a nested transaction() is a
 * savepoint on that client.
 */
import { listenWithReconnect, type PgListenConnection, type PgListenSource } from "./pg-listener"
import type { SqlPort } from "./sql-port"

export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>
}

export interface PgPoolClientLike extends PgQueryable {
  /** Back to the pool; with an error, the client is discarded instead (its connection state is unknown). */
  release(error?: Error | boolean): void
}

/** What the adapter uses of a pg.Pool. */
export interface PgPoolLike extends PgQueryable {
  connect(): Promise<PgPoolClientLike>
  /** pg.Pool's settings and Client class: with both, listen() opens a connection of its own like the pool's. */
  options?: unknown
  Client?: new (config: never) => PgListenConnection & { connect(): Promise<unknown>; end(): Promise<void> }
}

/**
 * A connection of its own with a pool's settings (pg-pool keeps the password as a hidden property of
 * `options` and hands that very object to each new Client: so do we, never a copy). Undefined when the pool
 * does not expose them.
 */
export function dedicatedConnections(pool: Pick<PgPoolLike, "options" | "Client"> | undefined): PgListenSource | undefined {
  const Client = pool?.Client
  if (!pool?.options || !Client) return undefined
  return {
    async open() {
      const client = new Client(pool.options as never)
      await client.connect()
      return client
    },
    close: (connection) => (connection as InstanceType<typeof Client>).end(),
  }
}

export function pgSql(pool: PgPoolLike): SqlPort {
  const connections = dedicatedConnections(pool)
  return {
    ...(connections ? { listen: (channel, handlers) => listenWithReconnect(connections, channel, handlers) } : {}),
    async query<T>(text: string, params: unknown[] = []): Promise<T[]> {
      return (await pool.query(text, params)).rows as T[]
    },
    async transaction<T>(fn: (tx: SqlPort) => Promise<T>): Promise<T> {
      const client = await pool.connect()
      let broken: Error | undefined
      try {
        await client.query("BEGIN")
        try {
          const result = await fn(clientSql(client, { savepoints: 0 }))
          await client.query("COMMIT")
          return result
        } catch (error) {
          await client.query("ROLLBACK").catch((rollbackError: Error) => {
            broken = rollbackError
          })
          throw error
        }
      } finally {
        client.release(broken)
      }
    },
  }
}

/** The port of one client inside a transaction. */
function clientSql(client: PgQueryable, counter: { savepoints: number }): SqlPort {
  const port: SqlPort = {
    async query<T>(text: string, params: unknown[] = []): Promise<T[]> {
      return (await client.query(text, params)).rows as T[]
    },
    async transaction<T>(fn: (tx: SqlPort) => Promise<T>): Promise<T> {
      counter.savepoints += 1
      const savepoint = `kos_savepoint_${counter.savepoints}`
      await client.query(`SAVEPOINT ${savepoint}`)
      try {
        const result = await fn(port)
        await client.query(`RELEASE SAVEPOINT ${savepoint}`)
        return result
      } catch (error) {
        // Should the rollback itself fail, the transaction is aborted and says so at its next statement;
        // the caller hears of the original error.
        await client.query(`ROLLBACK TO SAVEPOINT ${savepoint}`).catch(() => undefined)
        throw error
      }
    },
  }
  return port
}
