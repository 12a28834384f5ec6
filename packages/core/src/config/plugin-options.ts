/**
 * The plugin's options as a store writes them (`plugins: [{ resolve, options }]` in Medusa v1's
 * medusa-config.js or v2's medusa-config.ts): validated against KLARNA_OPTIONS_SCHEMA (options-schema.ts, one
 * source of truth for validation, defaults and docs) and normalised, with defaults filled in. Both Medusa
 * plugins parse their options here, so an option means the same on every platform. The result is cached per
 * options object.
 *
 * Errors name the offending option path (e.g. `captureOn`, `credentials[0].region`) and never echo
 * credential values.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv"
import type { KlarnaEnvironment, KlarnaProvider, KlarnaRegion } from "../klarna"
import type { ShippingMethod } from "../klarna/types"
import { truncateText } from "../sync/order-lines/text"
import { KLARNA_OPTIONS_SCHEMA } from "./options-schema"

export const PLUGIN_NAME = "klarna-order-sync"

export interface KlarnaCredentialsOption {
  username: string
  password: string
  /** Lower-case ISO 4217 codes this account serves; undefined: every currency. */
  currencies?: string[]
  provider: KlarnaProvider
  /** Klarna entries only ("eu" by default); undefined for Kustom, which has no regions. */
  region?: KlarnaRegion
  environment: KlarnaEnvironment
  baseUrl?: string
}

export interface WorkerOptions {
  enabled: boolean
  /** How often an idle worker looks for due jobs when it cannot listen for them. */
  pollIntervalMs: number
  /** While listening for jobs (LISTEN/NOTIFY), how often an idle worker looks anyway; 0: never listen. */
  idlePollIntervalMs: number
  maxAttempts: number
  baseBackoffMs: number
  maxBackoffMs: number
  leaseMs: number
  /** How often the sweep looks for orders whose events were lost (also once at start); 0 disables it. */
  sweepIntervalMs: number
  /** How many jobs the worker runs at once (jobs of one order never run concurrently). */
  concurrency: number
  /**
   * The most jobs (and Klarna calls in flight per credentials) it grows to while jobs are due and Klarna's
   * latency and rate limit allow (KlarnaCallGate); never below concurrency.
   */
  maxConcurrency: number
}

export interface HttpOptions {
  timeoutMs: number
  maxRetries: number
}

export interface KlarnaPluginOptions {
  credentials: KlarnaCredentialsOption[]
  klarnaProviderIds: string[]
  orderIdPath: string
  carrierMapping: Record<string, string>
  defaultShippingCompany?: string
  shippingMethod: ShippingMethod
  captureOn: "fulfillment" | "shipment"
  autoRelease: boolean
  enableUI: boolean
  /** Upper-case ISO 3166 alpha-2. */
  purchaseCountry?: string
  worker: WorkerOptions
  http: HttpOptions
  /** How long a Klarna order may wait for its cart to become a platform order before the sweep cancels it. */
  orphanGraceMs: number
}

export const DEFAULT_WORKER_OPTIONS: Readonly<WorkerOptions> = {
  enabled: true,
  pollIntervalMs: 1000,
  idlePollIntervalMs: 60_000,
  maxAttempts: 8,
  baseBackoffMs: 2000,
  maxBackoffMs: 300_000,
  leaseMs: 60_000,
  sweepIntervalMs: 300_000,
  concurrency: 4,
  maxConcurrency: 32,
}

export const DEFAULT_ORPHAN_GRACE_MS = 3_600_000

export const DEFAULT_HTTP_OPTIONS: Readonly<HttpOptions> = { timeoutMs: 10_000, maxRetries: 2 }

/** Thrown for invalid options; `problems` lists each as "<option path>: <what is wrong>". */
export class PluginOptionsError extends Error {
  override readonly name = "PluginOptionsError"
  constructor(
    readonly problems: string[],
    /** Where the store wrote the options, for the message: "medusa-config.js" (v1), "medusa-config.ts" (v2). */
    configFile = "medusa-config.js",
  ) {
    super(
      `${PLUGIN_NAME}: invalid plugin options in ${configFile}: ${problems.join("; ")}. ` +
        `See the plugin options in ${PLUGIN_NAME}'s README.`,
    )
  }
}

let validator: ValidateFunction | undefined
function validate(): ValidateFunction {
  if (validator) return validator
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false })
  validator = ajv.compile(structuredClone(KLARNA_OPTIONS_SCHEMA) as Record<string, unknown>)
  return validator
}

/** `/credentials/0/region` → `credentials[0].region`. */
function optionPath(instancePath: string, extra?: string): string {
  const parts = instancePath.split("/").filter(Boolean)
  if (extra !== undefined) parts.push(extra)
  let out = ""
  for (const part of parts) {
    if (/^\d+$/.test(part)) out += `[${part}]`
    else out += out === "" ? part : `.${part}`
  }
  return out === "" ? "(options)" : out
}

function valueAt(root: unknown, instancePath: string): unknown {
  let value: unknown = root
  for (const part of instancePath.split("/").filter(Boolean)) {
    if (value === null || typeof value !== "object") return undefined
    value = (value as Record<string, unknown>)[part]
  }
  return value
}

