/**
 * Ids in the Klarna admin routes: a malformed one is the caller's mistake (400), never a server error.
 *
 * Express decodes path parameters before any handler runs; broken percent-encoding (`%`, `%E0%A4%A`,
 * `%FF`) makes that decoding throw, which Medusa's error handler would answer with 500. A NUL byte
 * decodes fine but PostgreSQL refuses it in a query (500 again), and an id thousands of characters long
 * is no id. The error handler turns the first into 400, the middleware refuses the others with 400
 * before any lookup; ids that are well-formed but unknown stay 404 (the routes' own answer).
 */
import { errorHandler, type MedusaNextFunction, type MedusaRequest, type MedusaResponse, type MiddlewaresConfig } from "@medusajs/medusa"
import { MedusaError } from "medusa-core-utils"

/** Medusa's ids are ~30 characters, Klarna's capture ids 36; this leaves room without accepting junk. */
const MAX_ID_LENGTH = 256
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/ // eslint-disable-line no-control-regex -- matching them is the point

/** Why `id` cannot be an id, or null when it can. */
export function malformedIdReason(id: string): string | null {
  if (id.length === 0) return "is empty"
  if (id.length > MAX_ID_LENGTH) return `is ${id.length} characters long (at most ${MAX_ID_LENGTH})`
  if (CONTROL_CHARACTER.test(id)) return "contains a control character"
  return null
}

function rejectMalformedIds(req: MedusaRequest, _res: MedusaResponse, next: MedusaNextFunction): void {
  // The raw path, decoded segment by segment (the route's own parameters are not parsed yet here).
  for (const segment of req.path.split("/").filter(Boolean)) {
    let decoded: string
    try {
      decoded = decodeURIComponent(segment)
    } catch {
      return next(new MedusaError(MedusaError.Types.INVALID_DATA, "The id in the URL is not valid percent-encoding"))
    }
    const reason = malformedIdReason(decoded)
    if (reason) return next(new MedusaError(MedusaError.Types.INVALID_DATA, `The id in the URL ${reason}`))
  }
  next()
}

const medusaErrorHandler = errorHandler()

/** Express's "Failed to decode param" (a URIError) becomes Medusa's invalid_data, 400. */
function decodeErrorsAre400(err: unknown, req: MedusaRequest, res: MedusaResponse, next: MedusaNextFunction): void {
  const error =
    err instanceof URIError ? new MedusaError(MedusaError.Types.INVALID_DATA, "The id in the URL is not valid percent-encoding") : err
  return medusaErrorHandler(error as MedusaError, req as never, res as never, next)
}

export const config: MiddlewaresConfig = {
  errorHandler: decodeErrorsAre400 as never,
  routes: [{ matcher: /^\/admin\/klarna\//, method: ["GET", "POST", "DELETE"], middlewares: [rejectMalformedIds as never] }],
}
