/**
 * The plugin's options as Medusa hands them over (`plugins: [{ resolve, options }]`): validated against
 * the optionsSchema of medusa-plugin.json (one source of truth for validation, defaults and docs) and
 * normalised, with defaults filled in. Every consumer (payment processor, sync service, loaders,
 * subscribers) calls parsePluginOptions(); the result is cached per options object.
 *
 * Errors name the offending option path (e.g. `captureOn`, `credentials[0].region`) and never echo
 * credential values.
 */
import fs from "node:fs"
import path from "node:path"
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv"
import type { KlarnaEnvironment, KlarnaProvider, KlarnaRegion } from "@klarna-order-sync/core"
import type { ShippingMethod } from "@klarna-order-sync/core"
import { truncateText } from "@klarna-order-sync/core"

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
  pollIntervalMs: number
  maxAttempts: number
  baseBackoffMs: number
  maxBackoffMs: number
  leaseMs: number
  /** How often the sweep looks for orders whose events were lost (also once at start); 0 disables it. */
  sweepIntervalMs: number
  /** How many jobs the worker runs at once (jobs of one order never run concurrently). */
  concurrency: number
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
  /** How long a Klarna order may wait for its cart to become a Medusa order before the sweep cancels it. */
  orphanGraceMs: number
}

export const DEFAULT_WORKER_OPTIONS: Readonly<WorkerOptions> = {
  enabled: true,
  pollIntervalMs: 1000,
  maxAttempts: 8,
  baseBackoffMs: 2000,
  maxBackoffMs: 300_000,
  leaseMs: 60_000,
  sweepIntervalMs: 300_000,
  concurrency: 4,
}

export const DEFAULT_ORPHAN_GRACE_MS = 3_600_000

export const DEFAULT_HTTP_OPTIONS: Readonly<HttpOptions> = { timeoutMs: 10_000, maxRetries: 2 }

/** Thrown for invalid options; `problems` lists each as "<option path>: <what is wrong>". */
export class PluginOptionsError extends Error {
  override readonly name = "PluginOptionsError"
  constructor(readonly problems: string[]) {
    super(
      `${PLUGIN_NAME}: invalid plugin options in medusa-config.js: ${problems.join("; ")}. ` +
        `See the optionsSchema in ${PLUGIN_NAME}/medusa-plugin.json.`,
    )
  }
}

// ---------------------------------------------------------------------------------------------
// Schema (read from medusa-plugin.json at runtime: it sits two levels above both src/medusa and dist/medusa)
// ---------------------------------------------------------------------------------------------

interface PluginManifest {
  name: string
  events: string[]
  optionsSchema: Record<string, unknown>
}

let manifest: PluginManifest | undefined
export function pluginManifest(): PluginManifest {
  if (manifest) return manifest
  let dir = __dirname
  for (let depth = 0; depth < 5; depth++) {
    const file = path.join(dir, "medusa-plugin.json")
    if (fs.existsSync(file)) {
      manifest = JSON.parse(fs.readFileSync(file, "utf8")) as PluginManifest
      return manifest
    }
    const parent = path.dirname(dir)
    if (parent === dir) break
    dir = parent
  }
  throw new Error(`${PLUGIN_NAME}: medusa-plugin.json not found above ${__dirname}`)
}

let validator: ValidateFunction | undefined
function validate(): ValidateFunction {
  if (validator) return validator
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false })
  const schema = { ...pluginManifest().optionsSchema }
  delete schema.$schema // draft-07 meta-schema is ajv's default; naming it explicitly would need it loaded
  validator = ajv.compile(schema)
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

// ---------------------------------------------------------------------------------------------
// Parse
// ---------------------------------------------------------------------------------------------

const cache = new WeakMap<object, KlarnaPluginOptions>()

/**
 * Validates and normalises the options Medusa passes to the plugin. Throws PluginOptionsError.
 * The input is not modified.
 */
export function parsePluginOptions(raw: unknown): KlarnaPluginOptions {
  if (raw !== null && typeof raw === "object") {
    const hit = cache.get(raw)
    if (hit) return hit
  }
  if (raw === undefined || raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new PluginOptionsError(["(options): an options object with at least `credentials` is required"])
  }
  // Medusa adds nothing of its own to plugin options in v1, but be lenient with a few private keys
  // (leading underscore) that tooling may add.
  const copy = structuredClone(
    Object.fromEntries(Object.entries(raw as Record<string, unknown>).filter(([k]) => !k.startsWith("_"))),
  ) as Record<string, unknown>
  const check = validate()
  if (!check(copy)) {
    const problems = Array.from(new Set((check.errors ?? []).map((e) => describe(e, copy))))
    throw new PluginOptionsError(problems)
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
  if (problems.length > 0) throw new PluginOptionsError(problems)

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
