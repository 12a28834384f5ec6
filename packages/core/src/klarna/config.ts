/**
 * Client configuration: providers, regions, environments, base URLs and defaults. Pure; no I/O.
 * Base URLs: https://docs.klarna.com/api-reference/api-urls (see shared/klarna/om-api-notes.md §3).
 *
 * Kustom (the former Klarna Checkout business) serves the same Order Management API at its own hosts with
 * Kustom credentials; Klarna's hosts stopped answering Kustom merchants on 2026-03-31. Kustom publishes one
 * host per environment and no regional hosts, so a region given with provider "kustom" is refused rather
 * than silently ignored (it would suggest a choice that does not exist).
 */
import type { KlarnaCallGate } from "./call-gate"
import type { RetryPolicy } from "./retry"
import { DEFAULT_RETRY_POLICY } from "./retry"

export type KlarnaRegion = "eu" | "na" | "oc"
export type KlarnaEnvironment = "live" | "playground"
/** Who runs the Order Management API for these credentials. */
export type KlarnaProvider = "klarna" | "kustom"

export const KLARNA_BASE_URLS: Readonly<Record<KlarnaEnvironment, Readonly<Record<KlarnaRegion, string>>>> = {
  live: {
    eu: "https://api.klarna.com",
    na: "https://api-na.klarna.com",
    oc: "https://api-oc.klarna.com",
  },
  playground: {
    eu: "https://api.playground.klarna.com",
    na: "https://api-na.playground.klarna.com",
    oc: "https://api-oc.playground.klarna.com",
  },
}

export const KUSTOM_BASE_URLS: Readonly<Record<KlarnaEnvironment, string>> = {
  live: "https://api.kustom.co",
  playground: "https://api.playground.kustom.co",
}

export const KLARNA_PROVIDERS: readonly KlarnaProvider[] = ["klarna", "kustom"]
export const DEFAULT_PROVIDER: KlarnaProvider = "klarna"

/** The name a merchant knows the provider by, for messages and the admin. */
export const PROVIDER_NAMES: Readonly<Record<KlarnaProvider, string>> = { klarna: "Klarna", kustom: "Kustom" }

export const KLARNA_REGIONS: readonly KlarnaRegion[] = ["eu", "na", "oc"]
export const KLARNA_ENVIRONMENTS: readonly KlarnaEnvironment[] = ["live", "playground"]

export const DEFAULT_REGION: KlarnaRegion = "eu"
/** Playground unless told otherwise: a forgotten setting must never move real money. */
export const DEFAULT_ENVIRONMENT: KlarnaEnvironment = "playground"
export const DEFAULT_TIMEOUT_MS = 10_000
export const DEFAULT_MAX_RETRIES = 3

/** Any winston/console-like logger; Medusa's logger fits. Receives no headers and no credentials. */
export interface KlarnaLogger {
  debug(message: string, meta?: Record<string, unknown>): void
  info(message: string, meta?: Record<string, unknown>): void
  warn(message: string, meta?: Record<string, unknown>): void
  error(message: string, meta?: Record<string, unknown>): void
}

/** One HTTP attempt, reported to `onResponse` (and the logger). Never carries headers. */
export interface KlarnaAttemptEvent {
  operation: string
  method: string
  /** The request path; Payments authorization tokens are masked. */
  path: string
  /** 1-based. */
  attempt: number
  /** undefined when no HTTP response arrived (network error, timeout). */
  status?: number
  elapsedMs: number
  correlationId?: string
  idempotencyKey?: string
  /** success: 2xx; retrying: a retry follows after delayMs; failed: the call throws. */
  outcome: "success" | "retrying" | "failed"
  delayMs?: number
  errorCode?: string
  /** Network failure description (redacted), e.g. "timed out after 10000 ms", "ECONNRESET". */
  networkError?: string
}

