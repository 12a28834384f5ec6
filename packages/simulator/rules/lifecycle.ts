/**
 * Order-level operations other than capture/refund: cancel, release remaining authorization,
 * extend authorization time, update authorization, merchant references, customer details,
 * acknowledge, order-level shipping info.
 */
import { DAY_MS } from "../clock"
import { SimError, notAllowed } from "../errors"
import type { SimState } from "../state"
import type { WireAddress, WireOrderLine, WireShippingInfo } from "../types"
import { assertArithmetic } from "./arithmetic"
import { DEFAULT_AUTHORIZATION_DAYS, MAX_AUTHORIZATION_DAYS } from "./orders"
import { isExpired, statusFromAmounts } from "./status"

const cancelNotAllowed = (message: string): SimError => new SimError(403, "CANCEL_NOT_ALLOWED", message)

/**
 * 403 CANCEL_NOT_ALLOWED when captured ("Order has previous captures. Cancel not possible.",
 * verbatim) or already cancelled (yml: "e.g. order has captures or is closed").
 * Choice: an EXPIRED order without captures may still be cancelled (a clean-up the docs don't forbid).
 */
export function cancelOrder(state: SimState, orderId: string): void {
  const order = state.order(orderId)
  if (order.status === "CANCELLED") throw cancelNotAllowed("Order is cancelled. Cancel not possible.")
  if (order.captures.length > 0) throw cancelNotAllowed("Order has previous captures. Cancel not possible.")
  order.status = "CANCELLED"
  order.sim.cancelled_at = state.clock.nowIso()
}

/**
 * Release remaining authorization. 403 NOT_ALLOWED when cancelled or without captures
 * (yml: "Can not release when order is cancelled or has no captures").
 * Effect (Klarna silent, documented choice): order_amount drops to captured_amount, so
 * remaining_authorized_amount becomes 0 and the status becomes CAPTURED (captured == order amount).
 * Releasing when nothing remains is a 204 no-op, and releasing an EXPIRED part-captured order is
 * allowed (it turns it into CAPTURED), so a client may always "close" an order it is done with.
 */
export function releaseRemainingAuthorization(state: SimState, orderId: string): void {
  const order = state.order(orderId)
  if (order.status === "CANCELLED") throw notAllowed("Order is cancelled. Release of remaining authorization not possible.")
  if (order.captures.length === 0) throw notAllowed("Order has no captures. Release of remaining authorization not possible.")
  const remaining = order.order_amount - order.captured_amount
  if (remaining <= 0) return
  order.sim.released_at = state.clock.nowIso()
  order.sim.released_amount = (order.sim.released_amount ?? 0) + remaining
  order.order_amount = order.captured_amount
  order.status = statusFromAmounts(order)
}

/**
 * New expires_at = now + 28 days (the default authorization period), capped at created_at + 180
 * days, never moved backwards. 403 NOT_ALLOWED when expired (verbatim "Order is expired.
 * Authorization time cannot be extended."), cancelled, or already at the 180-day cap.
 */
export function extendAuthorizationTime(state: SimState, orderId: string): void {
  const order = state.order(orderId)
  const now = state.clock.now()
  if (order.status === "CANCELLED") throw notAllowed("Order is cancelled. Authorization time cannot be extended.")
  if (isExpired(order, now)) throw notAllowed("Order is expired. Authorization time cannot be extended.")
  const cap = Date.parse(order.created_at) + MAX_AUTHORIZATION_DAYS * DAY_MS
  const current = Date.parse(order.expires_at)
  if (current >= cap) {
    throw notAllowed(
      `Order authorization cannot be extended beyond ${MAX_AUTHORIZATION_DAYS} days after creation. Authorization time cannot be extended.`,
    )
  }
  const next = Math.min(now.getTime() + DEFAULT_AUTHORIZATION_DAYS * DAY_MS, cap)
  if (next > current) order.expires_at = new Date(next).toISOString()
  order.sim.extensions.push(state.clock.nowIso())
}

export interface UpdateAuthorizationBody {
  order_amount: number
  description?: string
  order_lines?: WireOrderLine[]
}

/**
 * PATCH authorization: new order_amount (and lines). Not allowed on cancelled, expired or fully
 * captured orders, nor below the captured amount (verbatim message from the docs). Increases are
 * always approved (the simulator has no risk check). Omitted order_lines delete the old ones
 * ("The original order lines will be deleted", docs).
 */
export function updateAuthorization(state: SimState, orderId: string, body: UpdateAuthorizationBody): void {
  const order = state.order(orderId)
  assertArithmetic(state, order, body.order_lines, body.order_amount, "order_amount")
  if (order.status === "CANCELLED" || order.status === "CAPTURED" || isExpired(order, state.clock.now())) {
    throw notAllowed("Update not allowed.")
  }
  if (body.order_amount < order.captured_amount) {
    throw notAllowed(
      `Resulting authorization amount ${body.order_amount} cannot be less than the captured amount ${order.captured_amount} for order. Order authorization cannot be updated`,
    )
  }
  order.order_amount = body.order_amount
  order.order_lines = body.order_lines ?? []
  order.sim.authorization_updates += 1
  order.status = statusFromAmounts(order)
}

/** 403 on a cancelled order (yml: "Can not update a cancelled order"); "" clears a reference. */
export function updateMerchantReferences(
  state: SimState,
  orderId: string,
  body: { merchant_reference1?: string; merchant_reference2?: string },
): void {
  const order = state.order(orderId, ". Merchant references cannot be updated.")
  if (order.status === "CANCELLED") throw notAllowed("Can not update a cancelled order. Merchant references cannot be updated.")
  if (body.merchant_reference1 !== undefined) order.merchant_reference1 = body.merchant_reference1 || undefined
  if (body.merchant_reference2 !== undefined) order.merchant_reference2 = body.merchant_reference2 || undefined
}

export function updateCustomerDetails(state: SimState, orderId: string, body: { shipping_address?: WireAddress }): void {
  const order = state.order(orderId)
  if (order.status === "CANCELLED") throw notAllowed("Can not update a cancelled order. Customer details cannot be updated.")
  if (body.shipping_address) order.shipping_address = { ...(order.shipping_address ?? {}), ...body.shipping_address }
}

export function acknowledgeOrder(state: SimState, orderId: string): void {
  const order = state.order(orderId, ". Acknowledgement not possible.")
  order.sim.acknowledged_at ??= state.clock.nowIso()
}

/** Order-level shipping info (appendOrderShippingInfo); appended like the capture-level one. */
export function appendOrderShippingInfo(state: SimState, orderId: string, infos: WireShippingInfo[]): void {
  state.order(orderId).shipping_info.push(...infos)
}
