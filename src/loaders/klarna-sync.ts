/**
 * Runs at server start, after Medusa registered the plugin's services: validates the options (a wrong
 * option stops the server with a message naming it) and starts the outbox worker, which resumes any
 * work left pending by a previous run.
 */
import type { AwilixContainer } from "awilix"
import { parsePluginOptions } from "../medusa/plugin-options"
import type KlarnaSyncService from "../services/klarna-sync"

export default async function klarnaSyncLoader(container: AwilixContainer, options: unknown): Promise<void> {
  parsePluginOptions(options)
  const service = container.resolve<KlarnaSyncService>("klarnaSyncService")
  service.startWorker()
}
