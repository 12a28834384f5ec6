/**
 * Every 5 s in the app's process: makes sure the klarnaSync service is attached to the app's Query, which
 * starts the outbox worker and its lost-event sweep (every worker.sweepIntervalMs, and once at start). v2's
 * local event bus keeps nothing, so a server that restarts with no request and no event still resumes the
 * outbox and catches up on what changed while events were lost.
 */
import type { MedusaContainer } from "@medusajs/framework/types"
import { loggerOf, syncOf } from "../medusa/sync-of"

export default async function klarnaSyncWorker(container: MedusaContainer): Promise<void> {
  try {
    syncOf(container)
  } catch (error) {
    loggerOf(container).error(`klarna-order-sync: could not start the sync worker: ${(error as Error).message}`)
  }
}

export const config = { name: "klarna-order-sync-worker", schedule: { interval: 5000 } }
