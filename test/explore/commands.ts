/**
 * The merchant's, the event bus's, Klarna's and the servers' moves, as fast-check commands. The model is
 * the platform order itself (platform-model.ts): a command changes it the way Medusa would and delivers
 * the event Medusa would emit; the engine under test only ever reads it through OrderSource.
 */
import fc from "fast-check"
import type { TrackingSnapshot } from "../../packages/core/src/sync/order-model"
import { simFault, simOrder } from "../support/simulator-client"
import type { SyncEngine } from "../../packages/core/src/sync/engine"
import { CLIENT_TIMEOUT_MS, type ExploreEnvironment } from "./environment"
import { activeUnits, unfulfilledUnits, type ModelFulfillment, type ModelOrder } from "./platform-model"

export type PlatformEvent =
  | { kind: "fulfillment_created"; fulfillmentId: string }
  | { kind: "shipment_created"; fulfillmentId: string }
  | { kind: "refund_created"; refundId: string }
  | { kind: "order_canceled" }
  | { kind: "order_changed" }

/** One sequence: the platform order, what happened to it, counters for the report. */
export interface Sequence {
  order: ModelOrder
  events: PlatformEvent[]
  nextId: number
  stats: { commands: number; faults: number }
}

export type ExploreCommand = fc.AsyncCommand<Sequence, ExploreEnvironment, false>

async function deliver(env: ExploreEnvironment, sequence: Sequence, event: PlatformEvent, record = true): Promise<void> {
  if (record) sequence.events.push(event)
  const engine = env.engines[0]
  const orderId = sequence.order.orderId
  switch (event.kind) {
    case "fulfillment_created":
      await engine.fulfillmentCreated(orderId, event.fulfillmentId)
      return
    case "shipment_created":
      await engine.shipmentCreated(orderId, event.fulfillmentId)
      return
    case "refund_created":
      await engine.refundCreated(orderId, event.refundId)
      return
    case "order_canceled":
      await engine.orderCanceled(orderId)
      return
    case "order_changed":
      await engine.converge(orderId)
  }
}

const openFulfillments = (order: ModelOrder) => order.fulfillments.filter((f) => !f.canceled && !f.shipped)

abstract class Command implements ExploreCommand {
  abstract check(sequence: Readonly<Sequence>): boolean
  protected abstract apply(sequence: Sequence, env: ExploreEnvironment): Promise<void>
  abstract toString(): string
  async run(sequence: Sequence, env: ExploreEnvironment): Promise<void> {
    sequence.stats.commands++
    await this.apply(sequence, env)
  }
}

/** Fulfill some units: `picks[i]` units of item i (capped at what is still unfulfilled). */
class Fulfill extends Command {
  constructor(readonly picks: number[]) {
    super()
  }
  check(s: Readonly<Sequence>) {
    return !s.order.canceled && s.order.items.some((item) => unfulfilledUnits(s.order, item) > 0)
  }
  async apply(s: Sequence, env: ExploreEnvironment) {
    const items = s.order.items
      .map((item, i) => ({ itemId: item.id, quantity: Math.min(unfulfilledUnits(s.order, item), this.picks[i % this.picks.length]) }))
      .filter((line) => line.quantity > 0)
    if (items.length === 0) {
      const first = s.order.items.find((item) => unfulfilledUnits(s.order, item) > 0)
      if (!first) return
      items.push({ itemId: first.id, quantity: 1 })
    }
    const id = `ful_${s.order.orderId}_${++s.nextId}`
    s.order.fulfillments.push({ id, items, canceled: false, shipped: false, trackings: [], createdAt: new Date(Date.now() + s.nextId) })
    await deliver(env, s, { kind: "fulfillment_created", fulfillmentId: id })
  }
  toString() {
    return `fulfill(${JSON.stringify(this.picks)})`
  }
}

/** A command on one fulfillment that has not shipped, picked by index among those. */
abstract class OpenFulfillmentCommand extends Command {
  constructor(readonly index: number) {
    super()
  }
  check(s: Readonly<Sequence>) {
    return openFulfillments(s.order).length > 0
  }
  protected pick(s: Sequence): ModelFulfillment {
    const open = openFulfillments(s.order)
    return open[this.index % open.length]
  }
}

/** Cancel a fulfillment that has not shipped (Medusa's rule), before or after its capture. */
class CancelFulfillment extends OpenFulfillmentCommand {
  async apply(s: Sequence, env: ExploreEnvironment) {
    const fulfillment = this.pick(s)
    // Workers are stopped between commands (a dead one sent its call or never will): what Klarna holds now is final.
    const klarna = await simOrder(env.sim.url, s.order.klarnaOrderId)
    fulfillment.canceledBeforeCapture = !klarna.captures.some((c) => c.reference === fulfillment.id)
    fulfillment.canceled = true
    await deliver(env, s, { kind: "order_changed" })
  }
  toString() {
    return `cancelFulfillment(${this.index})`
  }
}

