import { cumulativeShare } from "../money"
import type { FulfillmentSnapshot, ItemLine, OrderSnapshot } from "../order-model"
import { OrderSnapshotError } from "./errors"

/** Some units of one item and the part of the item's total they carry. */
export interface ItemShare {
  itemIndex: number
  item: ItemLine
  /** Number of units. */
  quantity: number
  /** Their share of item.total (tax included, after discounts). */
  total: number
  /** Their share of item.originalTotal (gross before discounts), same numbering. */
  gross: number
}

/**
 * How the units of every item are split between the active fulfillments, the units not yet
 * fulfilled, and the units that will never ship.
 */
export interface UnitAllocation {
  /** Non-canceled fulfillments, in `order.fulfillments` order. */
  activeFulfillments: FulfillmentSnapshot[]
  /** Fulfillment id -> its item shares, in `order.items` order. */
  byFulfillment: Map<string, ItemShare[]>
  /** Units in no active fulfillment and not canceled. */
  unfulfilled: ItemShare[]
  /** Units listed in `canceledQuantities` (capped at what is not fulfilled). */
  canceled: ItemShare[]
}

/** Units [from, to) of an item: their count and their cumulative shares of total and originalTotal. */
export function shareOf(itemIndex: number, item: ItemLine, from: number, to: number): ItemShare {
  return {
    itemIndex,
    item,
    quantity: to - from,
    total: cumulativeShare(item.total, item.quantity, from, to),
    gross: cumulativeShare(item.originalTotal, item.quantity, from, to),
  }
}

/**
 * Unit numbering (the basis of every item amount in a capture):
 * - The units of an item are numbered 0..n-1, n = item.quantity.
 * - Active (non-canceled) fulfillments take them in `order.fulfillments` order: the first takes
 *   [0, q1), the next [q1, q1+q2), ... Canceled fulfillments are skipped, so their units go back to
 *   "not fulfilled" and numbering stays a function of the active fulfillments only.
 * - The units no active fulfillment took come next ("unfulfilled"); the last
 *   min(canceledQuantities[item], n - fulfilled) units are the canceled ones.
 * - Units [a, b) carry cumulativeShare(item.total, n, a, b) = floor(T*b/n) - floor(T*a/n) of the
 *   item's total T, and likewise of its originalTotal, so the shares of all ranges add up to
 *   item.total and item.originalTotal exactly.
 *
 * A fulfillment's numbering depends only on the active fulfillments before it, so a capture planned
 * when it was the newest fulfillment is the same capture planned after later fulfillments arrive.
 */
export function allocateUnits(order: OrderSnapshot): UnitAllocation {
  const indexById = new Map<string, number>()
  order.items.forEach((item, i) => indexById.set(item.id, i))
  const cursor = order.items.map(() => 0)
  const activeFulfillments = order.fulfillments.filter((f) => !f.canceled)
  const byFulfillment = new Map<string, ItemShare[]>()

  for (const f of activeFulfillments) {
    const taken = takeUnits(order, indexById, cursor, f.items, `fulfillment ${f.id}`, "fulfilled", "non-canceled fulfillments")
    byFulfillment.set(f.id, taken)
  }

  const unfulfilled: ItemShare[] = []
  const canceled: ItemShare[] = []
  order.items.forEach((item, idx) => {
    const n = item.quantity
    if (n === 0) return
    const fulfilled = cursor[idx]
    const canceledQty = Math.min(order.canceledQuantities?.[item.id] ?? 0, n - fulfilled)
    const openTo = n - canceledQty
    if (openTo > fulfilled) {
      unfulfilled.push(shareOf(idx, item, fulfilled, openTo))
    }
    if (canceledQty > 0) {
      canceled.push(shareOf(idx, item, openTo, n))
    }
  })

  return { activeFulfillments, byFulfillment, unfulfilled, canceled }
}

/**
 * Refund numbering: an item's returned units are numbered 0..n-1 in `order.refunds` order, and the
 * units refund j returns, [a, b), are valued cumulativeShare(item.total, n, a, b) (originalTotal likewise). Returning every
 * unit over any number of refunds therefore values the returns at exactly item.total.
 * Returns the shares of refund `refundIndex`, in `order.items` order.
 */
export function returnedItemShares(order: OrderSnapshot, refundIndex: number): ItemShare[] {
  const indexById = new Map<string, number>()
  order.items.forEach((item, i) => indexById.set(item.id, i))
  const cursor = order.items.map(() => 0)
  let result: ItemShare[] = []
  for (let r = 0; r <= refundIndex; r++) {
    const refund = order.refunds[r]
    const shares = takeUnits(order, indexById, cursor, refund.returnedItems ?? [], `refund ${refund.id}`, "returned", "refunds")
    if (r === refundIndex) result = shares
  }
  return result
}

/**
 * The next units of each item, after those earlier groups (fulfillments, or refunds) took: a group's
 * quantities per item become ranges [cursor, cursor + q), and the cursor moves on. In `order.items` order.
 */
function takeUnits(
  order: OrderSnapshot,
  indexById: Map<string, number>,
  cursor: number[],
  groupItems: readonly { itemId: string; quantity: number }[],
  group: string,
  verb: "fulfilled" | "returned",
  earlierGroups: string,
): ItemShare[] {
  const qtyByIndex = new Map<number, number>()
  for (const groupItem of groupItems) {
    const idx = indexById.get(groupItem.itemId)
    if (idx === undefined) throw new OrderSnapshotError(order.orderId, group, `unknown item ${groupItem.itemId}`)
    qtyByIndex.set(idx, (qtyByIndex.get(idx) ?? 0) + groupItem.quantity)
  }
  const shares: ItemShare[] = []
  for (const idx of [...qtyByIndex.keys()].sort((a, b) => a - b)) {
    const q = qtyByIndex.get(idx) ?? 0
    if (q === 0) continue
    const item = order.items[idx]
    const from = cursor[idx]
    const to = from + q
    if (to > item.quantity) {
      throw new OrderSnapshotError(
        order.orderId,
        group,
        `item ${item.id} is ${verb} ${to} times in ${earlierGroups} up to this one, but its quantity is ${item.quantity}`,
      )
    }
    shares.push(shareOf(idx, item, from, to))
    cursor[idx] = to
  }
  return shares
}
