/**
 * The sync service as the payment provider sees it. The provider runs in the payment module's container,
 * which cannot resolve another module's service nor Medusa's `query`: it reaches the klarnaSync service
 * through the process-wide registry, and the app's query through the service (attached by the /store
 * middleware before any store route runs, so always there at checkout).
 */
import type { QueryGraph } from "../../medusa/query-order-source"
import { syncService } from "../../medusa/sync-registry"
import type KlarnaSyncModuleService from "../../modules/klarna-sync/service"

export function providerSync(): KlarnaSyncModuleService {
  return syncService()
}

export function checkoutQuery(): QueryGraph {
  const query = syncService().query
  if (!query) {
    throw new Error("klarna-order-sync: the sync service has no query yet (no /store or /admin request, event or job has run)")
  }
  return query
}