/** Mark a fulfillment shipped with tracking. */
class Ship extends OpenFulfillmentCommand {
  constructor(
    index: number,
    readonly trackings: TrackingSnapshot[],
    readonly company: string | undefined,
  ) {
    super(index)
  }
  async apply(s: Sequence, env: ExploreEnvironment) {
    const fulfillment = this.pick(s)
    fulfillment.shipped = true
    fulfillment.trackings = this.trackings.map((t) => ({ ...t }))
    if (this.company !== undefined) fulfillment.shippingCompany = this.company
    await deliver(env, s, { kind: "shipment_created", fulfillmentId: fulfillment.id })
  }
  toString() {
    return `ship(${this.index}, ${JSON.stringify(this.trackings)}, ${JSON.stringify(this.company)})`
  }
}

/** What Klarna holds for the order once the outbox is idle: what a merchant sees as paid before refunding. */
async function refundable(s: Sequence, env: ExploreEnvironment) {
  await env.runUntilIdle(s.order.orderId, 1)
  const klarna = await simOrder(env.sim.url, s.order.klarnaOrderId)
  const refunded = s.order.refunds.reduce((sum, r) => sum + r.amount, 0)
  return { klarna, amount: klarna.captured_amount - refunded }
}

/** Return units of a captured item, refunding them. */
class ReturnWithRefund extends Command {
  constructor(
    readonly itemIndex: number,
    readonly quantity: number,
  ) {
    super()
  }
  check(s: Readonly<Sequence>) {
    return !s.order.canceled && s.order.fulfillments.some((f) => !f.canceled)
  }
  async apply(s: Sequence, env: ExploreEnvironment) {
    const { amount: open } = await refundable(s, env)
    const item = s.order.items[this.itemIndex % s.order.items.length]
    const returned = s.order.refunds
      .flatMap((r) => r.returnedItems ?? [])
      .filter((l) => l.itemId === item.id)
      .reduce((sum, l) => sum + l.quantity, 0)
    const quantity = Math.min(this.quantity, (activeUnits(s.order).get(item.id) ?? 0) - returned)
    const amount = Math.min(quantity * (item.unitPrice - item.unitDiscount), open)
    if (quantity <= 0 || amount <= 0) return
    const id = `ref_${s.order.orderId}_${++s.nextId}`
    s.order.refunds.push({ id, amount, createdAt: new Date(), returnedItems: [{ itemId: item.id, quantity }] })
    await deliver(env, s, { kind: "refund_created", refundId: id })
  }
  toString() {
    return `returnWithRefund(${this.itemIndex}, ${this.quantity})`
  }
}

/** Refund an amount (a share of what is paid and not refunded). */
class RefundAmount extends Command {
  constructor(readonly share: number) {
    super()
  }
  check(s: Readonly<Sequence>) {
    return !s.order.canceled
  }
  async apply(s: Sequence, env: ExploreEnvironment) {
    const { amount: open } = await refundable(s, env)
    const amount = Math.max(1, Math.floor((open * this.share) / 100))
    if (open <= 0) return
    const id = `ref_${s.order.orderId}_${++s.nextId}`
    s.order.refunds.push({ id, amount, createdAt: new Date() })
    await deliver(env, s, { kind: "refund_created", refundId: id })
  }
  toString() {
    return `refundAmount(${this.share}%)`
  }
}

/**
 * Refund the price of some units without a return (goodwill: the customer keeps them). Its amount is exactly
 * what a return of those units would refund, so a platform that links refunds to returns by amount (Medusa v2)
 * must not take it for the return's refund, nor a later return's refund for it.
 */
class RefundUnitsPrice extends Command {
  constructor(
    readonly itemIndex: number,
    readonly quantity: number,
  ) {
    super()
  }
  check(s: Readonly<Sequence>) {
    return !s.order.canceled
  }
  async apply(s: Sequence, env: ExploreEnvironment) {
    const { amount: open } = await refundable(s, env)
    const item = s.order.items[this.itemIndex % s.order.items.length]
    const amount = Math.min(this.quantity, item.quantity) * (item.unitPrice - item.unitDiscount)
    if (amount <= 0 || amount > open) return
    const id = `ref_${s.order.orderId}_${++s.nextId}`
    s.order.refunds.push({ id, amount, createdAt: new Date() })
    await deliver(env, s, { kind: "refund_created", refundId: id })
  }
  toString() {
    return `refundUnitsPrice(${this.itemIndex}, ${this.quantity})`
  }
}

