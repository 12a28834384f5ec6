/**
 * What happens to a verified webhook, in ONE database transaction (so a crash or an error leaves no half
 * state, and Shopify's redelivery of the same X-Shopify-Webhook-Id runs it again from scratch):
 *
 *   1. record the X-Shopify-Webhook-Id (a delivery seen before is acknowledged and nothing else);
 *   2. merge the payload into the order's stored state and resolve its Klarna order (klarna-order-id.ts);
 *   3. per mode, hand the work to the engine's outbox (jobs only; Klarna is called later by the worker).
 *
 * No Klarna call and no Shopify call happens here, so the 200 goes out in milliseconds.
 */
import type { SqlPort } from "@klarna-order-sync/core"
import { SqlSyncStore } from "@klarna-order-sync/core"
import type { EventOutcome, SyncEngine } from "@klarna-order-sync/core"
import type { SyncLogger } from "@klarna-order-sync/core"
import { findKlarnaOrderId, resolveKlarnaOrder, type KlarnaStatus } from "./klarna-order-id"
import { toSnapshot } from "./map-order"
import type { ShopifyAdapterOptions } from "./options"
import { ShopifyOrderRepository, stateOf } from "./order-repository"
import { mergeFulfillmentPayload, mergeOrder, mergeRefundPayload, mergeTransactionPayload, type ShopifyOrderState } from "./order-state"
import type { FulfillmentPayload, OrderPayload, PrivacyPayload, RefundPayload, TransactionPayload } from "./payloads"
import { handlePrivacyWebhook } from "./privacy"
import { topicKind } from "./topics"
import { truncateText } from "@klarna-order-sync/core"

export interface VerifiedWebhook {
  /** As validate() reports it: `FULFILLMENTS_CREATE`. */
  topic: string
  shopDomain: string
  webhookId: string
  apiVersion: string
  payload: unknown
}

export type IngestOutcome =
  | { status: "duplicate"; topic: string }
  | { status: "ignored"; topic: string; reason: string }
  | { status: "privacy"; topic: string; detail: string; orderIds: string[] }
  | {
      status: "recorded"
      topic: string
      orderId: string
      klarnaStatus: KlarnaStatus
      detail: string
      /** Outbox jobs behind this webhook (new, or already queued by an earlier event). */
      jobs: number
    }

export interface ShopifyIngestDeps {
  /** The database (its root port); each webhook runs in a transaction of its own. */
  sql: SqlPort
  options: ShopifyAdapterOptions
  /** An engine whose store and order source use `tx` (so its outbox inserts join the webhook's transaction). */
  engineFor(tx: SqlPort): SyncEngine
  logger: SyncLogger
}

type Kind = ReturnType<typeof topicKind>

export class ShopifyWebhookIngest {
  constructor(private readonly deps: ShopifyIngestDeps) {}

  async handle(webhook: VerifiedWebhook): Promise<IngestOutcome> {
    const kind = topicKind(webhook.topic)
    return this.deps.sql.transaction(async (tx) => {
      const fresh = await new SqlSyncStore(tx).recordWebhookReceipt("shopify", webhook.webhookId, webhook.topic)
      if (!fresh) return { status: "duplicate", topic: webhook.topic }
      if (kind === "ignored") return { status: "ignored", topic: webhook.topic, reason: "topic not handled" }
      if (kind === "privacy") {
        const result = await handlePrivacyWebhook(
          tx,
          webhook.topic,
          webhook.shopDomain,
          webhook.payload as PrivacyPayload,
          this.deps.logger,
        )
        return { status: "privacy", topic: webhook.topic, ...result }
      }
      const orderId = orderIdOf(kind, webhook.payload)
      if (!orderId) {
        this.deps.logger.warn(`klarna-order-sync: shopify ${webhook.topic} ${webhook.webhookId} carries no order id; ignored`)
        return { status: "ignored", topic: webhook.topic, reason: "no order id in the payload" }
      }
      return this.record(tx, webhook, kind, orderId)
    })
  }