function describe(error: ErrorObject, root: unknown): string {
  const params = error.params as Record<string, unknown>
  switch (error.keyword) {
    case "required":
      return `${optionPath(error.instancePath, String(params.missingProperty))}: is required`
    case "additionalProperties":
      return `${optionPath(error.instancePath, String(params.additionalProperty))}: is not a known option`
    case "enum": {
      const allowed = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")
      return `${optionPath(error.instancePath)}: must be one of ${allowed}${shownValue(error.instancePath, root)}`
    }
    default:
      return `${optionPath(error.instancePath)}: ${error.message ?? "is invalid"}${shownValue(error.instancePath, root)}`
  }
}

/** The given value, for non-secret options only. */
function shownValue(instancePath: string, root: unknown): string {
  if (instancePath.startsWith("/credentials")) return ""
  const value = valueAt(root, instancePath)
  if (value === undefined) return ""
  const text = JSON.stringify(value)
  if (text === undefined) return ""
  return ` (got ${truncateText(text, 60, { ellipsis: true })})`
}

const cache = new WeakMap<object, KlarnaPluginOptions>()

/**
 * Validates and normalises the options a platform hands the plugin. Throws PluginOptionsError naming
 * `configFile` and each offending option. The input is not modified.
 */
export function parseKlarnaOptions(raw: unknown, configFile = "medusa-config.js"): KlarnaPluginOptions {
  if (raw !== null && typeof raw === "object") {
    const hit = cache.get(raw)
    if (hit) return hit
  }
  if (raw === undefined || raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new PluginOptionsError(["(options): an options object with at least `credentials` is required"], configFile)
  }
  // Lenient with a few private keys (leading underscore) that tooling may add.
  const copy = structuredClone(
    Object.fromEntries(Object.entries(raw as Record<string, unknown>).filter(([k]) => !k.startsWith("_"))),
  ) as Record<string, unknown>
  const check = validate()
  if (!check(copy)) {
    const problems = Array.from(new Set((check.errors ?? []).map((e) => describe(e, copy))))
    throw new PluginOptionsError(problems, configFile)
  }
  const o = copy as unknown as KlarnaPluginOptions
  const problems: string[] = []
  const seen = new Map<string, number>()
  o.credentials.forEach((c, i) => {
    if (c.provider === "kustom" && c.region !== undefined) {
      problems.push(`credentials[${i}].region: Kustom has one host per environment and no regions; remove region`)
    }
    if (c.provider !== "kustom") c.region = c.region ?? "eu"
    c.environment = c.environment ?? "playground"
    for (const currency of c.currencies ?? []) {
      const earlier = seen.get(currency)
      if (earlier !== undefined) {
        problems.push(`credentials[${i}].currencies: "${currency}" is already served by credentials[${earlier}]`)
      } else {
        seen.set(currency, i)
      }
    }
  })
  if (problems.length > 0) throw new PluginOptionsError(problems, configFile)

  const options: KlarnaPluginOptions = {
    ...o,
    klarnaProviderIds: o.klarnaProviderIds ?? ["klarna"],
    orderIdPath: o.orderIdPath ?? "order_id",
    carrierMapping: o.carrierMapping ?? {},
    shippingMethod: o.shippingMethod ?? "Home",
    captureOn: o.captureOn ?? "fulfillment",
    autoRelease: o.autoRelease ?? true,
    enableUI: o.enableUI ?? true,
    purchaseCountry: o.purchaseCountry?.toUpperCase(),
    worker: { ...DEFAULT_WORKER_OPTIONS, ...o.worker },
    http: { ...DEFAULT_HTTP_OPTIONS, ...o.http },
    orphanGraceMs: o.orphanGraceMs ?? DEFAULT_ORPHAN_GRACE_MS,
  }
  cache.set(raw, options)
  return options
}

/**
 * The credentials entry serving a currency: the entry that lists it, else the first entry that lists no
 * currencies. Undefined when none applies.
 */
export function credentialsIndexForCurrency(options: KlarnaPluginOptions, currency: string): number | undefined {
  const code = currency.toLowerCase()
  const listed = options.credentials.findIndex((c) => c.currencies?.includes(code))
  if (listed >= 0) return listed
  const catchAll = options.credentials.findIndex((c) => c.currencies === undefined || c.currencies.length === 0)
  return catchAll >= 0 ? catchAll : undefined
}

/** Who serves a currency's credentials; "klarna" when no entry does (nothing will be sent anyway). */
export function providerForCurrency(options: KlarnaPluginOptions, currency: string): KlarnaProvider {
  const index = credentialsIndexForCurrency(options, currency)
  return index === undefined ? "klarna" : (options.credentials[index]?.provider ?? "klarna")
}

/** Reads a dot path (e.g. "order_id", "klarna.order_id") from payment data. */
export function readDotPath(data: unknown, dotPath: string): unknown {
  let value: unknown = data
  for (const key of dotPath.split(".")) {
    if (value === null || typeof value !== "object") return undefined
    value = (value as Record<string, unknown>)[key]
  }
  return value
}

/** The Klarna order id kept at `path` of a payment's data (a non-empty string), if any. */
export function klarnaOrderIdAt(data: Record<string, unknown> | null | undefined, path: string): string | undefined {
  const value = readDotPath(data ?? undefined, path)
  return typeof value === "string" && value.length > 0 ? value : undefined
}
