/**
 * What every subscriber of the plugin does around its one call: resolve the attached klarnaSync service,
 * call the engine, log the outcome, and never throw into Medusa's event bus (a failed subscriber would only
 * be logged by the bus anyway; the outbox and the lost-event sweep carry the guarantee).
 */
import type { MedusaContainer } from "@medusajs/framework/types"
import type { EventOutcome } from "@klarna-order-sync/core"
import type KlarnaSyncModuleService from "../modules/klarna-sync/service"
import { loggerOf, syncOf } from "./sync-of"

export async function runSubscriber(
  container: MedusaContainer,
  event: string,
  work: (sync: KlarnaSyncModuleService) => Promise<EventOutcome | null>,
): Promise<void> {
  const logger = loggerOf(container)
  try {
    const outcome = await work(syncOf(container))
    if (outcome && outcome.handled && outcome.jobs.length > 0) {
      logger.info(`klarna-order-sync: ${event}: queued ${outcome.jobs.map((job) => `${job.operation} ${job.job_key}`).join(", ")}`)
    }
  } catch (error) {
    logger.error(`klarna-order-sync: ${event} could not be handled (the sweep will try again): ${(error as Error).message}`)
  }
}
