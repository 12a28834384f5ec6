/**
 * Which Klarna jobs an order needs: one pure function of the order as the platform shows it, its Klarna
 * mapping row, the jobs it already has and the engine's options. No I/O: the engine loads, this decides,
 * the engine enqueues (job keys make whatever is already queued a no-op).
 *
 * Every caller asks here, each with the reason it asks (`PlanReason`): the platform's events, the
 * convergence of a whole order (events that say only "something changed", and the sweep for lost
 * events), the follow-ups after a job, and the merchant's Capture payment. The rules live once:
 * - capture: one per fulfillment, when it is created, or when it ships with captureOn "shipment"; never
 *   when another integration makes the captures or the fulfillment was canceled;
 * - shipping_info: one per set of tracking numbers of a fulfillment (a new number gets its own job), one
 *   after a capture for tracking it did not carry, one parked per tracking value Klarna cannot take intact;
 * - refund: one per platform refund;
 * - cancel: once the order is canceled (the action cancels, or releases what a capture left);
 * - update_references: until Klarna holds the order's number and id (off where another integration owns
 *   the Klarna order);
 * - release: automatic, once nothing more will ship and part of the authorization is open, never past a
 *   capture parked for a Retry;
 * - capture_remaining: Capture payment, unless the authorization is all captured or released.
 *
 * An event names its platform object as a fact: its job is planned for that object even when the order
 * view has already moved on (the action decides then, as it always did).
 */
import type { KlarnaShippingInfo } from "../klarna/types"
import type { RefusalPayload } from "./actions/tracking-refusals"
import { merchantReferencesFor } from "./actions/update-references"
import { idempotencyKeyFor } from "./idempotency"
import { jobKeys } from "./job-keys"
import { isParkedCapture } from "./job-state"
import type { FulfillmentSnapshot } from "./order-model"
import { nothingMoreWillShip } from "./order-progress"
import type { JobIntent, JobOperation, JobRecord, KlarnaOrderRecord, Platform, SyncableOrder } from "./ports"
import { toWellFormed } from "./order-lines/text"
import { newShippingInfo, planShippingInfo, shippingInfoFor } from "./shipping-info"

/** The engine options the rules read (SyncEngineOptions has them all). */
export interface PlannerOptions {
  platform: Platform
  captureOn: "fulfillment" | "shipment"
  autoRelease: boolean
  capturesMadeElsewhere?: boolean
  merchantReferences?: boolean
}

/** What the planner decides from. */
export interface OrderFacts {
  order: SyncableOrder
  /** The order's Klarna mapping row as just read. */
  mapping: KlarnaOrderRecord
  /** The order's outbox jobs: read only for ReasonReadingJobs (the automatic release depends on them). */
  jobs: readonly Pick<JobRecord, "job_key" | "operation" | "state">[]
}

/** Why the planner is asked; each reason plans the jobs that what happened calls for. */
export type PlanReason =
  /** Everything the order needs, whatever events were lost (an "order changed" event, the sweep). */
  | { kind: "converge" }
  | { kind: "order_placed" }
  | { kind: "fulfillment_created"; fulfillmentId: string }
  | { kind: "shipment_created"; fulfillmentId: string }
  | { kind: "refund_created"; refundId: string }
  | { kind: "order_canceled" }
  /** The merchant's Capture payment (the platform's own button). */
  | { kind: "capture_payment" }
  /** A job of the order succeeded (or found its goal already reached): the release may be due now. */
  | { kind: "job_succeeded" }
  /** A release is about to run: every capture due must be queued first, or the release would strand it. */
  | { kind: "before_release" }
  /** A fulfillment's capture went to Klarna carrying `sent`: tracking that arrived since needs its own job. */
  | { kind: "capture_sent"; fulfillmentId: string; captureId: string; sent: KlarnaShippingInfo[] }
  /**
   * A capture or shipping-info job planned a fulfillment's tracking: each value Klarna cannot take intact
   * gets a parked job of its own. `externalCapture`: the fixed value goes to the capture Klarna's app made.
   */
  | { kind: "tracking_planned"; fulfillmentId: string; externalCapture: boolean }

/** The reasons whose plan reads the order's jobs (the automatic release's key depends on them). */
export type ReasonReadingJobs = Extract<PlanReason, { kind: "converge" | "job_succeeded" }>
/** The follow-ups an action asks for while it runs. */
export type FollowUpReason = Extract<PlanReason, { kind: "before_release" | "capture_sent" | "tracking_planned" }>

/** A job the order needs, with the Klarna-Idempotency-Key it will carry. */
export type RequiredJob = JobIntent & { idempotencyKey: string }

