import type { OrderSnapshot, RefundSnapshot } from "../order-model"
import { OrderSnapshotError } from "./errors"

/**
 * Checks the parts of an OrderSnapshot that the money math relies on, and names the first field
 * that is wrong. Adapters build snapshots; a wrong one must stop the planner loudly rather than
 * produce lines that do not add up.
 *
 * Checked: every amount is a safe integer >= 0; items: quantity >= 0, total = originalTotal -
 * discountTotal, taxRate an integer >= 0 basis points, ids unique; same for shipping lines; gift
 * card amounts; totalAmount >= 0; fulfillment items refer to known items with integer quantities
 * >= 0; fulfillment ids unique; canceledQuantities integers >= 0. (Over-fulfilment is checked while
 * numbering units, see unit-allocation.ts; refunds are checked when a refund is planned.)
 */
export function assertValidOrderSnapshot(order: OrderSnapshot): void {
  const fail = (path: string, detail: string): never => {
    throw new OrderSnapshotError(order.orderId, path, detail)
  }
  const amount = (value: unknown, path: string): void => {
    if (typeof value !== "number" || !Number.isSafeInteger(value)) fail(path, `must be a safe integer (minor units), got ${String(value)}`)
    if ((value as number) < 0) fail(path, `must be >= 0, got ${String(value)}`)
  }
  const rate = (value: unknown, path: string): void => {
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
      fail(path, `must be an integer >= 0 in basis points (2500 = 25%), got ${String(value)}`)
    }
  }

  amount(order.totalAmount, "totalAmount")
  const itemIds = new Set<string>()
  order.items.forEach((item, i) => {
    const p = `items[${i}]`
    if (itemIds.has(item.id)) fail(`${p}.id`, `duplicate item id ${item.id}`)
    itemIds.add(item.id)
    amount(item.quantity, `${p}.quantity`)
    amount(item.originalTotal, `${p}.originalTotal`)
    amount(item.discountTotal, `${p}.discountTotal`)
    amount(item.total, `${p}.total`)
    rate(item.taxRate, `${p}.taxRate`)
    if (item.total !== item.originalTotal - item.discountTotal) {
      fail(`${p}.total`, `${item.total} must equal originalTotal ${item.originalTotal} - discountTotal ${item.discountTotal}`)
    }
    if (item.quantity === 0 && item.originalTotal !== 0)
      fail(`${p}.originalTotal`, `an item with quantity 0 must be worth 0, got ${item.originalTotal}`)
  })
  const shippingIds = new Set<string>()
  order.shippingLines.forEach((s, i) => {
    const p = `shippingLines[${i}]`
    if (shippingIds.has(s.id)) fail(`${p}.id`, `duplicate shipping line id ${s.id}`)
    shippingIds.add(s.id)
    amount(s.originalTotal, `${p}.originalTotal`)
    amount(s.discountTotal, `${p}.discountTotal`)
    amount(s.total, `${p}.total`)
    rate(s.taxRate, `${p}.taxRate`)
    if (s.total !== s.originalTotal - s.discountTotal) {
      fail(`${p}.total`, `${s.total} must equal originalTotal ${s.originalTotal} - discountTotal ${s.discountTotal}`)
    }
  })
  order.giftCards.forEach((g, i) => amount(g.amount, `giftCards[${i}].amount`))

  const fulfillmentIds = new Set<string>()
  order.fulfillments.forEach((f, i) => {
    const p = `fulfillments[${i}]`
    if (fulfillmentIds.has(f.id)) fail(`${p}.id`, `duplicate fulfillment id ${f.id}`)
    fulfillmentIds.add(f.id)
    f.items.forEach((fi, j) => {
      if (!itemIds.has(fi.itemId)) fail(`${p}.items[${j}].itemId`, `unknown item ${fi.itemId}`)
      amount(fi.quantity, `${p}.items[${j}].quantity`)
    })
  })
  for (const [itemId, qty] of Object.entries(order.canceledQuantities ?? {})) {
    if (!itemIds.has(itemId)) fail(`canceledQuantities.${itemId}`, `unknown item ${itemId}`)
    amount(qty, `canceledQuantities.${itemId}`)
  }
}

/** Checks one refund's own fields (amount, shipping part, returned items). */
export function assertValidRefund(order: OrderSnapshot, refund: RefundSnapshot, index: number): void {
  const p = `refunds[${index}]`
  const fail = (path: string, detail: string): never => {
    throw new OrderSnapshotError(order.orderId, path, detail)
  }
  const check = (value: unknown, path: string): void => {
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0)
      fail(path, `must be a safe integer >= 0, got ${String(value)}`)
  }
  check(refund.amount, `${p}.amount`)
  if (refund.shippingAmount !== undefined) check(refund.shippingAmount, `${p}.shippingAmount`)
  if (refund.returnFeeAmount !== undefined) check(refund.returnFeeAmount, `${p}.returnFeeAmount`)
  const known = new Set(order.items.map((i) => i.id))
  ;(refund.returnedItems ?? []).forEach((ri, j) => {
    if (!known.has(ri.itemId)) fail(`${p}.returnedItems[${j}].itemId`, `unknown item ${ri.itemId}`)
    check(ri.quantity, `${p}.returnedItems[${j}].quantity`)
  })
}
