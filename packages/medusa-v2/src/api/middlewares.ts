/**
 * Attaches the klarnaSync service to the app's Query on the first /admin or /store request, so that a
 * capture or refund Medusa asks for right after boot (before any event or the first job tick) finds the
 * order source ready and the worker running. attach() is idempotent: later requests only pass through.
 * Malformed ids in /admin/klarna/... are 400, not 500 (admin/klarna/_lib/malformed-ids.ts).
 */
import { defineMiddlewares, type MedusaNextFunction, type MedusaRequest, type MedusaResponse } from "@medusajs/framework/http"
import type { MedusaContainer } from "@medusajs/framework/types"
import { loggerOf, syncOf } from "../medusa/sync-of"
import { decodeErrorsAre400, rejectMalformedIds } from "./admin/klarna/_lib/malformed-ids"

function attachKlarnaSync(req: MedusaRequest, _res: MedusaResponse, next: MedusaNextFunction): void {
  try {
    syncOf(req.scope as unknown as MedusaContainer)
  } catch (error) {
    loggerOf(req.scope as unknown as MedusaContainer).error(
      `klarna-order-sync: could not attach the sync service: ${(error as Error).message}`,
    )
  }
  next()
}

export default defineMiddlewares({
  errorHandler: decodeErrorsAre400,
  routes: [
    { matcher: "/admin*", middlewares: [attachKlarnaSync] },
    { matcher: "/store*", middlewares: [attachKlarnaSync] },
    { matcher: "/admin/klarna/*", middlewares: [rejectMalformedIds] },
  ],
})
