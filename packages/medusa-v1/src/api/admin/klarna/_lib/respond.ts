import type { MedusaRequest, MedusaResponse } from "@medusajs/medusa"
import type { AdminAnswer } from "@klarna-order-sync/core"
import type KlarnaSyncService from "../../../../services/klarna-sync"

export function syncService(req: MedusaRequest): KlarnaSyncService {
  return req.scope.resolve<KlarnaSyncService>("klarnaSyncService")
}

/** Sends what the core's admin API answered (packages/core/src/sync/admin-api.ts). */
export function send(res: MedusaResponse, answer: AdminAnswer): void {
  res.status(answer.status).json(answer.body)
}
