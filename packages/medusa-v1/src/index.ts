/**
 * What `require("klarna-order-sync")` gives a store. Medusa itself never loads this file: it finds the
 * plugin's services, subscribers, api, models and migrations in dist/ by convention (medusa-config.js
 * `resolve: "klarna-order-sync"`). This entry is for the store's own code: typing the options written in
 * medusa-config.js, checking them before boot, and resolving the plugin's services from Medusa's container.
 */
import type { HttpOptions, KlarnaCredentialsOption, KlarnaPluginOptions, WorkerOptions } from "./medusa/plugin-options"

export { PLUGIN_NAME, PluginOptionsError, parsePluginOptions } from "./medusa/plugin-options"
export type { HttpOptions, KlarnaCredentialsOption, KlarnaPluginOptions, WorkerOptions } from "./medusa/plugin-options"
export { default as KlarnaSyncService } from "./services/klarna-sync"
export { default as KlarnaPaymentProcessor } from "./services/klarna-payment"

/**
 * The options as a store writes them in medusa-config.js: only `credentials` (username and password of
 * each account) is required; everything else has the default of the options schema (@klarna-order-sync/core, config/options-schema.ts).
 */
export type KlarnaOrderSyncOptions = Partial<Omit<KlarnaPluginOptions, "credentials" | "worker" | "http">> & {
  credentials: (Pick<KlarnaCredentialsOption, "username" | "password"> & Partial<KlarnaCredentialsOption>)[]
  worker?: Partial<WorkerOptions>
  http?: Partial<HttpOptions>
}

/** Container names Medusa registers the plugin's services under (from their file names). */
export const SERVICE_NAMES = {
  /** KlarnaSyncService: the Klarna view of an order, retries, release, reconcile. */
  sync: "klarnaSyncService",
  /** KlarnaPaymentProcessor: Klarna Payments at checkout (also registered as `pp_klarna`). */
  payment: "klarnaPaymentService",
} as const

/** The payment provider id to add to a region (Settings → Regions) and to `klarnaProviderIds`. */
export const KLARNA_PROVIDER_ID = "klarna"
