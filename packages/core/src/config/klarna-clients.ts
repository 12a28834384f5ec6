/**
 * One KlarnaClient per credentials entry of the plugin options, picked by currency. Shared by each platform's
 * payment provider and sync service; clients are cached per (parsed options object, entry).
 */
import { callGateFor, KlarnaClient, shareCallGate, type CallGateSharedState, type KlarnaClientConfig, type KlarnaLogger } from "../klarna"
import { credentialsIndexForCurrency, type KlarnaPluginOptions, PLUGIN_NAME } from "./plugin-options"

/** A platform's logger (Medusa's, both majors): one message argument per level. */
export interface PlatformLoggerLike {
  debug?(message: string): void
  info(message: string): void
  warn(message: string): void
  error(message: string, error?: unknown): void
}

function format(message: string, meta?: Record<string, unknown>): string {
  if (!meta || Object.keys(meta).length === 0) return `[${PLUGIN_NAME}] ${message}`
  let text: string
  try {
    text = JSON.stringify(meta)
  } catch {
    text = "[unserialisable meta]"
  }
  return `[${PLUGIN_NAME}] ${message} ${text}`
}

/** Adapts a platform's logger to the client's (message, meta) logger. The client redacts before logging. */
export function klarnaLoggerFrom(logger: PlatformLoggerLike | undefined): KlarnaLogger | undefined {
  if (!logger) return undefined
  return {
    debug: (m, meta) => (logger.debug ? logger.debug(format(m, meta)) : undefined),
    info: (m, meta) => logger.info(format(m, meta)),
    warn: (m, meta) => logger.warn(format(m, meta)),
    error: (m, meta) => logger.error(format(m, meta)),
  }
}

export class NoKlarnaCredentialsError extends Error {
  override readonly name = "NoKlarnaCredentialsError"
  constructor(readonly currency: string) {
    super(
      `${PLUGIN_NAME}: no Klarna credentials serve currency "${currency.toLowerCase()}" ` +
        `(add it to credentials[].currencies or add an entry without currencies)`,
    )
  }
}

export interface ClientFactoryOptions {
  logger?: PlatformLoggerLike
  /** Appended to the User-Agent, e.g. "medusa/1.20.8" (the platform package supplies its default). */
  userAgentSuffix?: string
  /** Extra client config (tests: sleep, random, onResponse). */
  overrides?: Partial<KlarnaClientConfig>
  /**
   * Where the call gates share a 429's pause and Klarna's limit with the other servers on the same credentials
   * (the plugin's database: SqlCallGateState). Without it each process paces on what it sees itself.
   */
  gateState?: CallGateSharedState
}

const clients = new WeakMap<KlarnaPluginOptions, Map<number, KlarnaClient>>()

/** The client of credentials entry `index` (cached). */
export function clientForCredentials(options: KlarnaPluginOptions, index: number, factory: ClientFactoryOptions = {}): KlarnaClient {
  let perOptions = clients.get(options)
  if (!perOptions) {
    perOptions = new Map()
    clients.set(options, perOptions)
  }
  const cached = perOptions.get(index)
  if (cached) return withSharedGate(cached, options, index, factory)
  const entry = options.credentials[index]
  if (!entry) throw new Error(`${PLUGIN_NAME}: credentials[${index}] does not exist`)
  const client = new KlarnaClient({
    username: entry.username,
    password: entry.password,
    provider: entry.provider,
    region: entry.region,
    environment: entry.environment,
    ...(entry.baseUrl !== undefined ? { baseUrl: entry.baseUrl } : {}),
    timeoutMs: options.http.timeoutMs,
    maxRetries: options.http.maxRetries,
    ...(factory.userAgentSuffix !== undefined ? { userAgentSuffix: factory.userAgentSuffix } : {}),
    logger: klarnaLoggerFrom(factory.logger),
    // One gate per API username and host in the process: the worker's lanes and the payment provider share
    // Klarna's rate limit, so a 429 holds all of them back.
    gate: callGateFor(entry, options.worker),
    ...factory.overrides,
  })
  perOptions.set(index, client)
  return withSharedGate(client, options, index, factory)
}

/**
 * Gives the client's gate the shared state, once (the gate is process-wide: the first caller with one sets it).
 * Cheap once it shares: this runs for every client lookup, i.e. every job.
 */
function withSharedGate(client: KlarnaClient, options: KlarnaPluginOptions, index: number, factory: ClientFactoryOptions): KlarnaClient {
  const { gateState, logger } = factory
  if (!gateState || !client.gate || client.gate.isShared) return client
  // The key is a hash: neither the log line nor the table holds the API username.
  shareCallGate(client.gate, options.credentials[index], gateState, (error, credentialsKey) =>
    logger?.warn(
      format("the call gate could not reach its shared state; pacing on this server's own view until it can", {
        credentials: credentialsKey.slice(0, 12),
        error: error.message,
      }),
    ),
  )
  return client
}

/** The client for a currency (ISO 4217, any case). Throws NoKlarnaCredentialsError when none applies. */
export function clientForCurrency(options: KlarnaPluginOptions, currency: string, factory: ClientFactoryOptions = {}): KlarnaClient {
  const index = credentialsIndexForCurrency(options, currency)
  if (index === undefined) throw new NoKlarnaCredentialsError(currency)
  return clientForCredentials(options, index, factory)
}
