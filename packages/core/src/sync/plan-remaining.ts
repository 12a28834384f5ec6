import { assertMinorUnits, sumMinorUnits } from "./money"
import type { OrderSnapshot } from "./order-model"
import { captureReconciliationLine } from "./order-lines/adjustment-lines"
import { combineParts } from "./order-lines/capture-lines"
import { type OrderPart, allocateOrder } from "./order-lines/order-allocation"
import { type CapturePlan, buildCapturePlan, emptyCapturePlan } from "./plan-capture"

/** A capture already sent to Klarna (or being sent), as the engine recorded it. */
export interface CaptureRecord {
  /** The fulfillment it mirrors; null/undefined for a remaining capture or one made outside the engine. */
  fulfillmentId?: string | null
  /** captured_amount actually sent. */
  amount: number
}

export interface CaptureLedger {
  /** Captures sent, or in flight with a fixed amount. */
  captures: readonly CaptureRecord[]
  /**
   * Fulfillments whose own capture is queued but not sent yet: the engine will send them with their
   * planCapture amount, so the remaining capture leaves them out.
   */
  pendingFulfillmentIds?: readonly string[]
}

export interface RemainingCapturePlan extends CapturePlan {
  fulfillmentId: null
  /** What all captures of the order add up to: order.totalAmount, minus canceled units. */
  targetAmount: number
  /** Sum of ledger captures, plus the planned amounts of pending fulfillment captures. */
  alreadyCapturedAmount: number
  /**
   * Planned minus actual amounts of the recorded fulfillment captures, sent as an
   * "Adjustment for earlier captures" line (0 when every capture was sent as planned).
   */
  reconciliationAmount: number
  /** > 0 when earlier captures exceed targetAmount (nothing is captured then). */
  overCapturedAmount: number
}

/**
 * What Medusa's "Capture payment" button (or a final capture) should capture: everything no capture
 * covers yet, so that sum(all captures) == targetAmount (= order.totalAmount when no unit is
 * canceled) exactly.
 *
 * Content: the parts of the order (order-lines/order-allocation.ts) that no recorded or pending
 * capture covers, i.e. non-canceled fulfillments not captured yet and the units in no fulfillment,
 * with their shipping (if the first part is among them), gift-card share and rounding adjustment;
 * the units in `canceledQuantities` are never captured. The same item from several parts becomes
 * one line.
 *
 * Reconciliation: recorded fulfillment captures are expected to have their planned amounts. When
 * they do not (a fulfillment canceled after its capture, a capture made in Klarna's portal, a
 * recorded capture without fulfillment id), the difference planned - actual is added as one
 * explicit "Adjustment for earlier captures" line. Hence
 *   capturedAmount = targetAmount - alreadyCapturedAmount
 * and when that is <= 0 the plan is empty (skip "nothing_remaining", or "over_captured" with
 * overCapturedAmount set: the engine must refund or flag, never capture).
 */
export function planRemainingCapture(
  order: OrderSnapshot,
  ledgerOrCapturedFulfillmentIds: CaptureLedger | readonly string[],
): RemainingCapturePlan {
  const ledger = toLedger(order, ledgerOrCapturedFulfillmentIds)
  ledger.captures.forEach((c, i) => assertMinorUnits(c.amount, `captures[${i}].amount`))
  if (order.canceled) {
    return {
      ...emptyCapturePlan(null, "order_canceled"),
      fulfillmentId: null,
      targetAmount: 0,
      alreadyCapturedAmount: 0,
      reconciliationAmount: 0,
      overCapturedAmount: 0,
    }
  }
  const allocation = allocateOrder(order)
  const partById = new Map<string, OrderPart>()
  for (const p of allocation.parts) if (p.key.kind === "fulfillment") partById.set(p.key.fulfillmentId, p)

  const captured = new Set<string>()
  for (const c of ledger.captures) if (c.fulfillmentId && partById.has(c.fulfillmentId)) captured.add(c.fulfillmentId)
  const pending = new Set<string>()
  for (const id of ledger.pendingFulfillmentIds ?? []) if (partById.has(id) && !captured.has(id)) pending.add(id)

  const plannedOfCaptured = sumMinorUnits(
    [...captured].map((id) => partById.get(id)?.amount ?? 0),
    "planned captures",
  )
  const actualOfCaptured = sumMinorUnits(
    ledger.captures.map((c) => c.amount),
    "recorded captures",
  )
  const plannedOfPending = sumMinorUnits(
    [...pending].map((id) => partById.get(id)?.amount ?? 0),
    "pending captures",
  )
  const reconciliationAmount = plannedOfCaptured - actualOfCaptured
  const alreadyCapturedAmount = actualOfCaptured + plannedOfPending

  const open = allocation.parts.filter(
    (p) => p.key.kind === "unfulfilled" || !(captured.has(p.key.fulfillmentId) || pending.has(p.key.fulfillmentId)),
  )
  const content = combineParts(open)
  const remaining = content.amount + reconciliationAmount
  const base = {
    fulfillmentId: null,
    targetAmount: allocation.targetAmount,
    alreadyCapturedAmount,
    reconciliationAmount,
  } as const
  if (remaining < 0) return { ...emptyCapturePlan(null, "over_captured"), ...base, overCapturedAmount: -remaining }
  if (remaining === 0) return { ...emptyCapturePlan(null, "nothing_remaining"), ...base, overCapturedAmount: 0 }

  const extra = reconciliationAmount !== 0 ? [captureReconciliationLine(reconciliationAmount)] : []
  const plan = buildCapturePlan(null, content, `remaining capture of order ${order.orderId}`, extra, remaining)
  return { ...plan, ...base, overCapturedAmount: 0 }
}

/**
 * The short form, a list of captured fulfillment ids, means: each listed fulfillment was captured
 * with exactly its current planCapture amount; ids that are not non-canceled fulfillments of the
 * order are ignored. Prefer the ledger form, which also accounts for captures that were sent with
 * another amount (e.g. a fulfillment canceled after its capture).
 */
function toLedger(order: OrderSnapshot, input: CaptureLedger | readonly string[]): CaptureLedger {
  if (!isIdList(input)) return input
  const allocation = allocateOrder(order)
  const captures: CaptureRecord[] = []
  const seen = new Set<string>()
  for (const id of input) {
    const part = allocation.parts.find((p) => p.key.kind === "fulfillment" && p.key.fulfillmentId === id)
    if (!part || seen.has(id)) continue
    seen.add(id)
    captures.push({ fulfillmentId: id, amount: part.amount })
  }
  return { captures }
}

function isIdList(input: CaptureLedger | readonly string[]): input is readonly string[] {
  return Array.isArray(input)
}
