/**
 * HTTP Basic authentication, as every Klarna API requires ("If the credentials are missing or
 * wrong Klarna will respond with 401 Unauthorized", docs.klarna.com/api/authentication).
 * Klarna documents no 401 body; the simulator still sends the usual error shape so clients can
 * log a correlation id, plus a WWW-Authenticate challenge as HTTP requires for 401.
 */
import { timingSafeEqual } from "node:crypto"
import { SimError } from "../errors"

export interface Credentials {
  username: string
  password: string
}

export function parseBasic(authorization: string | undefined): Credentials | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? "")
  if (!m) return undefined
  const decoded = Buffer.from(m[1], "base64").toString("utf8")
  const colon = decoded.indexOf(":")
  if (colon < 0) return undefined
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
}

const safeEqual = (a: string, b: string): boolean => {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** The authenticated merchant username, or a 401 SimError. */
export function authenticate(authorization: string | undefined, expected: Credentials): string {
  const given = parseBasic(authorization)
  if (!given || !safeEqual(given.username, expected.username) || !safeEqual(given.password, expected.password)) {
    throw new SimError(401, "UNAUTHORIZED", given ? "Invalid credentials" : "Missing credentials", {
      "WWW-Authenticate": 'Basic realm="Klarna API"',
    })
  }
  return given.username
}
