/**
 * KlarnaClient: one typed method per endpoint of endpoints.ts (the KlarnaApi interface), each building its
 * operation from the endpoint's declaration (endpoint.ts) and running it through the shared request
 * function (http.ts): auth, retries, Kustom's refusals, logging.
 */
import type { KlarnaApi } from "./api"
import type { KlarnaCallGate } from "./call-gate"
import type { KlarnaClientConfig, KlarnaProvider } from "./config"
import { resolveBaseUrl, resolveProvider } from "./config"
import { operationFor } from "./endpoint"
import { KLARNA_ENDPOINTS } from "./endpoints"
import { createRequester, type KlarnaRequester } from "./http"
import type { KlarnaCallOptions, KlarnaOperation } from "./operation"

interface OperationRunner {
  request<T>(operation: KlarnaOperation<T>, options?: KlarnaCallOptions): Promise<T>
}

/**
 * A base class whose prototype has KlarnaApi's methods, derived from the endpoint table: each builds its
 * operation (argument errors reject before anything is sent) and hands it to `this.request`.
 */
function endpointMethods(): abstract new () => KlarnaApi {
  abstract class EndpointMethods {}
  for (const [name, declaration] of Object.entries(KLARNA_ENDPOINTS)) {
    Object.defineProperty(EndpointMethods.prototype, name, {
      value: async function (this: OperationRunner, ...args: unknown[]): Promise<unknown> {
        const { operation, options } = operationFor(name, declaration, args)
        return this.request(operation, options)
      },
      writable: true,
      configurable: true,
    })
  }
  return EndpointMethods as unknown as abstract new () => KlarnaApi
}

export class KlarnaClient extends endpointMethods() implements KlarnaApi, OperationRunner {
  /** The base URL in use (no credentials in it). */
  readonly baseUrl: string
  /** Who serves these credentials: Kustom refuses the calls it deprecated (kustom.ts) before sending. */
  readonly provider: KlarnaProvider
  /** The gate its calls go through (shared by the clients of the same credentials), if any. */
  readonly gate: KlarnaCallGate | undefined
  // A private field, so util.inspect / JSON.stringify of the client never reach the credentials' closure.
  readonly #request: KlarnaRequester

  constructor(config: KlarnaClientConfig) {
    super()
    this.#request = createRequester(config)
    this.baseUrl = resolveBaseUrl(config)
    this.provider = resolveProvider(config)
    this.gate = config.gate
  }

  /** Runs any operation (e.g. one the endpoint methods don't cover) with the client's auth, retries and logging. */
  async request<T>(operation: KlarnaOperation<T>, options?: KlarnaCallOptions): Promise<T> {
    return this.#request(operation, options)
  }

  toJSON(): Record<string, unknown> {
    return { baseUrl: this.baseUrl, provider: this.provider }
  }
}
