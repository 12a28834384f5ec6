/**
 * Ids in the Klarna admin routes: a malformed one is the caller's mistake (400), never a server error.
 *
 * Express decodes path parameters when a route matches; broken percent-encoding (`%`, `%E0%A4%A`, `%FF`)
 * makes that decoding throw a URIError, which Medusa's error handler answers with 500. A NUL byte decodes
 * fine but PostgreSQL refuses it in a query (500 again), and an id thousands of characters long is no id.
 * This middleware runs before the route (on the raw path, nothing decoded yet) and refuses them with 400;
 * ids that are well-formed but unknown stay 404, the routes' own answer. The rules are the core's, shared
 * with the Medusa v1 plugin.
 */
import type { MedusaNextFunction, MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { MedusaError } from "@medusajs/framework/utils"
import { malformedPathReason } from "@klarna-order-sync/core"

export function rejectMalformedIds(req: MedusaRequest, _res: MedusaResponse, next: MedusaNextFunction): void {
  // originalUrl: under a mounted matcher req.path is only the part after the mount point.
  const reason = malformedPathReason(req.originalUrl.split("?")[0])
  next(reason ? new MedusaError(MedusaError.Types.INVALID_DATA, reason) : undefined)
}
