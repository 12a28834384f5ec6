/**
 * Klarna Order Management (+ the Payments calls a checkout needs) simulator: an HTTP server on
 * 127.0.0.1 that behaves like Klarna's API, with a /__sim control API for tests.
 * An independent check of the Klarna client in src/klarna — it deliberately imports nothing from src/.
 *
 * This file only wires things together and does the socket-level work (faults that hang or drop
 * the connection); the Klarna behaviour lives in pipeline.ts and rules/.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Clock } from "./clock"
import { ControlApi } from "./control-api"
import { defaultFaultError, errorBody } from "./errors"
import { FaultInjector, type ResolvedFault } from "./faults"
import { BodyTooLarge, bodyForLog, readBody, send, serialize, type SimResponse } from "./http/io"
import { IdempotencyStore } from "./idempotency"
import { newUuid } from "./ids"
import { loadSimState, saveSimState } from "./persistence"
import { KlarnaPipeline } from "./pipeline"
import { NO_REMOTE, RateLimiter, rateLimitHeaders, responseDelayMs } from "./remote"
import { RequestLog, loggableHeaders } from "./request-log"
import { SimState } from "./state"
import { RequestValidator } from "./validation"

export interface SimulatorOptions {
  /** 0 = random free port. Default 0. */
  port?: number
  /** Default 127.0.0.1 (never listen on public interfaces by accident). */
  host?: string
  /** HTTP Basic username. Default "PK_SIMULATOR". */
  username?: string
  /** HTTP Basic password. Default "simulator-secret". */
  password?: string
  /** Order-line arithmetic checks (rules/arithmetic.ts). Default true. */
  arithmeticChecks?: boolean
  /** Base clock; POST /__sim/clock moves time relative to it. Default: real time. */
  now?: () => Date
  /**
   * Keep the state (orders, sessions, authorizations, idempotency keys) in this JSON file: loaded at
   * start when it exists, rewritten after every request that may change it (see persistence.ts).
   * Default: none (memory only).
   */
  stateFile?: string
  /** Delay added to every Klarna API response, ms (remote.ts). Default 0. */
  latencyMs?: number
  /** ± uniform jitter around latencyMs, ms. Default 0. */
  jitterMs?: number
  /** Klarna's rate limit: requests per second per API username; over it, 429. Default: none. */
  rateLimit?: number | null
}

export interface RunningSimulator {
  /** e.g. http://127.0.0.1:4010 */
  url: string
  port: number
  username: string
  password: string
  close(): Promise<void>
}

export const DEFAULT_USERNAME = "PK_SIMULATOR"
export const DEFAULT_PASSWORD = "simulator-secret"
export const DEFAULT_HOST = "127.0.0.1"

const CONTROL_PREFIX = "/__sim"

