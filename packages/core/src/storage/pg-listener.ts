/**
 * LISTEN on one dedicated node-postgres connection, reconnecting after it is lost (a restarted database,
 * pg_terminate_backend, a network cut the driver notices). Shared by the SQL port adapters: each only says
 * how to open a connection of its own (pg-sql.ts: a Client with the pool's settings; typeorm-sql.ts: the same
 * through TypeORM's driver; knex-sql.ts: Knex's raw connection). Structural: `pg` is not imported.
 */
import type { SqlListenHandlers } from "./sql-port"

/** What the listener uses of a connected pg.Client. */
export interface PgListenConnection {
  query(text: string): Promise<unknown>
  on(event: "notification", listener: (message: { channel: string; payload?: string }) => void): unknown
  on(event: "error", listener: (error: Error) => void): unknown
  on(event: "end", listener: () => void): unknown
}

export interface PgListenSource {
  /** A new connection, connected, outside any pool. */
  open(): Promise<PgListenConnection>
  /** Closes a connection open() gave (also one that is already broken). */
  close(connection: PgListenConnection): Promise<void>
}

/** The pause before reconnecting grows from the first to the last (ms). */
const RECONNECT_DELAYS_MS = [500, 1000, 2000, 5000, 10_000]

export async function listenWithReconnect(
  source: PgListenSource,
  channel: string,
  handlers: SqlListenHandlers,
): Promise<() => Promise<void>> {
  // Channel names are ours (constants); quoted as an identifier all the same.
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`listen: "${channel}" is not a valid channel name`)
  let stopped = false
  let current: PgListenConnection | null = null
  let retryTimer: ReturnType<typeof setTimeout> | null = null
  let failures = 0

  const connect = async (): Promise<void> => {
    let connection: PgListenConnection | null = null
    try {
      connection = await source.open()
      const opened = connection
      let lostOnce = false
      const onLost = (error: Error) => {
        if (lostOnce || stopped || current !== opened) return
        lostOnce = true
        current = null
        void source.close(opened).catch(() => undefined)
        handlers.lost(error)
        scheduleReconnect()
      }
      opened.on("error", onLost)
      opened.on("end", () => onLost(new Error("the listening connection was closed")))
      opened.on("notification", (message) => {
        if (message.channel === channel && !stopped) handlers.notification(message.payload ?? "")
      })
      await opened.query(`LISTEN "${channel}"`)
      if (stopped) {
        await source.close(opened).catch(() => undefined)
        return
      }
      current = opened
      failures = 0
      handlers.listening()
    } catch (error) {
      if (connection) await source.close(connection).catch(() => undefined)
      if (stopped) return
      handlers.lost(error as Error)
      scheduleReconnect()
    }
  }

  const scheduleReconnect = () => {
    if (stopped || retryTimer) return
    const delay = RECONNECT_DELAYS_MS[Math.min(failures, RECONNECT_DELAYS_MS.length - 1)]
    failures += 1
    retryTimer = setTimeout(() => {
      retryTimer = null
      void connect()
    }, delay)
    retryTimer.unref?.()
  }

  await connect()
  return async () => {
    stopped = true
    if (retryTimer) clearTimeout(retryTimer)
    retryTimer = null
    const connection = current
    current = null
    if (connection) await source.close(connection).catch(() => undefined)
  }
}
