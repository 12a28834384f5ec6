/**
 * Plain node:http plumbing: read a request body, write a response. Kept apart from the Klarna
 * logic so the handlers stay synchronous functions from request data to SimResponse (which is
 * what makes idempotency replay and apply-then-drop faults easy: a response is just data).
 */
import type { IncomingMessage, ServerResponse } from "node:http"

export interface SimResponse {
  status: number
  headers: Record<string, string>
  /** JSON-serialisable body; undefined = no body (204, or 201 for captures/refunds). */
  body?: unknown
}

/** Klarna answers "413 REQUEST_TOO_LARGE"; 10 MB is far above any legal OM request (1000 lines). */
export const MAX_BODY_BYTES = 10 * 1024 * 1024

export class BodyTooLarge extends Error {}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge())
        req.resume()
        return
      }
      chunks.push(chunk)
    })
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })
}

/** Parsed JSON, or the raw text when it isn't JSON, or null when empty (for the request log). */
export function bodyForLog(raw: string): unknown {
  if (raw === "") return null
  try {
    return JSON.parse(raw)
  } catch {
    return raw
  }
}

/** The exact headers and payload `send` writes (also what the request log records). */
export function serialize(r: SimResponse): { headers: Record<string, string>; payload?: string } {
  const headers: Record<string, string> = { ...r.headers }
  if (r.body === undefined) return { headers }
  const payload = typeof r.body === "string" && headers["Content-Type"]?.startsWith("text/") ? r.body : JSON.stringify(r.body)
  headers["Content-Type"] ??= "application/json"
  return { headers, payload }
}

export function send(res: ServerResponse, r: SimResponse): void {
  const { headers, payload } = serialize(r)
  res.writeHead(r.status, { ...headers, "Content-Length": String(payload === undefined ? 0 : Buffer.byteLength(payload)) })
  res.end(payload)
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): SimResponse => ({ status, headers, body })
export const empty = (status: number, headers: Record<string, string> = {}): SimResponse => ({ status, headers })

/** Header lookup that tolerates node's string[] values. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()]
  return Array.isArray(v) ? v[0] : v
}
