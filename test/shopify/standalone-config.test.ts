/** Issue 13: the Shopify server's Klarna account can be a Kustom one (KLARNA_PROVIDER=kustom). */
import { KlarnaClient } from "../../packages/core/src/klarna"
import { configFromEnv } from "../../packages/shopify/src/standalone"

const base = { DATABASE_URL: "postgres://u:p@127.0.0.1:5432/db", SHOPIFY_API_SECRET: "s", KLARNA_USERNAME: "K_1", KLARNA_PASSWORD: "pw" }

test("KLARNA_PROVIDER=kustom: a Kustom account on Kustom's host", () => {
  const config = configFromEnv({ ...base, KLARNA_PROVIDER: "kustom", KLARNA_ENVIRONMENT: "live" })
  expect(config.klarna).toMatchObject({ provider: "kustom", environment: "live", region: undefined })
  const account = config.klarna as NonNullable<typeof config.klarna>
  expect(new KlarnaClient(account).toJSON()).toEqual({ baseUrl: "https://api.kustom.co", provider: "kustom" })
})

test("Klarna stays the default", () => {
  expect(configFromEnv(base).klarna).toMatchObject({ provider: undefined })
  expect(new KlarnaClient(configFromEnv(base).klarna as NonNullable<ReturnType<typeof configFromEnv>["klarna"]>).provider).toBe("klarna")
})

test.each([
  [{ KLARNA_PROVIDER: "kustomer" }, 'shopify: KLARNA_PROVIDER must be klarna or kustom, got "kustomer"'],
  [
    { KLARNA_PROVIDER: "kustom", KLARNA_REGION: "eu" },
    "shopify: KLARNA_REGION is for Klarna; Kustom has one host per environment and no regions",
  ],
])("%j is refused", (extra, message) => {
  expect(() => configFromEnv({ ...base, ...extra })).toThrow(message)
})
