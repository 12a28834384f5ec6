export { KLARNA_OPTIONS_SCHEMA } from "./options-schema"
export {
  DEFAULT_HTTP_OPTIONS,
  DEFAULT_ORPHAN_GRACE_MS,
  DEFAULT_WORKER_OPTIONS,
  PLUGIN_NAME,
  PluginOptionsError,
  credentialsIndexForCurrency,
  klarnaOrderIdAt,
  parseKlarnaOptions,
  providerForCurrency,
  readDotPath,
} from "./plugin-options"
export type { HttpOptions, KlarnaCredentialsOption, KlarnaPluginOptions, WorkerOptions } from "./plugin-options"
export { NoKlarnaCredentialsError, clientForCredentials, clientForCurrency, klarnaLoggerFrom } from "./klarna-clients"
export type { ClientFactoryOptions, PlatformLoggerLike } from "./klarna-clients"
