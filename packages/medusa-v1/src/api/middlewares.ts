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
import { malformedPathReason } from "@klarna-order-sync/core"

function rejectMalformedIds(req: MedusaRequest, _res: MedusaResponse, next: MedusaNextFunction): void {
  // The raw path (the route's own parameters are not parsed yet here); the rules are the core's (admin-api.ts).
  const reason = malformedPathReason(req.path)
  next(reason ? new MedusaError(MedusaError.Types.INVALID_DATA, reason) : undefined)
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
