/** Identifier generators. Node's crypto is enough; no uuid dependency needed. */
import { randomInt, randomUUID } from "node:crypto"

export const newUuid = (): string => randomUUID()

// Klarna references look like "4K7Q6QF6" / "K4MADNY" (docs, yml examples): short, upper-case,
// customer-friendly. Ambiguous characters (0/O, 1/I) are left out so they read well in logs.
const REF_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

export function newKlarnaReference(length = 8): string {
  let ref = ""
  for (let i = 0; i < length; i++) ref += REF_ALPHABET[randomInt(REF_ALPHABET.length)]
  return ref
}

/** Opaque, JWT-looking client token for a Payments session (the widget would consume it). */
export function newClientToken(sessionId: string): string {
  const enc = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString("base64url")
  return `${enc({ alg: "none", typ: "JWT" })}.${enc({ session_id: sessionId, simulator: true })}.sim`
}