  private async record(tx: SqlPort, webhook: VerifiedWebhook, kind: Kind, orderId: string): Promise<IngestOutcome> {
    const { options, logger } = this.deps
    const orders = new ShopifyOrderRepository(tx)
    const row = await orders.lock(orderId, webhook.shopDomain)
    const state = stateOf(row)
    const payload = webhook.payload
    if (kind === "order" || kind === "cancel") mergeOrder(state, payload as OrderPayload)
    else if (kind === "fulfillment") mergeFulfillmentPayload(state, payload as FulfillmentPayload)
    else if (kind === "refund") mergeRefundPayload(state, payload as RefundPayload)
    else if (kind === "transaction") mergeTransactionPayload(state, payload as TransactionPayload)

    const fullOrder = kind === "order" || kind === "cancel" ? (payload as OrderPayload) : null
    const found = findKlarnaOrderId(fullOrder, Object.values(state.transactions), options)
    if (row.klarna_order_id && found && found.value !== row.klarna_order_id) {
      logger.warn(
        `klarna-order-sync: shopify order ${orderId} now names Klarna order ${found.value}; keeping ${row.klarna_order_id}, which it was synced with`,
      )
    }
    const resolution = resolveKlarnaOrder(state.order, row.klarna_order_id, found, options)
    const saved = { klarna_order_id: resolution.klarnaOrderId, klarna_status: resolution.status, klarna_detail: resolution.detail }
    // Saved first: the engine reads the order back through the order source (same transaction).
    await orders.save(orderId, state, saved, webhook.topic)
    let detail = resolution.detail
    let jobs = 0
    if (resolution.status === "klarna" && options.mode !== "record_only") {
      try {
        // An order that just became syncable (its Klarna order id arrived last) catches up on every fulfillment.
        const everything = row.klarna_status !== "klarna"
        jobs = await this.enqueue(this.deps.engineFor(tx), kind, orderId, payload, state, everything)
      } catch (error) {
        // A payload the mapping cannot turn into exact amounts: keep it (a later webhook may fix the
        // order) and answer 200, so Shopify does not redeliver the same body for 48 hours.
        if ((error as { retryable?: unknown }).retryable !== false) throw error
        detail = truncateText(`not synced: ${(error as Error).message}`, 2000, { ellipsis: true })
        logger.error(`klarna-order-sync: shopify order ${orderId}: ${detail}`)
        await orders.save(orderId, state, { ...saved, klarna_detail: detail }, webhook.topic)
      }
    }
    return { status: "recorded", topic: webhook.topic, orderId, klarnaStatus: resolution.status, detail, jobs }
  }

  /** The engine calls for a webhook, per mode. Returns how many distinct jobs stand behind it. */
  private async enqueue(
    engine: SyncEngine,
    kind: Kind,
    orderId: string,
    payload: unknown,
    state: ShopifyOrderState,
    everything: boolean,
  ): Promise<number> {
    const { options } = this.deps
    const outcomes: EventOutcome[] = []
    // The order as it is now, to know which fulfillments shipped (Shopify status `success`).
    const snapshot = toSnapshot(state, null, options)
    const fulfillments = snapshot?.fulfillments ?? []
    const touched =
      kind === "order" || everything
        ? fulfillments
        : kind === "fulfillment"
          ? fulfillments.filter((f) => f.id === String((payload as FulfillmentPayload).id))
          : []

    if (options.mode === "tracking_only") {
      // Klarna's own app captures, refunds and voids; we only add tracking to its capture.
      for (const fulfillment of touched) {
        if (!fulfillment.canceled && fulfillment.trackings.length > 0) outcomes.push(await engine.shipmentCreated(orderId, fulfillment.id))
      }
      return countJobs(outcomes)
    }

    // direct: this plugin is Klarna's only writer for the order.
    if (kind === "cancel") {
      outcomes.push(await engine.orderCanceled(orderId))
      return countJobs(outcomes)
    }
    for (const fulfillment of touched) {
      // Capture (with lines and tracking) when Shopify says it shipped; a new tracking number queues a
      // shipping-info job of its own (job keys include the tracking numbers).
      if (fulfillment.shipped && !fulfillment.canceled) outcomes.push(await engine.shipmentCreated(orderId, fulfillment.id))
    }
    // Converge: refunds, captures of shipped fulfillments whatever event was missed, the release once
    // nothing more will ship. Job keys make everything already queued a no-op.
    outcomes.push(await engine.converge(orderId))
    return countJobs(outcomes)
  }
}

function countJobs(outcomes: EventOutcome[]): number {
  const ids = new Set<string>()
  for (const outcome of outcomes) if (outcome.handled) for (const job of outcome.jobs) ids.add(job.id)
  return ids.size
}

function orderIdOf(kind: Kind, payload: unknown): string | null {
  if (!payload || typeof payload !== "object") return null
  const body = payload as { id?: unknown; order_id?: unknown }
  const value = kind === "order" || kind === "cancel" ? body.id : body.order_id
  return typeof value === "string" || typeof value === "number" ? String(value) : null
}
