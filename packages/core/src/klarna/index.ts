/** Public surface of the Klarna client. Platform-free: nothing here knows Medusa or Shopify. */
export { KlarnaClient } from "./client"
export type {
  KlarnaApi,
  KlarnaEndpointMethods,
  CreateCaptureResult,
  CreateRefundResult,
  KlarnaCallOptions,
  KlarnaMutationOptions,
  KlarnaOptionalKeyOptions,
} from "./api"
export { KLARNA_ENDPOINTS, klarnaOperation } from "./endpoints"
export type { KlarnaEndpoints, KlarnaEndpointName } from "./endpoints"
export type { EndpointDeclaration, EndpointMethod, IdempotencyKeyRule } from "./endpoint"
export {
  KLARNA_BASE_URLS,
  KUSTOM_BASE_URLS,
  PROVIDER_NAMES,
  DEFAULT_ENVIRONMENT,
  DEFAULT_REGION,
  DEFAULT_MAX_RETRIES,
  DEFAULT_TIMEOUT_MS,
  resolveBaseUrl,
  resolveProvider,
} from "./config"
export type { KlarnaClientConfig, KlarnaProvider, KlarnaRegion, KlarnaEnvironment, KlarnaLogger, KlarnaAttemptEvent } from "./config"
export {
  KlarnaError,
  KlarnaApiError,
  KlarnaAuthenticationError,
  KlarnaRateLimitError,
  KlarnaConflictError,
  KlarnaConnectionError,
  KlarnaUnexpectedResponseError,
  KlarnaInvalidRequestError,
  KustomDeprecatedCallError,
} from "./errors"
export { kustomDeprecatedCall } from "./kustom"
export { KlarnaCallGate, callGateKey, sharedCallGate } from "./call-gate"
export { callGateFor, shareCallGate } from "./credentials-gate"
export type { CallGateOptions, CallGateState, CallResult, CallTicket } from "./call-gate"
export { ACTIVE_SERVER_MS, SHARED_STATE_INTERVAL_MS, shareOfLimit, sharedStateKey } from "./call-gate-sharing"
export type { CallGateSharedState, GateServerReport, SharedGateView } from "./call-gate-sharing"
export type { FromResponseInput } from "./errors"
export { DEFAULT_RETRY_POLICY, shouldRetry, isRetryableStatus, backoffDelayMs, parseRetryAfter, parseRateLimitReset } from "./retry"
export type { RetryPolicy } from "./retry"
export type { KlarnaOperation, KlarnaHttpResponse } from "./operation"
export * from "./types"
