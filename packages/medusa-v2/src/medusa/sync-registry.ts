/**
 * The process-wide handle on the klarnaSync module's service. Medusa v2 runs the payment provider in the
 * payment module's container, which cannot resolve another module's service; both this file and the
 * provider come from the same installed package, so the service registers itself here when Medusa
 * constructs it and the provider finds it with syncService().
 */
import type KlarnaSyncModuleService from "../modules/klarna-sync/service"

let registered: KlarnaSyncModuleService | undefined

/** Called by KlarnaSyncModuleService's constructor (the last one constructed wins: one per process). */
export function registerSyncService(service: KlarnaSyncModuleService): void {
  registered = service
}

/** The sync service; throws when the klarnaSync module is not loaded (the plugin is not in medusa-config). */
export function syncService(): KlarnaSyncModuleService {
  if (!registered) {
    throw new Error(
      "klarna-order-sync: the klarnaSync module is not loaded: add the plugin to `plugins` in medusa-config.ts " +
        "(the Klarna payment provider needs its sync service)",
    )
  }
  return registered
}

/** The sync service if the module is loaded (for callers that can do without it). */
export function syncServiceIfLoaded(): KlarnaSyncModuleService | undefined {
  return registered
}
