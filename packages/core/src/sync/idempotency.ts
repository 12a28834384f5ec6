import { v5 as uuidv5 } from "uuid"

/** Fixed namespace of klarna-order-sync's UUIDv5 keys. Changing it would change every key: don't. */
const NAMESPACE = "3f9b1c52-7a4e-5d8e-9c61-2b0a4d6e8f17"

/**
 * The Klarna-Idempotency-Key for a job: UUIDv5 of its job key (`medusa:capture:ful_123`), so a retry, a
 * duplicate event, a restart or a second server always sends the same key for the same platform object.
 */
export function idempotencyKeyFor(jobKey: string): string {
  return uuidv5(jobKey, NAMESPACE)
}
