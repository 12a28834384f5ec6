/**
 * The Shopify webhook endpoint as a plain Node handler `(req, res)`: mount it on any Node HTTP server,
 * Express, or a Medusa route (with the body parser disabled for it, see docs/shopify.md).
 *
 *   not POST → 405 · body too large → 413 · bad or missing HMAC → 401 (before anything is parsed)
 *   valid HMAC but headers missing, or not JSON → 400 · stored → 200 (also for a redelivery, which is a
 *   no-op) · database failure → 500, and Shopify redelivers later.
 *
 * The raw bytes are what Shopify signed: the handler reads the request stream itself, or takes
 * `req.rawBody` / `req.body` when a framework buffered them raw (Buffer or string). A body that a JSON
 * parser already consumed cannot be verified and is refused with 500 naming the cause.
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import type { SyncLogger } from "@klarna-order-sync/core"
import type { IngestOutcome, ShopifyWebhookIngest } from "./ingest"
import { parseShopifyJson } from "./json"
import type { WebhookVerifier } from "./verify-webhook"

export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>

export interface WebhookHandlerDeps {
  verifier: WebhookVerifier
  ingest: Pick<ShopifyWebhookIngest, "handle">
  logger: SyncLogger
  maxBodyBytes: number
  /** Called after a webhook's transaction committed (e.g. to wake the outbox worker). */
  onAccepted?(outcome: IngestOutcome): void
}

class BodyTooLargeError extends Error {}

export function createShopifyWebhookHandler(deps: WebhookHandlerDeps): NodeHandler {
  const handle = handlerBody(deps)
  return async (req, res) => {
    try {
      await handle(req, res)
    } catch (error) {
      deps.logger.error(`klarna-order-sync: shopify webhook failed: ${(error as Error).message}`)
      reply(res, 500, { error: "internal_error" })
    }
  }
}

function handlerBody(deps: WebhookHandlerDeps): NodeHandler {
  const { verifier, ingest, logger } = deps
  return async (req, res) => {
    if ((req.method ?? "GET").toUpperCase() !== "POST") {
      reply(res, 405, { error: "method_not_allowed" }, { Allow: "POST" })
      return
    }
    let rawBody: string
    try {
      const raw = await rawBodyOf(req, deps.maxBodyBytes)
      if (raw === null) {
        logger.error(
          "klarna-order-sync: shopify webhook body was already parsed by another middleware; disable the body parser for this route",
        )
        reply(res, 500, { error: "raw_body_unavailable" })
        return
      }
      rawBody = raw
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        reply(res, 413, { error: "body_too_large" })
        return
      }
      throw error
    }

    const verification = await verifier.verify(rawBody, req, res)
    if (!verification.valid) {
      const status = verification.reason === "missing_headers" ? 400 : 401
      logger.warn(
        `klarna-order-sync: shopify webhook refused (${status}): ${verification.reason}${verification.missingHeaders ? ` ${verification.missingHeaders.join(", ")}` : ""}`,
      )
      reply(res, status, { error: verification.reason })
      return
    }

    let payload: unknown
    try {
      payload = parseShopifyJson(rawBody)
    } catch {
      reply(res, 400, { error: "invalid_json" })
      return
    }

    let outcome: IngestOutcome
    try {
      outcome = await ingest.handle({
        topic: verification.topic,
        shopDomain: verification.shopDomain,
        webhookId: verification.webhookId,
        apiVersion: verification.apiVersion,
        payload,
      })
    } catch (error) {
      logger.error(
        `klarna-order-sync: shopify ${verification.topic} ${verification.webhookId} not stored, Shopify will redeliver: ${(error as Error).message}`,
      )
      reply(res, 500, { error: "not_stored" })
      return
    }
    logger.debug(`klarna-order-sync: shopify ${verification.topic} ${verification.webhookId}: ${outcome.status}`)
    reply(res, 200, { ok: true, ...outcome })
    deps.onAccepted?.(outcome)
  }
}

/**
 * The raw body as UTF-8 text: `req.rawBody`, or `req.body` when a raw/text parser (express.raw,
 * express.text) buffered it, or the stream itself. Null when a JSON parser consumed the stream: the
 * exact bytes Shopify signed are gone then.
 */
async function rawBodyOf(req: IncomingMessage, maxBytes: number): Promise<string | null> {
  const { rawBody, body } = req as IncomingMessage & { rawBody?: unknown; body?: unknown }
  for (const buffered of [rawBody, body]) {
    if (Buffer.isBuffer(buffered)) {
      if (buffered.length > maxBytes) throw new BodyTooLargeError()
      return buffered.toString("utf8")
    }
    if (typeof buffered === "string") {
      if (Buffer.byteLength(buffered) > maxBytes) throw new BodyTooLargeError()
      return buffered
    }
  }
  if (req.readableEnded) return body === undefined ? "" : null
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let tooLarge = false
    req.on("data", (chunk: Buffer | string) => {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)
      size += buffer.length
      // Keep reading (and dropping) the rest, so the 413 can still be sent on this connection.
      if (size > maxBytes) tooLarge = true
      else chunks.push(buffer)
    })
    req.on("end", () => (tooLarge ? reject(new BodyTooLargeError()) : resolve(Buffer.concat(chunks).toString("utf8"))))
    req.on("error", reject)
  })
}

function reply(res: ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
  if (res.headersSent) return
  res.writeHead(status, { "Content-Type": "application/json", ...headers })
  res.end(JSON.stringify(body))
}