/** Cancel the order (Medusa: only once its fulfillments are canceled, and nothing refunded). */
class CancelOrder extends Command {
  check(s: Readonly<Sequence>) {
    return !s.order.canceled && s.order.fulfillments.every((f) => f.canceled) && s.order.refunds.length === 0
  }
  async apply(s: Sequence, env: ExploreEnvironment) {
    const klarna = await simOrder(env.sim.url, s.order.klarnaOrderId)
    s.order.capturesAtCancel = klarna.captures.map((c) => c.reference ?? "")
    s.order.canceled = true
    await deliver(env, s, { kind: "order_canceled" })
  }
  toString() {
    return "cancelOrder"
  }
}

/** The merchant presses Capture payment. */
class CaptureRemaining extends Command {
  check(s: Readonly<Sequence>) {
    return !s.order.canceled
  }
  async apply(s: Sequence, env: ExploreEnvironment) {
    s.order.captureRemainingPressed = true
    await env.engines[0].captureRemaining(s.order.orderId)
  }
  toString() {
    return "captureRemaining"
  }
}

/** An event delivered again, possibly long after the order moved on. */
class DeliverAgain extends Command {
  constructor(readonly index: number) {
    super()
  }
  check(s: Readonly<Sequence>) {
    return s.events.length > 0
  }
  async apply(s: Sequence, env: ExploreEnvironment) {
    await deliver(env, s, s.events[this.index % s.events.length], false)
  }
  toString() {
    return `deliverAgain(${this.index})`
  }
}

export type FaultKind = "500" | "503" | "429" | "timeout" | "apply_then_drop"

/** Klarna misbehaves on the next mutation of this order. */
class InjectFault extends Command {
  constructor(
    readonly kind: FaultKind,
    readonly retryAfterSeconds: number,
  ) {
    super()
  }
  check() {
    return true
  }
  async apply(s: Sequence, env: ExploreEnvironment) {
    s.stats.faults++
    const fault =
      this.kind === "500" || this.kind === "503"
        ? { type: "http", status: Number(this.kind) }
        : this.kind === "429"
          ? { type: "rate_limit", retry_after_seconds: this.retryAfterSeconds }
          : this.kind === "timeout"
            ? { type: "timeout", ms: CLIENT_TIMEOUT_MS + 300 }
            : { type: "apply_then_drop" }
    await simFault(env.sim.url, { match: { method: "POST", path: `/orders/${s.order.klarnaOrderId}/`, times: 1 }, fault })
  }
  toString() {
    return `fault(${this.kind}${this.kind === "429" ? `, Retry-After ${this.retryAfterSeconds}s` : ""})`
  }
}

/**
 * Starts the next due job on `engine`: `done` settles when the job has run (or failed), `stopped` tells whether the
 * worker stopped in the middle first (`stop` settled before the job was done).
 */
function runNextJob(engine: SyncEngine, workerId: string, stop: Promise<void>): { done: Promise<void>; stopped: Promise<boolean> } {
  const done = engine.processNext(workerId).then(
    () => undefined,
    () => undefined,
  )
  return { done, stopped: Promise.race([done.then(() => false), stop.then(() => true)]) }
}

/** A worker takes the next due job and dies in the middle (before or after its Klarna call); its lease then runs out. */
class KillWorker extends Command {
  constructor(readonly when: "before_call" | "after_call") {
    super()
  }
  check() {
    return true
  }
  async apply(_s: Sequence, env: ExploreEnvironment) {
    const { engine, called, workerId } = env.dyingEngine(this.when)
    if (await runNextJob(engine, workerId, called).stopped) await env.expireLeases(workerId)
  }
  toString() {
    return `killWorker(${this.when})`
  }
}

/**
 * A worker takes the next due job and freezes in the middle of it, past its lease; another worker takes the job
 * over and finishes the order's outbox; then the frozen one wakes up and carries on with what it had planned.
 * Whatever it does then must change nothing (exactly once rests on it).
 */
class StallWorker extends Command {
  constructor(readonly when: "before_freeze" | "before_call") {
    super()
  }
  check() {
    return true
  }
  async apply(s: Sequence, env: ExploreEnvironment) {
    const { engine, reached, resume, workerId } = env.stallingEngine(this.when)
    const { done, stopped } = runNextJob(engine, workerId, reached)
    if (!(await stopped)) return
    await env.expireLeases(workerId)
    await env.runUntilIdle(s.order.orderId, 1)
    resume()
    await done
  }
  toString() {
    return `stallWorker(${this.when})`
  }
}

/** The outbox runs (one worker, or two on two servers) until the order is idle. */
class RunWorkers extends Command {
  constructor(readonly workers: 1 | 2) {
    super()
  }
  check() {
    return true
  }
  async apply(s: Sequence, env: ExploreEnvironment) {
    await env.runUntilIdle(s.order.orderId, this.workers)
  }
  toString() {
    return `runWorkers(${this.workers})`
  }
}

