/**
 * The Klarna admin routes are adapters of a few lines over the core's admin API
 * (packages/core/src/sync/admin-api.ts): the same answers, status codes and JSON shapes as the Medusa v1
 * plugin's routes, so one widget presentation serves both. Medusa v2 puts everything under /admin behind
 * its admin authentication (401 without a session or token).
 */
import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import type { AdminAnswer, KlarnaAdminService } from "@klarna-order-sync/core"
import type KlarnaSyncModuleService from "../../../../modules/klarna-sync/service"

/** The plugin's sync module (registered as klarnaSync), through the admin methods the routes use (type-checked here). */
export function syncService(req: MedusaRequest): KlarnaAdminService {
  return req.scope.resolve<KlarnaSyncModuleService>("klarnaSync")
}

export function send(res: MedusaResponse, answer: AdminAnswer): void {
  res.status(answer.status).json(answer.body)
}
