/**
 * Webhook verification with Shopify's own library, `@shopify/shopify-api` (13.x: the newest major whose
 * engines allow Node 20; 14 and 15 require Node >= 22). validate() checks the HMAC of the raw body
 * (X-Shopify-Hmac-Sha256, base64 HMAC-SHA256 with the app's client secret, compared in constant time)
 * and that the delivery headers are there: topic, shop domain, API version and webhook id (and, for the
 * newer "Events" deliveries with unprefixed `shopify-*` headers, the event id).
 */
import { ApiVersion, LogSeverity, shopifyApi } from "@shopify/shopify-api"
import type { IncomingMessage, ServerResponse } from "node:http"

// The library's Node runtime adapter, loaded for its side effect. A require(), because TypeScript's
// "node" module resolution ignores the package's `exports` map and would compile the adapter's shipped
// .ts sources (which do not pass our strict settings); Node resolves it through `exports` to the
// compiled CommonJS build.
// eslint-disable-next-line @typescript-eslint/no-require-imports
require("@shopify/shopify-api/adapters/node")

export type WebhookVerification =
  | { valid: true; topic: string; shopDomain: string; webhookId: string; apiVersion: string }
  | { valid: false; reason: "invalid_hmac" | "missing_hmac" | "missing_body" | "missing_headers"; missingHeaders?: string[] }

export interface WebhookVerifier {
  verify(rawBody: string, request: IncomingMessage, response: ServerResponse): Promise<WebhookVerification>
}

export interface WebhookVerifierOptions {
  /** The app's client secret (Partner Dashboard: API secret key). Never logged. */
  apiSecretKey: string
  /** The app's client id; webhook verification does not use it (the library requires one). */
  apiKey?: string
  /** The app's host name; webhook verification does not use it (the library requires one). */
  hostName?: string
}

export function createWebhookVerifier(options: WebhookVerifierOptions): WebhookVerifier {
  if (!options.apiSecretKey) throw new Error("shopify: the app secret (SHOPIFY_API_SECRET) is required to verify webhooks")
  const shopify = shopifyApi({
    apiSecretKey: options.apiSecretKey,
    apiKey: options.apiKey || "klarna-order-sync",
    hostName: options.hostName || "localhost",
    apiVersion: ApiVersion.July26,
    isEmbeddedApp: false,
    // The library logs failed validations at debug level only; we report outcomes ourselves.
    logger: { level: LogSeverity.Error, log: () => undefined },
  })
  return {
    async verify(rawBody, request, response) {
      const result = await shopify.webhooks.validate({ rawBody, rawRequest: request, rawResponse: response })
      if (!result.valid) {
        const missingHeaders = "missingHeaders" in result ? result.missingHeaders : undefined
        return { valid: false, reason: result.reason, ...(missingHeaders ? { missingHeaders } : {}) }
      }
      return { valid: true, topic: result.topic, shopDomain: result.domain, webhookId: result.webhookId, apiVersion: result.apiVersion }
    },
  }
}
