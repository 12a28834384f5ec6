/**
 * Keeps credentials out of everything the client produces (errors, log lines, attempt events).
 * Every string that leaves the client passes through redact() with the client's secrets.
 */

export const REDACTED = "[REDACTED]"

/** Secrets shorter than this are not searched for (they would mangle ordinary text and prove nothing). */
const MIN_SECRET_LENGTH = 3

/** The strings that must never appear: username, password, and the Basic token built from them. */
export function credentialSecrets(username: string, password: string): string[] {
  const token = Buffer.from(`${username}:${password}`, "utf8").toString("base64")
  const candidates = [password, username, token, encodeURIComponent(password), encodeURIComponent(username)]
  const unique = Array.from(new Set(candidates.filter((s) => s.length >= MIN_SECRET_LENGTH)))
  // Longest first, so a secret containing another is removed whole.
  return unique.sort((a, b) => b.length - a.length)
}

export function redact(text: string, secrets: readonly string[]): string {
  let out = text
  for (const secret of secrets) {
    if (secret.length > 0 && out.includes(secret)) out = out.split(secret).join(REDACTED)
  }
  return out
}

export function redactOptional(text: string | undefined, secrets: readonly string[]): string | undefined {
  return text === undefined ? undefined : redact(text, secrets)
}