/** Time passes: Klarna's clock moves, and the outbox's waiting jobs are due. */
class AdvanceClock extends Command {
  constructor(readonly ms: number) {
    super()
  }
  check() {
    return true
  }
  async apply(s: Sequence, env: ExploreEnvironment) {
    await fetch(`${env.sim.url}/__sim/clock`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ advance_ms: this.ms }),
    })
    await env.sql(`UPDATE klarna_sync_job SET run_at = now() WHERE platform_order_id = $1 AND state = 'pending' AND run_at > now()`, [
      s.order.orderId,
    ])
  }
  toString() {
    return `advanceClock(${this.ms} ms)`
  }
}

// ---- Generators ---------------------------------------------------------------------------------

const EMOJI = ["📦", "🚚", "😀", "🎁", "🇸"]
const RTL = ["רשמי-4567", "شحنة-٤٥٦٧", "עברית 123", "مرحبا123"]

/**
 * Tracking values a merchant may type. With `oddLengths`, also values at and past Klarna's limits (100
 * code points of emoji = 200 UTF-16 units, 101, 200 characters; a 101-character company, a 1025+-character
 * URL): these must be sent intact or recorded as refused (the shipping-info contract).
 */
function trackingNumber(oddLengths: boolean): fc.Arbitrary<string> {
  const plain = [
    fc.stringMatching(/^[A-Z0-9]{6,16}$/),
    fc.array(fc.constantFrom(...EMOJI), { minLength: 1, maxLength: 10 }).map((parts) => parts.join("")),
    fc.constantFrom(...RTL),
  ]
  const odd = [
    fc.constant("📦".repeat(100)),
    fc.constant("A".repeat(100)),
    fc.constant("B".repeat(101)),
    fc.constant("😀".repeat(101)),
    fc.constant("C".repeat(200)),
  ]
  return fc.oneof(...plain, ...(oddLengths ? odd : []))
}

function trackings(oddLengths: boolean): fc.Arbitrary<TrackingSnapshot[]> {
  const url = fc.oneof(
    fc.constant(undefined),
    fc.nat(9999).map((n) => `https://track.example/${n}`),
    ...(oddLengths ? [fc.constant(`https://track.example/${"x".repeat(1010)}`)] : []),
  )
  return fc
    .uniqueArray(fc.record({ trackingNumber: trackingNumber(oddLengths), trackingUrl: url }), {
      minLength: 1,
      maxLength: 3,
      selector: (t) => t.trackingNumber,
    })
    .map((list) => list.map((t) => (t.trackingUrl === undefined ? { trackingNumber: t.trackingNumber } : t)))
}

function company(oddLengths: boolean): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    fc.constant(undefined),
    fc.constantFrom("DHL", "PostNord", "البريد السريع", "📦 Express"),
    ...(oddLengths ? [fc.constant("D".repeat(101))] : []),
  )
}

export function commandArbitraries(options: { oddTrackingLengths: boolean }): fc.Arbitrary<ExploreCommand>[] {
  const odd = options.oddTrackingLengths
  return [
    fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }).map((picks) => new Fulfill(picks)),
    fc.nat(5).map((i) => new CancelFulfillment(i)),
    fc.tuple(fc.nat(5), trackings(odd), company(odd)).map(([i, t, c]) => new Ship(i, t, c)),
    fc.tuple(fc.nat(5), fc.integer({ min: 1, max: 3 })).map(([i, q]) => new ReturnWithRefund(i, q)),
    fc.integer({ min: 1, max: 100 }).map((share) => new RefundAmount(share)),
    fc.tuple(fc.nat(5), fc.integer({ min: 1, max: 2 })).map(([i, q]) => new RefundUnitsPrice(i, q)),
    fc.constant(new CancelOrder()),
    fc.constant(new CaptureRemaining()),
    fc.nat(20).map((i) => new DeliverAgain(i)),
    fc
      .tuple(fc.constantFrom<FaultKind>("500", "503", "429", "timeout", "apply_then_drop"), fc.integer({ min: 1, max: 120 }))
      .map(([k, r]) => new InjectFault(k, r)),
    fc.constantFrom<"before_call" | "after_call">("before_call", "after_call").map((w) => new KillWorker(w)),
    fc.constantFrom<"before_freeze" | "before_call">("before_freeze", "before_call").map((w) => new StallWorker(w)),
    fc.constantFrom<1 | 2>(1, 2).map((n) => new RunWorkers(n)),
    fc.integer({ min: 1, max: 3_600_000 }).map((ms) => new AdvanceClock(ms)),
  ]
}
