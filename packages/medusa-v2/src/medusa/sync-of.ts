/**
 * The klarnaSync service for app-level code (subscribers, the interval job, routes, middleware), attached to
 * the app's Query on first use: a module's container has no `query`, so the order source gets it here.
 */
import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { capturePaymentWorkflow } from "@medusajs/medusa/core-flows"
import type KlarnaSyncModuleService from "../modules/klarna-sync/service"
import type { QueryGraph } from "./query-order-source"

export const KLARNA_SYNC_MODULE = "klarnaSync"

export function syncOf(container: MedusaContainer): KlarnaSyncModuleService {
  const sync = container.resolve<KlarnaSyncModuleService>(KLARNA_SYNC_MODULE)
  if (!sync.isAttached) {
    sync.attach({
      query: container.resolve(ContainerRegistrationKeys.QUERY) as unknown as QueryGraph,
      // Once Klarna holds the whole amount, Medusa's payment is marked captured through Medusa's own workflow
      // (it calls the provider's capturePayment, which finds nothing left to capture).
      markPaymentCaptured: async (paymentId) => {
        await capturePaymentWorkflow(container).run({ input: { payment_id: paymentId } })
      },
    })
  }
  return sync
}

/** The logger every app-level piece of the plugin logs through. */
export function loggerOf(container: MedusaContainer): { info(m: string): void; warn(m: string): void; error(m: string): void } {
  return container.resolve(ContainerRegistrationKeys.LOGGER) as unknown as {
    info(m: string): void
    warn(m: string): void
    error(m: string): void
  }
}
