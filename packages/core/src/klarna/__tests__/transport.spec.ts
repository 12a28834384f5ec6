import http from "node:http"
import type { AddressInfo } from "node:net"
import { createHttpTransport } from "../transport"

let server: http.Server
let base: string
const sockets = new Set<string>()

beforeAll(async () => {
  server = http.createServer((req, res) => {
    sockets.add(`${req.socket.remotePort}`)
    let body = ""
    req.on("data", (chunk) => (body += chunk))
    req.on("end", () => {
      res.setHeader("Klarna-Correlation-Id", "corr-1")
      res.setHeader("Set-Cookie", ["a=1", "b=2"])
      res.statusCode = req.url === "/created" ? 201 : 200
      res.end(JSON.stringify({ method: req.method, body, length: req.headers["content-length"] ?? null }))
    })
  })
  // Node's agent keeps a connection 1 s less than the server's Keep-Alive hint (whole seconds).
  server.keepAliveTimeout = 5000
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

test("sends the body with its byte length and reads status, headers (any case) and body", async () => {
  const send = createHttpTransport()
  const body = JSON.stringify({ name: "Tröja 🧦" })
  const outcome = await send({
    url: `${base}/created`,
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body,
    timeoutMs: 2000,
  })
  if (outcome.kind !== "response") throw new Error("no response")
  expect(outcome.response.status).toBe(201)
  expect(outcome.response.headers.get("Klarna-Correlation-Id")).toBe("corr-1")
  expect(outcome.response.headers.get("set-cookie")).toBe("a=1, b=2")
  expect(outcome.response.headers.get("retry-after")).toBeNull()
  expect(JSON.parse(outcome.response.bodyText)).toEqual({ method: "POST", body, length: String(Buffer.byteLength(body)) })
})

test("reuses its connection, and a connection the server closed while idle is not reused", async () => {
  const send = createHttpTransport()
  sockets.clear()
  const get = () => send({ url: `${base}/`, method: "GET", headers: {}, body: undefined, timeoutMs: 2000 })
  expect((await get()).kind).toBe("response")
  // The agent frees the socket just after the response ends (a tick later).
  await new Promise((resolve) => setTimeout(resolve, 20))
  expect((await get()).kind).toBe("response")
  expect(sockets.size).toBe(1)
  // The server drops the idle connection (as a load balancer in front of Klarna may).
  server.closeIdleConnections()
  await new Promise((resolve) => setTimeout(resolve, 50))
  const after = await get()
  expect(after.kind).toBe("response")
  expect(sockets.size).toBe(2)
})

test("a refused connection and a malformed URL are network outcomes, not throws", async () => {
  const send = createHttpTransport()
  const refused = await send({ url: "http://127.0.0.1:9/", method: "GET", headers: {}, body: undefined, timeoutMs: 2000 })
  expect(refused).toMatchObject({ kind: "network", timedOut: false, error: expect.objectContaining({ code: "ECONNREFUSED" }) })
  const malformed = await send({ url: "not a url", method: "GET", headers: {}, body: undefined, timeoutMs: 2000 })
  expect(malformed).toMatchObject({ kind: "network", timedOut: false })
})
