/**
 * Klarna-shaped errors. Every Klarna OM error body is
 * {"error_code": "...", "error_messages": ["..."], "correlation_id": "<uuid>"}
 * (all error schemas in the OM yml and the doc samples), so handlers throw SimError and the
 * server turns it into that body. The correlation id is filled in by the server, which also
 * sends it as the Klarna-Correlation-Id header (Klarna's SDK debug logs show that header).
 */

export class SimError extends Error {
  readonly status: number
  readonly code: string
  readonly messages: string[]
  readonly headers: Record<string, string>

  constructor(status: number, code: string, messages: string | string[], headers: Record<string, string> = {}) {
    const list = Array.isArray(messages) ? messages : [messages]
    super(`${status} ${code}: ${list.join("; ")}`)
    this.status = status
    this.code = code
    this.messages = list
    this.headers = headers
  }
}

export interface ErrorBody {
  error_code: string
  error_messages: string[]
  correlation_id: string
}

export function errorBody(code: string, messages: string[], correlationId: string): ErrorBody {
  return { error_code: code, error_messages: messages, correlation_id: correlationId }
}

// Shorthands for the codes of the OM error table (docs "manage orders with the API" + errors page).
export const notFoundOrder = (orderId: string, suffix = ""): SimError =>
  new SimError(404, "NO_SUCH_ORDER", `Order ${orderId} cannot be found${suffix}`)

export const notAllowed = (message: string): SimError => new SimError(403, "NOT_ALLOWED", message)

export const unprocessable = (messages: string[]): SimError => new SimError(422, "UNPROCESSABLE_ENTITY", messages)

/** Klarna Payments answers field problems with 400 BAD_VALUE "Bad value: <path>" (see notes §3). */
export const badValue = (paths: string[]): SimError =>
  new SimError(
    400,
    "BAD_VALUE",
    paths.map((p) => `Bad value: ${p}`),
  )

/** Default bodies for injected HTTP faults, from the generic OM error table. */
export function defaultFaultError(status: number): { code: string; message: string } {
  if (status === 429) return { code: "TOO_MANY_REQUESTS", message: "Too many requests" }
  if (status === 500) return { code: "INTERNAL_SERVER_ERROR", message: "Unexpected server error" }
  if (status >= 502 && status <= 504) return { code: "TEMPORARILY_UNAVAILABLE", message: "Temporarily unavailable" }
  if (status === 409) return { code: "CONFLICT", message: "Conflict" }
  if (status === 413) return { code: "REQUEST_TOO_LARGE", message: "Request is too large" }
  if (status >= 500) return { code: "UNEXPECTED_ERROR", message: "Unexpected server error" }
  return { code: "SIMULATED_ERROR", message: `Simulated HTTP ${status}` }
}
