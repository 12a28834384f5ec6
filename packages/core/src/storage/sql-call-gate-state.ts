/**
 * The call gates' shared state (klarna/call-gate-sharing.ts) on the plugin's database: one row per set of
 * Klarna credentials in klarna_rate_state (schema.ts, KLARNA_RATE_STATE), keyed by a hash of the API username
 * and host. Times are the database's clock, so servers whose clocks differ still agree on when a pause ends.
 * Each statement is one autocommitted upsert on a row the busy servers touch about once a second each.
 */
import { ACTIVE_SERVER_MS, type CallGateSharedState, type GateServerReport, type SharedGateView } from "../klarna/call-gate-sharing"
import type { SqlPort } from "./sql-port"

interface RateStateRow {
  limit_per_s: number | string | null
  servers: Record<string, { sentPerS?: number; backlogged?: boolean; at?: number }> | string
  paused_ms: number | string | null
}

export class SqlCallGateState implements CallGateSharedState {
  constructor(private readonly sql: SqlPort) {}

  async pause(credentialsKey: string, ms: number): Promise<void> {
    await this.sql.query(
      `INSERT INTO klarna_rate_state AS s (credentials_key, paused_until, updated_at)
       VALUES ($1, now() + $2::float8 * interval '1 millisecond', now())
       ON CONFLICT (credentials_key) DO UPDATE
         SET paused_until = greatest(s.paused_until, EXCLUDED.paused_until), updated_at = now()`,
      [credentialsKey, Math.max(0, Math.round(ms))],
    )
  }

  async exchange(credentialsKey: string, report: GateServerReport, limitPerS: number | null): Promise<SharedGateView> {
    // This server's entry is replaced, the entries of servers silent for ACTIVE_SERVER_MS are dropped.
    const [row] = await this.sql.query<RateStateRow>(
      `INSERT INTO klarna_rate_state AS s (credentials_key, limit_per_s, servers, updated_at)
       VALUES ($1, $2::float8, jsonb_build_object($3::text, $4::jsonb || jsonb_build_object('at', extract(epoch FROM now()))), now())
       ON CONFLICT (credentials_key) DO UPDATE
         SET limit_per_s = coalesce(EXCLUDED.limit_per_s, s.limit_per_s),
             servers = coalesce(
               (SELECT jsonb_object_agg(entry.key, entry.value) FROM jsonb_each(s.servers) AS entry
                 WHERE entry.key <> $3::text AND (entry.value ->> 'at')::float8 > extract(epoch FROM now()) - $5::float8 / 1000),
               '{}'::jsonb) || EXCLUDED.servers,
             updated_at = now()
       RETURNING limit_per_s, servers, greatest(0, extract(epoch FROM (paused_until - now())) * 1000) AS paused_ms`,
      [
        credentialsKey,
        limitPerS,
        report.serverId,
        JSON.stringify({ sentPerS: report.sentPerS, backlogged: report.backlogged }),
        ACTIVE_SERVER_MS,
      ],
    )
    const servers = typeof row.servers === "string" ? (JSON.parse(row.servers) as Exclude<RateStateRow["servers"], string>) : row.servers
    return {
      pausedForMs: Number(row.paused_ms ?? 0),
      limitPerS: row.limit_per_s === null ? null : Number(row.limit_per_s),
      servers: Object.entries(servers).map(([serverId, entry]) => ({
        serverId,
        sentPerS: Number(entry.sentPerS ?? 0),
        backlogged: entry.backlogged === true,
      })),
    }
  }
}
