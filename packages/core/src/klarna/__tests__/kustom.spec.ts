/**
 * Kustom credentials: Kustom's hosts, no regions, and the calls Kustom deprecated refused before any request.
 * The client runs against a local HTTP server that records every request (real sockets, no fetch mocks).
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { KlarnaClient } from "../client"
import { KUSTOM_BASE_URLS, resolveBaseUrl, resolveProvider, type KlarnaRegion } from "../config"
import { KlarnaError, KustomDeprecatedCallError } from "../errors"
import { kustomDeprecatedCall } from "../kustom"
import type { KlarnaOperation } from "../operation"

const ORDER = "f3392f8b-6116-4073-ab96-e330819e2c07"
const CAPTURE = "4ba29b50-be7b-44f5-a492-113e6a865e22"
const KEY = "1c1b7d3e-6a2b-5f0e-8a55-2f1f3d2c1b0a"

describe("Kustom hosts", () => {
  test("live and playground resolve to Kustom's hosts", () => {
    expect(resolveBaseUrl({ provider: "kustom", environment: "live" })).toBe("https://api.kustom.co")
    expect(resolveBaseUrl({ provider: "kustom", environment: "playground" })).toBe("https://api.playground.kustom.co")
    expect(resolveBaseUrl({ provider: "kustom" })).toBe("https://api.playground.kustom.co")
    expect(KUSTOM_BASE_URLS).toEqual({ live: "https://api.kustom.co", playground: "https://api.playground.kustom.co" })
  })

  test("Klarna stays the default provider, with its regional hosts", () => {
    expect(resolveProvider({})).toBe("klarna")
    expect(resolveBaseUrl({ environment: "live", region: "na" })).toBe("https://api-na.klarna.com")
    expect(new KlarnaClient({ username: "u", password: "p" }).provider).toBe("klarna")
  })

  test("a region with Kustom is refused: Kustom has one host per environment", () => {
    expect(() => resolveBaseUrl({ provider: "kustom", region: "eu" })).toThrow(/Kustom has one host per environment/)
    expect(() => new KlarnaClient({ username: "u", password: "p", provider: "kustom", region: "na" })).toThrow(TypeError)
  })

  test("an unknown provider is refused", () => {
    expect(() => resolveProvider({ provider: "klarma" as "klarna" })).toThrow(/unknown provider "klarma"/)
  })

  test("an explicit baseUrl (the simulator) wins over Kustom's host", () => {
    const client = new KlarnaClient({ username: "u", password: "p", provider: "kustom", baseUrl: "http://127.0.0.1:4602/" })
    expect(client.baseUrl).toBe("http://127.0.0.1:4602")
    expect(client.provider).toBe("kustom")
    expect(client.toJSON()).toEqual({ baseUrl: "http://127.0.0.1:4602", provider: "kustom" })
  })
})

describe("the calls Kustom deprecated", () => {
  test.each([
    [`/ordermanagement/v1/orders/${ORDER}/captures/${CAPTURE}/trigger-send-out`, "trigger-send-out"],
    [`/ordermanagement/v1/orders/${ORDER}/captures/${CAPTURE}/extend-due-date`, "extend-due-date"],
    [`/ordermanagement/v1/orders/${ORDER}/capture/${CAPTURE}/extend-due-date`, "extend-due-date"],
    [`/ordermanagement/v1/orders/${ORDER}/captures/${CAPTURE}/extend-due-date-options?x=1`, "extend-due-date-options"],
  ])("%s is %s", (path, call) => {
    expect(kustomDeprecatedCall(path)).toBe(call)
  })

  test.each([
    `/ordermanagement/v1/orders/${ORDER}/extend-authorization-time`,
    `/ordermanagement/v1/orders/${ORDER}/captures`,
    `/ordermanagement/v1/orders/${ORDER}/captures/${CAPTURE}/shipping-info`,
    `/ordermanagement/v1/orders/${ORDER}/release-remaining-authorization`,
  ])("%s is not deprecated", (path) => {
    expect(kustomDeprecatedCall(path)).toBeUndefined()
  })
})

describe("a Kustom client against a recording server", () => {
  let server: Server
  let baseUrl: string
  let requests: string[] = []

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`)
      req.resume()
      req.on("end", () => {
        if (req.method === "POST" && req.url?.endsWith("/captures")) {
          res.writeHead(201, { "Capture-Id": CAPTURE, Location: `${baseUrl}${req.url}/${CAPTURE}` }).end()
        } else {
          res.writeHead(204).end()
        }
      })
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  beforeEach(() => {
    requests = []
  })

  const kustom = () => new KlarnaClient({ username: "K_merchant", password: "kustom-secret", provider: "kustom", baseUrl, maxRetries: 0 })

  test("triggerSendOut throws KustomDeprecatedCallError and sends nothing", async () => {
    const error = await kustom()
      .triggerSendOut(ORDER, CAPTURE, { idempotencyKey: KEY })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KustomDeprecatedCallError)
    expect(error).toBeInstanceOf(KlarnaError)
    expect(error).toMatchObject({
      operation: "triggerSendOut",
      call: "trigger-send-out",
      errorCode: "DEPRECATED_BY_KUSTOM",
      attempts: 0,
      retryable: false,
      httpStatus: undefined,
    })
    expect((error as Error).message).toBe(
      "Kustom deprecated trigger-send-out: triggerSendOut is not available for orders served by Kustom, " +
        "so nothing was sent. Use the Kustom portal instead.",
    )
    expect(requests).toEqual([])
  })

  test("an extend-due-date operation run through request() is refused too", async () => {
    const extendDueDate: KlarnaOperation<void> = {
      name: "extendDueDate",
      method: "PATCH",
      path: `/ordermanagement/v1/orders/${ORDER}/captures/${CAPTURE}/extend-due-date`,
      body: { number_of_days: 14 },
      idempotencyKey: KEY,
      safeToRetry: true,
      parse: () => ({ ok: true, value: undefined }),
    }
    await expect(kustom().request(extendDueDate)).rejects.toMatchObject({ name: "KustomDeprecatedCallError", call: "extend-due-date" })
    expect(requests).toEqual([])
  })

  test("what Kustom still offers goes through: capture, extend authorization time, release", async () => {
    const client = kustom()
    const capture = await client.createCapture(ORDER, { captured_amount: 6000 }, { idempotencyKey: KEY })
    expect(capture.captureId).toBe(CAPTURE)
    await client.extendAuthorizationTime(ORDER, { idempotencyKey: KEY })
    await client.releaseRemainingAuthorization(ORDER, { idempotencyKey: KEY })
    expect(requests).toEqual([
      `POST /ordermanagement/v1/orders/${ORDER}/captures`,
      `POST /ordermanagement/v1/orders/${ORDER}/extend-authorization-time`,
      `POST /ordermanagement/v1/orders/${ORDER}/release-remaining-authorization`,
    ])
  })

  test("a Klarna client still sends trigger-send-out", async () => {
    const region: KlarnaRegion | undefined = undefined
    const klarna = new KlarnaClient({ username: "PK_1", password: "pw", baseUrl, region, maxRetries: 0 })
    await klarna.triggerSendOut(ORDER, CAPTURE, { idempotencyKey: KEY })
    expect(requests).toEqual([`POST /ordermanagement/v1/orders/${ORDER}/captures/${CAPTURE}/trigger-send-out`])
  })
})
