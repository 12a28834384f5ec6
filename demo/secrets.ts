/**
 * Secrets the demo generates once per demo directory and keeps in DEMO_DIR/secrets.json (mode 0600): Medusa's
 * `jwt_secret` and `cookie_secret`, and the Shopify webhook secret of `npm run shopify` when none is given.
 * Random, so a token signed with a value someone could know (a constant in the source) is never accepted;
 * kept, so admin sessions and tokens survive a restart of the demo. A production store sets its own
 * JWT_SECRET, COOKIE_SECRET and SHOPIFY_API_SECRET.
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

const usable = (value: unknown): value is string => typeof value === "string" && /^[0-9a-f]{64}$/.test(value)

function readAll(file: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(file, "utf8"))
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

/** The directory's secret `name`, generated on first use (a missing or damaged value gets a new one). */
export function demoSecret(demoDir: string, name: string): string {
  const file = secretsFile(demoDir)
  const all = readAll(file)
  const existing = all[name]
  if (usable(existing)) return existing
  const secret = crypto.randomBytes(32).toString("hex")
  fs.mkdirSync(demoDir, { recursive: true })
  // Written aside and renamed: a demo killed mid-write never leaves half a file behind.
  const temporary = `${file}.${process.pid}.tmp`
  fs.writeFileSync(temporary, `${JSON.stringify({ ...all, [name]: secret }, null, 2)}\n`, { mode: 0o600 })
  fs.renameSync(temporary, file)
  return secret
}

export function demoSecrets(demoDir: string): DemoSecrets {
  return { jwtSecret: demoSecret(demoDir, "jwt_secret"), cookieSecret: demoSecret(demoDir, "cookie_secret") }
}
