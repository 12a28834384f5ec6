import { ulid } from "ulid"

/** Prefixed ULID ids, the shape Medusa uses (`ful_01H…`), without importing Medusa. */
export function generateId(prefix: string): string {
  return `${prefix}_${ulid()}`
}
