/**
 * Optional persistence of the simulator's state to one JSON file (`startSimulator({ stateFile })`,
 * `KLARNA_SIMULATOR_STATE_FILE` for `npm run simulator`). The demo uses it so that the Klarna orders it
 * seeded are still there after a restart, as they would be at Klarna.
 *
 * What is kept: OM orders (with captures, refunds, shipping info), Payments sessions and authorization
 * tokens, and the idempotency entries (so a retry after a restart still replays instead of doubling).
 * What is not: the request log, faults, the clock offset and the /__sim/config switches (test tooling).
 *
 * The file is written atomically (temp file + rename) after every request that can change state, so a
 * killed process loses nothing that was answered.
 */
import fs from "node:fs"
import path from "node:path"
import type { IdempotencyEntry, IdempotencyStore } from "./idempotency"
import type { SimState } from "./state"
import type { SimAuthorization, SimOrder, SimSession } from "./types"

export const STATE_FILE_VERSION = 1

export interface PersistedSimState {
  version: typeof STATE_FILE_VERSION
  saved_at: string
  orders: SimOrder[]
  sessions: SimSession[]
  authorizations: SimAuthorization[]
  idempotency: Array<[string, IdempotencyEntry]>
}

/** Loads `file` into the (empty) state; returns the number of orders loaded (0 when there is no file). */
export function loadSimState(file: string, state: SimState, idempotency: IdempotencyStore): number {
  if (!fs.existsSync(file)) return 0
  const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as PersistedSimState
  if (parsed.version !== STATE_FILE_VERSION) {
    throw new Error(`simulator state file ${file}: unsupported version ${String(parsed.version)}`)
  }
  state.orders.clear()
  state.sessions.clear()
  state.authorizations.clear()
  for (const order of parsed.orders ?? []) state.orders.set(order.order_id, order)
  for (const session of parsed.sessions ?? []) state.sessions.set(session.session_id, session)
  for (const authorization of parsed.authorizations ?? []) state.authorizations.set(authorization.authorization_token, authorization)
  idempotency.restore(parsed.idempotency ?? [])
  return state.orders.size
}

export function saveSimState(file: string, state: SimState, idempotency: IdempotencyStore, now: Date): void {
  const data: PersistedSimState = {
    version: STATE_FILE_VERSION,
    saved_at: now.toISOString(),
    orders: [...state.orders.values()],
    sessions: [...state.sessions.values()],
    authorizations: [...state.authorizations.values()],
    idempotency: idempotency.snapshot(),
  }
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const tmp = `${file}.${process.pid}.tmp`
  fs.writeFileSync(tmp, JSON.stringify(data))
  fs.renameSync(tmp, file)
}
