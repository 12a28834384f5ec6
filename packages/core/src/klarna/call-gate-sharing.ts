/**
 * What the call gates of one set of credentials share across servers (issue #16): Klarna's rate limit is per
 * API username, for all of a merchant's servers together, so a 429 one server gets must hold the others back
 * too, and the pace Klarna announces is a budget they split. This is the port: the gate knows no storage; the
 * SQL store implements it on a table (storage/sql-call-gate-state.ts), tests with a fake.
 *
 * The gate talks to it only while it has calls queued or in flight, at most once a second (plus one write per
 * 429 volley): an idle server issues nothing.
 */
import { createHash } from "node:crypto"

/** What one server tells the others about its calls on these credentials. */
export interface GateServerReport {
  /** Random per gate (so per process and credentials): never derived from the credentials. */
  serverId: string
  /** Calls it sent in the last second. */
  sentPerS: number
  /** Calls were waiting at its gate: it would send more if its share allowed. */
  backlogged: boolean
}

/** What the servers on these credentials share, as one server reads it. */
export interface SharedGateView {
  /** How long every call must still wait for a 429's pause (the database's clock); 0: no pause. */
  pausedForMs: number
  /** Klarna's announced limit in requests/s, as a server last learnt it; null: none learnt yet. */
  limitPerS: number | null
  /** The servers that reported within ACTIVE_SERVER_MS, this one included. */
  servers: GateServerReport[]
}

export interface CallGateSharedState {
  /** A 429: every server's calls on these credentials wait `ms` from now (by the database's clock). */
  pause(credentialsKey: string, ms: number): Promise<void>
  /** Records this server's report (and the limit it learnt, if any), and returns what all servers share. */
  exchange(credentialsKey: string, report: GateServerReport, limitPerS: number | null): Promise<SharedGateView>
}

/** A server that has not reported for this long is idle: its share goes back to the others. */
export const ACTIVE_SERVER_MS = 3000

/** A busy gate reads the shared state this often (issue #16: at most once a second). */
export const SHARED_STATE_INTERVAL_MS = 1000

/**
 * The key of a set of credentials in the shared state: a hash of the API username and host (the gate's key),
 * so neither the username nor anything secret is stored in clear. The password is never part of it.
 */
export function sharedStateKey(gateKey: string): string {
  return createHash("sha256").update(`klarna-call-gate:${gateKey}`).digest("hex")
}

/**
 * This server's share of Klarna's limit (0..1), max-min fair: the servers that are not backlogged keep what they
 * send (a checkout now and then), the backlogged ones (this one counted among them: it asks because it has
 * calls) split the rest equally. Never below an equal split among all active servers, so a neighbour's burst
 * cannot starve this one.
 */
export function shareOfLimit(view: SharedGateView, serverId: string, limitPerS: number): number {
  const others = view.servers.filter((server) => server.serverId !== serverId)
  if (others.length === 0 || !(limitPerS > 0)) return 1
  const steady = others.filter((server) => !server.backlogged).reduce((sum, server) => sum + server.sentPerS, 0)
  const backlogged = others.filter((server) => server.backlogged).length + 1
  const fair = Math.max(0, limitPerS - steady) / backlogged / limitPerS
  return Math.min(1, Math.max(fair, 1 / (others.length + 1)))
}
