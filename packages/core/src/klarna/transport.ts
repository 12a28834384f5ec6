/**
 * One HTTP exchange with Klarna, on Node's own http/https modules with a keep-alive agent per client.
 *
 * Why not the global fetch(): it is undici, loaded into the store's process on the first Klarna call, and
 * measured on this machine it grows a process's resident memory by ~70 MB for 1,000 small requests (its
 * WASM parser and pools), against ~8 MB for node:http (`bench/README.md`, measure 5). Medusa v1 itself never
 * loads it, so the plugin would carry that cost alone.
 *
 * The exchange is whole or nothing: the body is read inside the timeout (a stalled body is a timeout too),
 * redirects are not followed (the credentials stay with the configured host), and the response headers are
 * read through HeaderReader (lower-case names), the only view the rest of the client has of them.
 */
import http from "node:http"
import https from "node:https"
import type { HeaderReader } from "./retry"

export interface TransportResponse {
  status: number
  headers: HeaderReader
  bodyText: string
}

export type TransportOutcome = { kind: "response"; response: TransportResponse } | { kind: "network"; error: unknown; timedOut: boolean }

export interface TransportRequest {
  url: string
  method: string
  headers: Record<string, string>
  body: string | undefined
  timeoutMs: number
}

export type Transport = (request: TransportRequest) => Promise<TransportOutcome>

/** A transport with its own keep-alive connections (idle sockets do not hold the process open). */
export function createHttpTransport(): Transport {
  const agents = { "http:": new http.Agent({ keepAlive: true }), "https:": new https.Agent({ keepAlive: true }) }
  return (request) => {
    let target: URL
    try {
      target = new URL(request.url)
    } catch (error: unknown) {
      return Promise.resolve({ kind: "network", error, timedOut: false })
    }
    return new Promise<TransportOutcome>((resolve) => {
      let settled = false
      let timedOut = false
      // Only called from the request's events, which come after the timer below is set.
      const settle = (outcome: TransportOutcome) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        resolve(outcome)
      }
      const secure = target.protocol === "https:"
      const headers: Record<string, string | number> = { ...request.headers }
      if (request.body !== undefined) headers["Content-Length"] = Buffer.byteLength(request.body, "utf8")
      const outgoing = (secure ? https : http).request(
        target,
        { method: request.method, headers, agent: secure ? agents["https:"] : agents["http:"] },
        (incoming) => {
          const chunks: Buffer[] = []
          incoming.on("data", (chunk: Buffer) => chunks.push(chunk))
          incoming.on("error", (error) => settle({ kind: "network", error, timedOut }))
          incoming.on("aborted", () => settle({ kind: "network", error: new Error("response aborted"), timedOut }))
          incoming.on("end", () => {
            const raw = incoming.headers
            settle({
              kind: "response",
              response: {
                status: incoming.statusCode ?? 0,
                headers: { get: (name) => headerValue(raw[name.toLowerCase()]) },
                bodyText: Buffer.concat(chunks).toString("utf8"),
              },
            })
          })
        },
      )
      const timer = setTimeout(() => {
        timedOut = true
        outgoing.destroy(new Error(`timed out after ${request.timeoutMs} ms`))
      }, request.timeoutMs)
      outgoing.on("error", (error) => settle({ kind: "network", error, timedOut }))
      outgoing.end(request.body)
    })
  }
}

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null
  return Array.isArray(value) ? value.join(", ") : value
}
