/**
 * Issue 13: the demo's jwt_secret / cookie_secret are generated once per demo directory (never a constant
 * in the source), kept private, and the same on every later start.
 */
import fs from "node:fs"
import os from "node:os"
import path from "node:path"
import { demoSecrets, secretsFile } from "../../demo/secrets"

const dirs: string[] = []
const freshDemoDir = (): string => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kos-secrets-")), ".demo")
  dirs.push(path.dirname(dir))
  return dir
}

afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true })
})

test("two fresh demo directories get different secrets, none of them the old constants", () => {
  const a = demoSecrets(freshDemoDir())
  const b = demoSecrets(freshDemoDir())
  expect(a.jwtSecret).not.toBe(b.jwtSecret)
  expect(a.cookieSecret).not.toBe(b.cookieSecret)
  expect(a.jwtSecret).not.toBe(a.cookieSecret)
  for (const secret of [a.jwtSecret, a.cookieSecret, b.jwtSecret, b.cookieSecret]) {
    expect(secret).toMatch(/^[0-9a-f]{64}$/)
    expect(["demo-jwt-secret", "demo-cookie-secret", "supersecret"]).not.toContain(secret)
  }
})

test("the secrets persist: a later start of the same directory reads the same ones from a private file", () => {
  const dir = freshDemoDir()
  const first = demoSecrets(dir)
  expect(demoSecrets(dir)).toEqual(first)
  const file = secretsFile(dir)
  expect(fs.statSync(file).mode & 0o777).toBe(0o600)
  expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual({ jwt_secret: first.jwtSecret, cookie_secret: first.cookieSecret })
  expect(fs.readdirSync(dir)).toEqual(["secrets.json"]) // no temporary file left behind
})

test("a damaged secrets file is replaced by new secrets, not used", () => {
  const dir = freshDemoDir()
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(secretsFile(dir), JSON.stringify({ jwt_secret: "short", cookie_secret: "short" }))
  const secrets = demoSecrets(dir)
  expect(secrets.jwtSecret).toMatch(/^[0-9a-f]{64}$/)
  expect(demoSecrets(dir)).toEqual(secrets)
})