export interface KlarnaClientConfig {
  /** Klarna API username (MID-based). */
  username: string
  /** Klarna API password. Never logged, never put into an error. */
  password: string
  /** Default "klarna". "kustom": Kustom's hosts, and the calls Kustom deprecated are refused before sending. */
  provider?: KlarnaProvider
  /** Klarna only (Kustom has no regions); default "eu". Ignored when baseUrl is set. */
  region?: KlarnaRegion
  /** Default "playground". Ignored when baseUrl is set. */
  environment?: KlarnaEnvironment
  /** Explicit base URL (e.g. the simulator), without /ordermanagement. Wins over region/environment. */
  baseUrl?: string
  /** Per-attempt timeout, including reading the body. Default 10000. */
  timeoutMs?: number
  /** Retries after the first attempt, for calls that are safe to repeat. Default 3. */
  maxRetries?: number
  /** Backoff tuning: { baseDelayMs: 500, maxDelayMs: 8000, maxRetryAfterMs: 60000 } by default. */
  retryPolicy?: Partial<RetryPolicy>
  /** Appended to the User-Agent, e.g. "medusa/1.20.8". */
  userAgentSuffix?: string
  logger?: KlarnaLogger
  /** Called once per HTTP attempt. Exceptions it throws are logged and otherwise ignored. */
  onResponse?: (event: KlarnaAttemptEvent) => void
  /**
   * Paces the calls and limits how many are in flight (call-gate.ts): share one gate between every client of
   * the same credentials (sharedCallGate). Without one, calls go out as they come.
   */
  gate?: KlarnaCallGate
  /** Waits between retries. Tests inject a recorder. */
  sleep?: (ms: number) => Promise<void>
  /** Jitter source in [0, 1). Tests inject a constant. */
  random?: () => number
}

export function resolveProvider(config: Pick<KlarnaClientConfig, "provider" | "region">): KlarnaProvider {
  const provider = config.provider ?? DEFAULT_PROVIDER
  if (!KLARNA_PROVIDERS.includes(provider)) {
    throw new TypeError(`Klarna client: unknown provider "${String(provider)}" (expected klarna or kustom)`)
  }
  if (provider === "kustom" && config.region !== undefined) {
    throw new TypeError("Klarna client: Kustom has one host per environment and no regions; remove region")
  }
  return provider
}

export function resolveBaseUrl(config: Pick<KlarnaClientConfig, "provider" | "region" | "environment" | "baseUrl">): string {
  const provider = resolveProvider(config)
  if (config.baseUrl !== undefined) return normalizeBaseUrl(config.baseUrl)
  const environment = config.environment ?? DEFAULT_ENVIRONMENT
  if (!KLARNA_ENVIRONMENTS.includes(environment)) {
    throw new TypeError(`Klarna client: unknown environment "${String(environment)}" (expected live or playground)`)
  }
  if (provider === "kustom") return KUSTOM_BASE_URLS[environment]
  const region = config.region ?? DEFAULT_REGION
  if (!KLARNA_REGIONS.includes(region)) {
    throw new TypeError(`Klarna client: unknown region "${String(region)}" (expected eu, na or oc)`)
  }
  return KLARNA_BASE_URLS[environment][region]
}

/** Validates an explicit base URL and strips trailing slashes. Never echoes the URL (it might hold credentials). */
export function normalizeBaseUrl(baseUrl: string): string {
  let url: URL
  try {
    url = new URL(baseUrl)
  } catch {
    throw new TypeError("Klarna client: baseUrl is not a valid absolute URL")
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new TypeError("Klarna client: baseUrl must use http or https")
  }
  if (url.username !== "" || url.password !== "") {
    throw new TypeError("Klarna client: baseUrl must not contain credentials; pass username and password instead")
  }
  if (url.search !== "" || url.hash !== "") {
    throw new TypeError("Klarna client: baseUrl must not contain a query or fragment")
  }
  return url.origin + url.pathname.replace(/\/+$/, "")
}

export function validateCredentials(config: Pick<KlarnaClientConfig, "username" | "password">): void {
  if (typeof config.username !== "string" || config.username.length === 0) {
    throw new TypeError("Klarna client: username is required")
  }
  if (typeof config.password !== "string" || config.password.length === 0) {
    throw new TypeError("Klarna client: password is required")
  }
  if (config.username.includes(":")) {
    throw new TypeError("Klarna client: username must not contain ':' (HTTP Basic auth)")
  }
  if (/[\r\n]/.test(config.username) || /[\r\n]/.test(config.password)) {
    throw new TypeError("Klarna client: username and password must not contain line breaks")
  }
}

export function validatePositiveNumber(name: string, value: number | undefined, allowZero: boolean): void {
  if (value === undefined) return
  const ok = Number.isFinite(value) && (allowZero ? value >= 0 : value > 0)
  if (!ok) throw new TypeError(`Klarna client: ${name} must be a ${allowZero ? "non-negative" : "positive"} number`)
}

export function resolveRetryPolicy(policy: Partial<RetryPolicy> | undefined): RetryPolicy {
  const resolved = { ...DEFAULT_RETRY_POLICY, ...policy }
  validatePositiveNumber("retryPolicy.baseDelayMs", resolved.baseDelayMs, true)
  validatePositiveNumber("retryPolicy.maxDelayMs", resolved.maxDelayMs, true)
  validatePositiveNumber("retryPolicy.maxRetryAfterMs", resolved.maxRetryAfterMs, true)
  return resolved
}
