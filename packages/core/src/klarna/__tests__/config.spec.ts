import {
  DEFAULT_ENVIRONMENT,
  DEFAULT_REGION,
  KLARNA_BASE_URLS,
  normalizeBaseUrl,
  resolveBaseUrl,
  resolveRetryPolicy,
  validateCredentials,
  type KlarnaEnvironment,
  type KlarnaRegion,
} from "../config"
import { KlarnaClient } from "../client"
import { buildUserAgent, PACKAGE_VERSION, readPackageVersion } from "../version"
import { readFileSync } from "node:fs"
import { join } from "node:path"

describe("resolveBaseUrl", () => {
  test.each<[KlarnaRegion, KlarnaEnvironment, string]>([
    ["eu", "live", "https://api.klarna.com"],
    ["na", "live", "https://api-na.klarna.com"],
    ["oc", "live", "https://api-oc.klarna.com"],
    ["eu", "playground", "https://api.playground.klarna.com"],
    ["na", "playground", "https://api-na.playground.klarna.com"],
    ["oc", "playground", "https://api-oc.playground.klarna.com"],
  ])("%s / %s → %s", (region, environment, expected) => {
    expect(resolveBaseUrl({ region, environment })).toBe(expected)
    expect(KLARNA_BASE_URLS[environment][region]).toBe(expected)
  })

  test("defaults: EU playground", () => {
    expect(DEFAULT_REGION).toBe("eu")
    expect(DEFAULT_ENVIRONMENT).toBe("playground")
    expect(resolveBaseUrl({})).toBe("https://api.playground.klarna.com")
    expect(resolveBaseUrl({ region: "na" })).toBe("https://api-na.playground.klarna.com")
    expect(resolveBaseUrl({ environment: "live" })).toBe("https://api.klarna.com")
  })

  test("an explicit baseUrl wins over region and environment", () => {
    expect(resolveBaseUrl({ baseUrl: "http://127.0.0.1:4010", region: "na", environment: "live" })).toBe("http://127.0.0.1:4010")
  })

  test.each([
    ["trailing slash", "http://127.0.0.1:4010/", "http://127.0.0.1:4010"],
    ["path prefix kept", "https://proxy.example/klarna//", "https://proxy.example/klarna"],
  ])("baseUrl normalisation: %s", (_name, input, expected) => {
    expect(normalizeBaseUrl(input)).toBe(expected)
  })

  test.each([
    ["not a URL", "localhost:4010"],
    ["unsupported protocol", "ftp://example.com"],
    ["query string", "https://example.com/?a=1"],
  ])("rejects a baseUrl with %s", (_name, input) => {
    expect(() => normalizeBaseUrl(input)).toThrow(TypeError)
  })

  test("rejects credentials in the baseUrl without echoing them", () => {
    let message = ""
    try {
      normalizeBaseUrl("https://merchant_user:hunter2secret@api.klarna.com")
    } catch (e: unknown) {
      message = (e as Error).message
    }
    expect(message).toMatch(/must not contain credentials/)
    expect(message).not.toContain("hunter2secret")
    expect(message).not.toContain("merchant_user")
  })

  test.each([
    ["unknown region", { region: "us" as KlarnaRegion }],
    ["unknown environment", { environment: "test" as KlarnaEnvironment }],
  ])("rejects an %s", (_name, config) => {
    expect(() => resolveBaseUrl(config)).toThrow(TypeError)
  })
})

describe("credentials and numbers", () => {
  test.each([
    ["empty username", { username: "", password: "pw" }],
    ["empty password", { username: "u", password: "" }],
    ["colon in username", { username: "a:b", password: "pw" }],
    ["line break in password", { username: "u", password: "a\nb" }],
  ])("rejects %s", (_name, creds) => {
    expect(() => validateCredentials(creds)).toThrow(TypeError)
  })

  test("the client constructor validates its config", () => {
    expect(() => new KlarnaClient({ username: "u", password: "p", timeoutMs: 0 })).toThrow(/timeoutMs/)
    expect(() => new KlarnaClient({ username: "u", password: "p", maxRetries: 1.5 })).toThrow(/maxRetries/)
    expect(() => new KlarnaClient({ username: "u", password: "p", maxRetries: -1 })).toThrow(/maxRetries/)
    expect(new KlarnaClient({ username: "u", password: "p", region: "oc", environment: "live" }).baseUrl).toBe("https://api-oc.klarna.com")
  })

  test("retry policy: partial overrides keep the other defaults", () => {
    expect(resolveRetryPolicy({ baseDelayMs: 10 })).toEqual({ baseDelayMs: 10, maxDelayMs: 8000, maxRetryAfterMs: 60000 })
    expect(() => resolveRetryPolicy({ maxDelayMs: -1 })).toThrow(TypeError)
  })
})

describe("User-Agent", () => {
  const pkg = JSON.parse(readFileSync(join(__dirname, "..", "..", "..", "package.json"), "utf8")) as { version: string }

  test("klarna-order-sync/<package.json version> (node <version>)", () => {
    expect(PACKAGE_VERSION).toBe(pkg.version)
    expect(buildUserAgent()).toBe(`klarna-order-sync/${pkg.version} (node ${process.versions.node})`)
  })

  test("suffix appended, line breaks removed", () => {
    expect(buildUserAgent("medusa/1.20.8")).toBe(`klarna-order-sync/${pkg.version} (node ${process.versions.node}) medusa/1.20.8`)
    expect(buildUserAgent("a\r\nb")).toMatch(/\) a b$/)
    expect(buildUserAgent("  ")).toBe(buildUserAgent())
  })

  test("falls back to 0.0.0 when no package.json of this package is found", () => {
    expect(readPackageVersion("/")).toBe("0.0.0")
  })
})
