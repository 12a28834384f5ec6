import type { MedusaRequest, MedusaResponse } from "@medusajs/medusa"
import type KlarnaSyncService from "../../../../services/klarna-sync"
import type { EventOutcome } from "@klarna-order-sync/core"

export function syncService(req: MedusaRequest): KlarnaSyncService {
  return req.scope.resolve<KlarnaSyncService>("klarnaSyncService")
}

export function notKlarnaOrder(res: MedusaResponse, orderId: string): void {
  res.status(404).json({ type: "not_found", message: `Order ${orderId} is not paid with Klarna` })
}

/** 202: the operation is queued in the outbox; the job says how it went (poll the order view). */
export function accepted(res: MedusaResponse, orderId: string, outcome: EventOutcome): void {
  if (!outcome.handled) {
    res.status(404).json({ type: "not_found", message: outcome.reason })
    return
  }
  res.status(202).json({ order_id: orderId, jobs: outcome.jobs.map((job) => ({ id: job.id, operation: job.operation, state: job.state })) })
}
