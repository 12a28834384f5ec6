/**
 * The call gate of a set of Klarna credentials, as every platform sets it up: one per API username and host in
 * the process (sharedCallGate), sized from the worker's concurrency, and sharing its pauses and Klarna's limit
 * with the other servers on the same credentials when given a shared state (call-gate-sharing.ts).
 */
import { callGateKey, sharedCallGate, type KlarnaCallGate } from "./call-gate"
import { sharedStateKey, type CallGateSharedState } from "./call-gate-sharing"
import { resolveBaseUrl, type KlarnaClientConfig } from "./config"

type Credentials = Pick<KlarnaClientConfig, "username" | "provider" | "region" | "environment" | "baseUrl">

/** The process-wide gate of these credentials, created on first use with room for the worker's jobs. */
export function callGateFor(credentials: Credentials, worker: { concurrency: number; maxConcurrency: number }): KlarnaCallGate {
  return sharedCallGate(callGateKey(credentials.username, resolveBaseUrl(credentials)), {
    initialInFlight: worker.concurrency,
    maxInFlight: Math.max(worker.concurrency, worker.maxConcurrency),
  })
}

/**
 * Gives `gate` the state it shares with other servers, under a hash of the credentials (never the username).
 * `onError` hears of a failed read or write with that hash, for a log line. Once per gate: a gate already
 * sharing is left as it is (and nothing is hashed).
 */
export function shareCallGate(
  gate: KlarnaCallGate,
  credentials: Credentials,
  state: CallGateSharedState,
  onError: (error: Error, credentialsKey: string) => void,
): void {
  if (gate.isShared) return
  const key = sharedStateKey(callGateKey(credentials.username, resolveBaseUrl(credentials)))
  gate.shareWith(state, key, (error) => onError(error, key))
}