export async function startSimulator(opts: SimulatorOptions = {}): Promise<RunningSimulator> {
  const username = opts.username ?? DEFAULT_USERNAME
  const password = opts.password ?? DEFAULT_PASSWORD
  const host = opts.host ?? DEFAULT_HOST

  const clock = new Clock(opts.now)
  const state = new SimState(clock, {
    arithmeticChecks: opts.arithmeticChecks ?? true,
    latencyMs: opts.latencyMs ?? NO_REMOTE.latencyMs,
    jitterMs: opts.jitterMs ?? NO_REMOTE.jitterMs,
    rateLimit: opts.rateLimit ?? NO_REMOTE.rateLimit,
  })
  const rateLimiter = new RateLimiter()
  const idempotency = new IdempotencyStore(clock)
  const log = new RequestLog()
  const faults = new FaultInjector()
  const pipeline = new KlarnaPipeline(state, idempotency, { username, password })
  const control = new ControlApi({ state, faults, log, idempotency, validator: new RequestValidator() })
  const stateFile = opts.stateFile
  if (stateFile) loadSimState(stateFile, state, idempotency)
  const persist = (method: string): void => {
    if (stateFile && method !== "GET" && method !== "HEAD") saveSimState(stateFile, state, idempotency, clock.now())
  }

  /** Timers of "timeout" faults, cleared on close so the process can exit. */
  const heldTimers = new Set<NodeJS.Timeout>()
  let url = ""

  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = (req.method ?? "GET").toUpperCase()
    const parsed = new URL(req.url ?? "/", url)
    const path = parsed.pathname
    let rawBody: string
    try {
      rawBody = await readBody(req)
    } catch (err) {
      const status = err instanceof BodyTooLarge ? 413 : 400
      const code = status === 413 ? "REQUEST_TOO_LARGE" : "BAD_REQUEST"
      send(res, {
        status,
        headers: { Connection: "close" },
        body: errorBody(code, [status === 413 ? "Request is too large" : "Unreadable request"], newUuid()),
      })
      return
    }

    if (path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`)) {
      const controlResponse = control.handle(method, path, parsed.searchParams, rawBody)
      // A reset forgets the merchants' rate-limit buckets too, and a limit set anew starts with a full one.
      if (method === "POST" && (path === `${CONTROL_PREFIX}/reset` || path === `${CONTROL_PREFIX}/config`)) rateLimiter.clear()
      persist(method)
      send(res, controlResponse)
      return
    }

    const base = {
      method,
      path: req.url ?? path,
      headers: loggableHeaders(req.headers),
      body: bodyForLog(rawBody),
      at: clock.nowIso(),
    }
    const fault = faults.pick(method, path)

    if (fault?.type === "timeout") {
      log.add({ ...base, status: null, response: null, fault: fault.type })
      // Say nothing, then hang up: the client sees its own timeout or a reset connection.
      const timer = setTimeout(() => {
        heldTimers.delete(timer)
        req.socket.destroy()
      }, fault.ms)
      heldTimers.add(timer)
      return
    }

    let response: SimResponse
    let merchant: string | undefined
    let replayed = false
    const rate = fault ? ({ allowed: true } as const) : rateLimiter.take(state.config, headerOf(req, "authorization"))
    if (fault && (fault.type === "http" || fault.type === "rate_limit")) {
      response = faultResponse(fault)
    } else if (!rate.allowed) {
      response = faultResponse({
        type: "rate_limit",
        retry_after_seconds: rate.retryAfterSeconds,
        reset_seconds: rate.resetSeconds,
        limit: `${rate.limit}, ${rate.limit};w=1`,
      })
    } else {
      const result = pipeline.handle({
        method,
        path,
        headers: req.headers,
        rawBody,
        baseUrl: `http://${req.headers.host ?? new URL(url).host}`,
      })
      response = { ...result.response, headers: { ...rateLimitHeaders(rate), ...result.response.headers } }
      merchant = result.merchant
      replayed = result.replayed
    }

    if (!fault || fault.type === "apply_then_drop") persist(method)
    const dropped = fault?.type === "apply_then_drop"
    log.add({
      ...base,
      status: response.status,
      response: { headers: serialize(response).headers, body: response.body ?? null },
      merchant,
      ...(replayed ? { replayed } : {}),
      ...(fault ? { fault: fault.type } : {}),
      ...(!rate.allowed ? { rate_limited: true } : {}),
      ...(dropped ? { dropped } : {}),
    })
    // The answer travels back at Klarna's pace (off by default). The state changed on arrival, as on a
    // real remote whose answer is still on its way.
    const delay = responseDelayMs(state.config)
    if (delay > 0) await holdFor(delay, heldTimers)
    if (dropped) {
      // The operation ran and is recorded (including its idempotency entry); the caller never
      // learns the outcome. A retry with the same Klarna-Idempotency-Key gets the replay.
      req.socket.destroy()
      return
    }
    send(res, response)
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch((err) => {
      console.error("[klarna-simulator] request failed", err) // eslint-disable-line no-console
      if (!res.headersSent)
        send(res, { status: 500, headers: {}, body: errorBody("INTERNAL_SERVER_ERROR", ["Unexpected server error"], newUuid()) })
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`

  let closing: Promise<void> | undefined
  return {
    url,
    port,
    username,
    password,
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve, reject) => {
        persist("POST")
        for (const t of heldTimers) clearTimeout(t)
        heldTimers.clear()
        server.close((err) => (err ? reject(err) : resolve()))
        // Keep-alive sockets (fetch keeps them) and held "timeout" sockets would block close().
        server.closeAllConnections()
      })
      return closing
    },
  }
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return Array.isArray(value) ? value[0] : value
}

/** Waits `ms`; the timer is tracked so close() does not wait for it. */
function holdFor(ms: number, timers: Set<NodeJS.Timeout>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      timers.delete(timer)
      resolve()
    }, ms)
    timers.add(timer)
  })
}

/** 5xx / 429 bodies and headers in Klarna's shape (generic OM error table, rate-limit page). */
function faultResponse(fault: Extract<ResolvedFault, { type: "http" | "rate_limit" }>): SimResponse {
  const correlationId = newUuid()
  if (fault.type === "rate_limit") {
    const { code, message } = defaultFaultError(429)
    return {
      status: 429,
      headers: {
        "Retry-After": String(fault.retry_after_seconds),
        "X-Ratelimit-Limit": fault.limit,
        "X-Ratelimit-Remaining": "0",
        "X-Ratelimit-Reset": String(fault.reset_seconds),
        "Klarna-Correlation-Id": correlationId,
      },
      body: errorBody(code, [message], correlationId),
    }
  }
  const { code, message } = defaultFaultError(fault.status)
  const hasBody = fault.status !== 204 && fault.status !== 304
  return {
    status: fault.status,
    headers: { "Klarna-Correlation-Id": correlationId, ...(fault.headers ?? {}) },
    body: hasBody ? (fault.body ?? errorBody(code, [message], correlationId)) : undefined,
  }
}
