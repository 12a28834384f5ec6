/**
 * Runs at server start, after Medusa registered the plugin's services: validates the options (a wrong
 * option stops the server with a message naming it), hooks the plugin's checks into Medusa's transactions
 * (src/medusa/transaction-guards.ts) and starts the outbox worker, which resumes any work left pending by a
 * previous run.
 */
import type { AwilixContainer } from "awilix"
import type { EntityManager } from "typeorm"
import { installTransactionGuards } from "../medusa/transaction-guards"
import { parsePluginOptions } from "../medusa/plugin-options"
import type KlarnaSyncService from "../services/klarna-sync"

export default async function klarnaSyncLoader(container: AwilixContainer, options: unknown): Promise<void> {
  parsePluginOptions(options)
  // The refund check (and the cart -> order guard) inside Medusa's own transactions.
  installTransactionGuards(container.resolve<EntityManager>("manager").connection)
  const service = container.resolve<KlarnaSyncService>("klarnaSyncService")
  service.startWorker()
}
