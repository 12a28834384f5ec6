/**
 * The Klarna clients of the plugin options (the core's factory, packages/core/src/config/klarna-clients.ts),
 * with Medusa v1's User-Agent suffix ("medusa/<version of @medusajs/medusa>") unless the caller gives one.
 */
import {
  clientForCurrency as coreClientForCurrency,
  type ClientFactoryOptions,
  type KlarnaClient,
  type KlarnaPluginOptions,
} from "@klarna-order-sync/core"

export { NoKlarnaCredentialsError, klarnaLoggerFrom } from "@klarna-order-sync/core"
export type { ClientFactoryOptions, PlatformLoggerLike as MedusaLoggerLike } from "@klarna-order-sync/core"

let medusaVersion: string | undefined
/** "medusa/<version of @medusajs/medusa>": the User-Agent suffix of the v1 plugin's Klarna calls. */
export function medusaUserAgent(): string {
  if (medusaVersion === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      medusaVersion = String((require("@medusajs/medusa/package.json") as { version?: string }).version ?? "unknown")
    } catch {
      medusaVersion = "unknown"
    }
  }
  return `medusa/${medusaVersion}`
}

/** The client for a currency (ISO 4217, any case). Throws NoKlarnaCredentialsError when none applies. */
export function clientForCurrency(options: KlarnaPluginOptions, currency: string, factory: ClientFactoryOptions = {}): KlarnaClient {
  return coreClientForCurrency(options, currency, { ...factory, userAgentSuffix: factory.userAgentSuffix ?? medusaUserAgent() })
}
