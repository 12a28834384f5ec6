import { clientForCurrency } from "../klarna-clients"
import { credentialsIndexForCurrency, parsePluginOptions, PluginOptionsError, readDotPath } from "../plugin-options"

const credentials = [{ username: "PK_1", password: "very-secret-password" }]

describe("parsePluginOptions", () => {
  test("fills the defaults of medusa-plugin.json", () => {
    const o = parsePluginOptions({ credentials })
    expect(o).toMatchObject({
      klarnaProviderIds: ["klarna"],
      orderIdPath: "order_id",
      captureOn: "fulfillment",
      autoRelease: true,
      shippingMethod: "Home",
      carrierMapping: {},
      worker: { enabled: true, pollIntervalMs: 1000, maxAttempts: 8, concurrency: 4, maxConcurrency: 32 },
      http: { timeoutMs: 10000, maxRetries: 2 },
    })
    expect(o.credentials[0]).toMatchObject({ provider: "klarna", region: "eu", environment: "playground" })
  })

  test("a Kustom entry: provider kustom, no region filled in, its client on Kustom's host", () => {
    const o = parsePluginOptions({
      credentials: [
        { username: "PK_1", password: "very-secret-password", currencies: ["eur"] },
        { username: "K_1", password: "kustom-secret-password", provider: "kustom", environment: "live", currencies: ["sek"] },
      ],
    })
    expect(o.credentials[1]).toEqual({
      username: "K_1",
      password: "kustom-secret-password",
      provider: "kustom",
      environment: "live",
      currencies: ["sek"],
    })
    expect(clientForCurrency(o, "SEK")).toMatchObject({ provider: "kustom", baseUrl: "https://api.kustom.co" })
    expect(clientForCurrency(o, "eur")).toMatchObject({ provider: "klarna", baseUrl: "https://api.playground.klarna.com" })
  })

  test("the clients of one API username and host share one call gate, whose window starts at worker.concurrency", () => {
    const o = parsePluginOptions({
      credentials: [
        { username: "PK_GATE", password: "very-secret-password", currencies: ["eur"] },
        { username: "PK_GATE", password: "very-secret-password", currencies: ["sek"] },
        { username: "PK_GATE", password: "very-secret-password", environment: "live", currencies: ["nok"] },
      ],
      worker: { concurrency: 3, maxConcurrency: 12 },
    })
    const [eur, sek, nok] = ["eur", "sek", "nok"].map((currency) => clientForCurrency(o, currency))
    expect(eur.gate).toBeDefined()
    expect(sek.gate).toBe(eur.gate)
    expect(nok.gate).not.toBe(eur.gate) // another host: another budget
    expect(eur.gate?.inFlightLimit).toBe(3)
  })

  test("does not modify its input and caches per options object", () => {
    const raw = { credentials, worker: { pollIntervalMs: 50 } }
    const a = parsePluginOptions(raw)
    expect(raw).toEqual({ credentials, worker: { pollIntervalMs: 50 } })
    expect(parsePluginOptions(raw)).toBe(a)
    expect(a.worker.pollIntervalMs).toBe(50)
    expect(a.worker.maxAttempts).toBe(8)
  })

  test.each([
    [{ credentials, captureOn: "never" }, /captureOn: must be one of "fulfillment", "shipment" \(got "never"\)/],
    [{}, /credentials: is required/],
    [{ credentials, colour: "red" }, /colour: is not a known option/],
    [{ credentials: [{ username: "PK_1", password: "very-secret-password", region: "mars" }] }, /credentials\[0\]\.region: must be one of/],
    [
      { credentials: [{ username: "K_1", password: "very-secret-password", provider: "custom" }] },
      /credentials\[0\]\.provider: must be one of "klarna", "kustom"/,
    ],
    [
      { credentials: [{ username: "K_1", password: "very-secret-password", provider: "kustom", region: "eu" }] },
      /credentials\[0\]\.region: Kustom has one host per environment and no regions; remove region/,
    ],
    [{ credentials, worker: { pollIntervalMs: 1 } }, /worker\.pollIntervalMs: must be >= 10/],
    [{ credentials, worker: { concurrency: 0 } }, /worker\.concurrency: must be >= 1/],
    [{ credentials, worker: { maxConcurrency: 0 } }, /worker\.maxConcurrency: must be >= 1/],
    [
      {
        credentials: [
          { ...credentials[0], currencies: ["sek"] },
          { username: "PK_2", password: "another-secret", currencies: ["sek"] },
        ],
      },
      /credentials\[1\]\.currencies: "sek" is already served by credentials\[0\]/,
    ],
    [undefined, /an options object/],
  ])("rejects %j naming the option", (raw, message) => {
    expect(() => parsePluginOptions(raw)).toThrow(PluginOptionsError)
    expect(() => parsePluginOptions(raw)).toThrow(message)
  })

  test("never echoes credential values", () => {
    const raw = { credentials: [{ username: "PK_1", password: "very-secret-password", baseUrl: "ftp://x" }] }
    try {
      parsePluginOptions(raw)
      throw new Error("expected a PluginOptionsError")
    } catch (err) {
      expect((err as Error).message).toContain("credentials[0].baseUrl")
      expect((err as Error).message).not.toContain("very-secret-password")
      expect((err as Error).message).not.toContain("ftp://x")
    }
  })
})

describe("credentialsIndexForCurrency", () => {
  const o = parsePluginOptions({
    credentials: [
      { username: "PK_SE", password: "pw-se-secret", currencies: ["sek"] },
      { username: "PK_ALL", password: "pw-all-secret" },
      { username: "PK_EU", password: "pw-eu-secret", currencies: ["eur"] },
    ],
  })
  test.each([
    ["sek", 0],
    ["SEK", 0],
    ["eur", 2],
    ["nok", 1],
  ])("%s → credentials[%d]", (currency, index) => {
    expect(credentialsIndexForCurrency(o, currency)).toBe(index)
  })
  test("undefined when no entry serves the currency", () => {
    const only = parsePluginOptions({ credentials: [{ username: "PK_SE", password: "pw-se-secret", currencies: ["sek"] }] })
    expect(credentialsIndexForCurrency(only, "eur")).toBeUndefined()
  })
})

test("readDotPath", () => {
  expect(readDotPath({ order_id: "k1" }, "order_id")).toBe("k1")
  expect(readDotPath({ klarna: { order_id: "k2" } }, "klarna.order_id")).toBe("k2")
  expect(readDotPath({ klarna: null }, "klarna.order_id")).toBeUndefined()
})
