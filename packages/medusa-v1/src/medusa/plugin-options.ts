/**
 * The plugin's options as Medusa v1 hands them over (`plugins: [{ resolve, options }]` in medusa-config.js):
 * validated and normalised by the core (packages/core/src/config: the options' JSON Schema, defaults and
 * parsing, shared with the Medusa v2 plugin). Every consumer (payment processor, sync service, loaders,
 * subscribers) calls parsePluginOptions(); the result is cached per options object.
 */
import { parseKlarnaOptions, type KlarnaPluginOptions } from "@klarna-order-sync/core"

export {
  DEFAULT_HTTP_OPTIONS,
  DEFAULT_ORPHAN_GRACE_MS,
  DEFAULT_WORKER_OPTIONS,
  PLUGIN_NAME,
  PluginOptionsError,
  credentialsIndexForCurrency,
  providerForCurrency,
  readDotPath,
} from "@klarna-order-sync/core"
export type { HttpOptions, KlarnaCredentialsOption, KlarnaPluginOptions, WorkerOptions } from "@klarna-order-sync/core"

/** Validates and normalises the options of medusa-config.js. Throws PluginOptionsError naming the option. */
export function parsePluginOptions(raw: unknown): KlarnaPluginOptions {
  return parseKlarnaOptions(raw, "medusa-config.js")
}
