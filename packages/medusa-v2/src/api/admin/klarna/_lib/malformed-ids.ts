/**
 * Ids in the Klarna admin routes: a malformed one is the caller's mistake (400), never a server error.
 *
 * Express decodes path parameters when a layer with parameters matches. Broken percent-encoding (`%`,
 * `%E0%A4%A`, `%FF`) makes that decoding throw a URIError ("Failed to decode param"), already in Medusa's
 * own `/admin*` layers, before any middleware of ours runs, and Medusa's error handler answers it with
 * 500. The error handler below makes it 400 (invalid_data) and hands everything else to Medusa's own. A
 * NUL byte decodes fine but PostgreSQL refuses it in a query (500 again), and an id thousands of
 * characters long is no id: the middleware refuses those before the route. Ids that are well-formed but
 * unknown stay 404, the routes' own answer. The rules are the core's, shared with the Medusa v1 plugin.
 */
import {
  errorHandler,
  type MedusaNextFunction,
  type MedusaRequest,
  type MedusaResponse,
  type MedusaErrorHandlerFunction,
} from "@medusajs/framework/http"
import { MedusaError } from "@medusajs/framework/utils"
import { malformedPathReason } from "@klarna-order-sync/core"

export function rejectMalformedIds(req: MedusaRequest, _res: MedusaResponse, next: MedusaNextFunction): void {
  // originalUrl: under a mounted matcher req.path is only the part after the mount point.
  const reason = malformedPathReason(req.originalUrl.split("?")[0])
  next(reason ? new MedusaError(MedusaError.Types.INVALID_DATA, reason) : undefined)
}

const medusaErrorHandler = errorHandler()

/**
 * Medusa's error handler, with Express's URIError (a path that is not valid percent-encoding) as 400.
 * Medusa uses the error handler of the last middlewares file that defines one: a store's own wins.
 */
export const decodeErrorsAre400: MedusaErrorHandlerFunction = (error, req, res, next) => {
  const mapped =
    error instanceof URIError ? new MedusaError(MedusaError.Types.INVALID_DATA, "The id in the URL is not valid percent-encoding") : error
  return medusaErrorHandler(mapped, req, res, next)
}