export function requiredJobs(facts: OrderFacts, options: PlannerOptions, reason: PlanReason = { kind: "converge" }): RequiredJob[] {
  const rules = new Rules(facts, options)
  const planned = rules.for(reason)
  return planned.map((intent) => ({ ...intent, platform: options.platform, idempotencyKey: idempotencyKeyFor(intent.jobKey) }))
}

/** Klarna holds the whole authorization captured: the platform may mark its payment captured. */
/** What of the authorization is neither captured nor released (negative never matters: nothing is open). */
export function openAmount(mapping: Pick<KlarnaOrderRecord, "authorized_amount" | "captured_amount" | "released_amount">): number {
  return mapping.authorized_amount - mapping.captured_amount - mapping.released_amount
}

export function isFullyCaptured(mapping: Pick<KlarnaOrderRecord, "status" | "captured_amount" | "authorized_amount">): boolean {
  return mapping.status !== "CANCELLED" && mapping.captured_amount > 0 && mapping.captured_amount >= mapping.authorized_amount
}

/** Whether the engine captures this fulfillment: not canceled, per captureOn, and only if it makes the captures. */
export function captureDue(
  fulfillment: FulfillmentSnapshot,
  options: Pick<PlannerOptions, "captureOn" | "capturesMadeElsewhere">,
): boolean {
  if (fulfillment.canceled || options.capturesMadeElsewhere) return false
  return options.captureOn === "fulfillment" || fulfillment.shipped === true
}

type Planned = Omit<JobIntent, "platform">

class Rules {
  private readonly orderId: string

  constructor(
    private readonly facts: OrderFacts,
    private readonly options: PlannerOptions,
  ) {
    this.orderId = facts.order.orderId
  }

  for(reason: PlanReason): Planned[] {
    const { order } = this.facts
    switch (reason.kind) {
      case "converge":
        return this.converge()
      case "order_placed":
        return present(this.references())
      case "fulfillment_created":
        // Capturing on shipment, or not at all: a new fulfillment only tells us the order exists.
        if (this.options.captureOn === "shipment" || this.options.capturesMadeElsewhere) return present(this.references())
        return [this.capture(reason.fulfillmentId)]
      case "shipment_created": {
        const fulfillment = order.fulfillments.find((candidate) => candidate.id === reason.fulfillmentId)
        const planned: Planned[] = []
        if (this.options.captureOn === "shipment" && !this.options.capturesMadeElsewhere) planned.push(this.capture(reason.fulfillmentId))
        if (fulfillment && fulfillment.trackings.length > 0) planned.push(this.shippingInfo(fulfillment))
        return planned
      }
      case "refund_created":
        return [this.refund(reason.refundId)]
      case "order_canceled":
        return [this.cancel()]
      case "capture_payment":
        return present(this.captureRemaining())
      case "job_succeeded":
        return present(this.automaticRelease())
      case "before_release":
        return order.fulfillments
          .filter((fulfillment) => captureDue(fulfillment, this.options))
          .map((fulfillment) => this.capture(fulfillment.id))
      case "capture_sent":
        return present(this.trackingAfterCapture(reason.fulfillmentId, reason.captureId, reason.sent))
      case "tracking_planned":
        return this.trackingRefusals(reason.fulfillmentId, reason.externalCapture)
    }
  }

  /** A capture per fulfillment due, tracking per tracked fulfillment, a refund per refund, the cancel, the references, the release. */
  private converge(): Planned[] {
    const { order } = this.facts
    const planned: Planned[] = []
    for (const fulfillment of order.fulfillments) {
      if (fulfillment.canceled) continue
      if (captureDue(fulfillment, this.options)) planned.push(this.capture(fulfillment.id))
      if (fulfillment.trackings.length > 0) planned.push(this.shippingInfo(fulfillment))
    }
    for (const refund of order.refunds) planned.push(this.refund(refund.id))
    if (order.canceled) planned.push(this.cancel())
    const references = this.references()
    if (references) planned.push(references)
    if (!order.canceled) {
      const release = this.automaticRelease()
      if (release) planned.push(release)
    }
    return planned
  }

  private capture(fulfillmentId: string): Planned {
    return this.job("capture", jobKeys.capture(this.options.platform, fulfillmentId), { fulfillmentId })
  }

  /** Tracking for a fulfillment: one job per set of tracking numbers (a new number gets a job of its own). */
  private shippingInfo(fulfillment: FulfillmentSnapshot): Planned {
    const payload = this.options.capturesMadeElsewhere
      ? { fulfillmentId: fulfillment.id, externalCapture: true }
      : { fulfillmentId: fulfillment.id }
    return this.job("shipping_info", jobKeys.shippingInfo(this.options.platform, fulfillment.id, trackingNumbersOf(fulfillment)), payload)
  }

