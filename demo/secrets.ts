/**
 * The demo's Medusa `jwt_secret` and `cookie_secret`: random, generated once per demo directory and kept in
 * DEMO_DIR/secrets.json (mode 0600), so admin sessions and tokens survive a restart of the demo but a token
 * signed with a value someone could know (a constant in the source) is never accepted. A production store
 * sets its own JWT_SECRET and COOKIE_SECRET.
 */
import crypto from "node:crypto"
import fs from "node:fs"
import path from "node:path"

export interface DemoSecrets {
  jwtSecret: string
  cookieSecret: string
}

export function secretsFile(demoDir: string): string {
  return path.join(demoDir, "secrets.json")
}

function read(file: string): DemoSecrets | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"))
  } catch {
    return undefined
  }
  const { jwt_secret: jwtSecret, cookie_secret: cookieSecret } = (parsed ?? {}) as Record<string, unknown>
  if (typeof jwtSecret !== "string" || jwtSecret.length < 32) return undefined
  if (typeof cookieSecret !== "string" || cookieSecret.length < 32) return undefined
  return { jwtSecret, cookieSecret }
}

/** The directory's secrets, generated on first use. A missing or unreadable file gets new ones. */
export function demoSecrets(demoDir: string): DemoSecrets {
  const file = secretsFile(demoDir)
  const existing = read(file)
  if (existing) return existing
  const secrets: DemoSecrets = {
    jwtSecret: crypto.randomBytes(32).toString("hex"),
    cookieSecret: crypto.randomBytes(32).toString("hex"),
  }
  fs.mkdirSync(demoDir, { recursive: true })
  // Written aside and renamed: a demo killed mid-write never leaves half a file behind.
  const temporary = `${file}.${process.pid}.tmp`
  fs.writeFileSync(temporary, `${JSON.stringify({ jwt_secret: secrets.jwtSecret, cookie_secret: secrets.cookieSecret }, null, 2)}\n`, {
    mode: 0o600,
  })
  fs.renameSync(temporary, file)
  return secrets
}