  /**
   * Tracking that reached the platform after a capture request was frozen (events arrive in any order):
   * a job for what the capture did not carry, under its own key (a shipping-info job for the same tracking
   * may have been skipped while the capture was parked).
   */
  private trackingAfterCapture(fulfillmentId: string, captureId: string, sent: KlarnaShippingInfo[]): Planned | null {
    const fulfillment = this.facts.order.fulfillments.find((candidate) => candidate.id === fulfillmentId)
    if (!fulfillment || newShippingInfo(shippingInfoFor(fulfillment), sent).length === 0) return null
    const key = `${jobKeys.shippingInfo(this.options.platform, fulfillmentId, trackingNumbersOf(fulfillment))}:after:${captureId}`
    return this.job("shipping_info", key, { fulfillmentId })
  }

  /** One job per fulfillment, field and value (hashed, values may be long): the same refusal seen again is the same job. */
  private trackingRefusals(fulfillmentId: string, externalCapture: boolean): Planned[] {
    const fulfillment = this.facts.order.fulfillments.find((candidate) => candidate.id === fulfillmentId)
    if (!fulfillment) return []
    return planShippingInfo(fulfillment).refused.map((refused) => {
      // JSON with a lone surrogate is refused by PostgreSQL: store the value as it can be stored.
      const value = toWellFormed(refused.value)
      const payload: RefusalPayload & Record<string, unknown> = { fulfillmentId, refused: { field: refused.field, value } }
      if (externalCapture) payload.externalCapture = true
      return this.job(
        "shipping_info",
        jobKeys.shippingInfoRefused(this.options.platform, fulfillmentId, refused.field, idempotencyKeyFor(value)),
        payload,
      )
    })
  }

  private refund(refundId: string): Planned {
    return this.job("refund", jobKeys.refund(this.options.platform, refundId), { refundId })
  }

  private cancel(): Planned {
    return this.job("cancel", jobKeys.cancel(this.options.platform, this.orderId), {})
  }

  /** Setting the merchant references, unless off or Klarna already holds the ones the order should have. */
  private references(): Planned | null {
    const { order, mapping } = this.facts
    if (!this.options.merchantReferences || order.canceled || mapping.status === "CANCELLED") return null
    const wanted = merchantReferencesFor(order)
    if (mapping.merchant_reference1 === wanted.merchant_reference1 && mapping.merchant_reference2 === wanted.merchant_reference2)
      return null
    return this.job("update_references", jobKeys.updateReferences(this.options.platform, this.orderId), {})
  }

  /** Capture payment: what no fulfillment captured, unless the authorization is all captured or released. */
  private captureRemaining(): Planned | null {
    const { mapping } = this.facts
    if (openAmount(mapping) <= 0) return null
    return this.job("capture_remaining", jobKeys.captureRemaining(this.options.platform, this.orderId), {})
  }

  /** The automatic release, when nothing more will ship and part of the authorization is still open. */
  private automaticRelease(): Planned | null {
    const { order, mapping, jobs } = this.facts
    if (!this.options.autoRelease || !nothingMoreWillShip(order)) return null
    // Capturing on shipment: a fulfilled but unshipped parcel is still to be captured.
    if (this.options.captureOn === "shipment" && order.fulfillments.some((f) => !f.canceled && !f.shipped)) return null
    if (mapping.status === "CANCELLED") return null
    if (openAmount(mapping) <= 0) return null
    // A parked capture is money still to be captured: releasing now would leave Klarna nothing to capture it
    // against. The release comes after the merchant's Retry gets it through (or with the Release button).
    if (jobs.some(isParkedCapture)) return null
    return this.job("release", automaticReleaseKey(this.options.platform, this.orderId, jobs), { automatic: true })
  }

  private job(operation: JobOperation, jobKey: string, payload: Record<string, unknown>): Planned {
    return { platformOrderId: this.orderId, operation, jobKey, payload }
  }
}

const present = <T>(value: T | null): T[] => (value ? [value] : [])

const trackingNumbersOf = (fulfillment: FulfillmentSnapshot): string[] => fulfillment.trackings.map((tracking) => tracking.trackingNumber)

/**
 * The automatic release's job key. One per order, so duplicate events and servers release once; but an
 * automatic release that found nothing to do (skipped, e.g. a capture was parked when it ran) must not
 * stop a later one once the situation changed: each skipped one moves the key on (`:again:<n>`), the same
 * n for every engine that sees the same jobs.
 */
function automaticReleaseKey(platform: Platform, orderId: string, jobs: OrderFacts["jobs"]): string {
  const base = jobKeys.release(platform, orderId)
  const skippedBefore = jobs.filter(
    (job) => (job.job_key === base || job.job_key.startsWith(`${base}:again:`)) && job.state === "skipped",
  ).length
  return skippedBefore === 0 ? base : `${base}:again:${skippedBefore}`
}
