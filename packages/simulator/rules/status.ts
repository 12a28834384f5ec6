/**
 * Order status and amounts as Klarna reports them, plus the JSON views (MerchantOrderDto,
 * Capture, Refund shapes of the OM yml).
 *
 * Choices where Klarna is silent (notes §3), kept in one place:
 *  - EXPIRED is derived, never stored: an order whose authorization is still open
 *    (AUTHORIZED or PART_CAPTURED) is EXPIRED once now > expires_at. Moving the clock back
 *    "un-expires" it, which keeps clock-based tests reversible. A fully captured (or released)
 *    order has nothing left to expire and keeps CAPTURED.
 *  - remaining_authorized_amount is 0 for CANCELLED and EXPIRED orders (the authorization is gone).
 *  - CLOSED is never produced (its semantics are undocumented).
 *  - After a refund the status does not change (Klarna has no REFUNDED status).
 */
import type { OrderStatus, SimCapture, SimOrder, SimRefund, StoredStatus } from "../types"

export function isExpired(order: SimOrder, now: Date): boolean {
  return (order.status === "AUTHORIZED" || order.status === "PART_CAPTURED") && now.getTime() > Date.parse(order.expires_at)
}

export function effectiveStatus(order: SimOrder, now: Date): OrderStatus {
  return isExpired(order, now) ? "EXPIRED" : order.status
}

export function remainingAuthorized(order: SimOrder, now: Date): number {
  if (order.status === "CANCELLED" || isExpired(order, now)) return 0
  return Math.max(0, order.order_amount - order.captured_amount)
}

/** The stored status implied by the amounts (CANCELLED is sticky). */
export function statusFromAmounts(order: SimOrder): StoredStatus {
  if (order.status === "CANCELLED") return "CANCELLED"
  if (order.captured_amount === 0) return "AUTHORIZED"
  return order.captured_amount >= order.order_amount ? "CAPTURED" : "PART_CAPTURED"
}

export function captureView(order: SimOrder, c: SimCapture): Record<string, unknown> {
  return {
    capture_id: c.capture_id,
    klarna_reference: c.klarna_reference,
    captured_amount: c.captured_amount,
    captured_at: c.captured_at,
    description: c.description,
    reference: c.reference,
    order_lines: c.order_lines,
    refunded_amount: c.refunded_amount,
    billing_address: order.billing_address,
    shipping_address: order.shipping_address,
    shipping_info: c.shipping_info,
  }
}

export function refundView(r: SimRefund): Record<string, unknown> {
  return {
    refund_id: r.refund_id,
    refunded_amount: r.refunded_amount,
    refunded_at: r.refunded_at,
    description: r.description,
    reference: r.reference,
    order_lines: r.order_lines,
  }
}

/** GET /ordermanagement/v1/orders/{id} body (MerchantOrderDto). Undefined fields vanish in JSON. */
export function orderView(order: SimOrder, now: Date): Record<string, unknown> {
  return {
    order_id: order.order_id,
    status: effectiveStatus(order, now),
    fraud_status: order.fraud_status,
    order_amount: order.order_amount,
    original_order_amount: order.original_order_amount,
    captured_amount: order.captured_amount,
    refunded_amount: order.refunded_amount,
    remaining_authorized_amount: remainingAuthorized(order, now),
    purchase_currency: order.purchase_currency,
    locale: order.locale,
    order_lines: order.order_lines,
    merchant_reference1: order.merchant_reference1,
    merchant_reference2: order.merchant_reference2,
    klarna_reference: order.klarna_reference,
    customer: order.customer,
    billing_address: order.billing_address,
    shipping_address: order.shipping_address,
    created_at: order.created_at,
    purchase_country: order.purchase_country,
    expires_at: order.expires_at,
    captures: order.captures.map((c) => captureView(order, c)),
    refunds: order.refunds.map(refundView),
    merchant_data: order.merchant_data,
    shipping_info: order.shipping_info,
    initial_payment_method: order.initial_payment_method,
  }
}

/** GET /__sim/orders/:id: the Klarna view plus the simulator-only bookkeeping. */
export function internalView(order: SimOrder, now: Date): Record<string, unknown> {
  return {
    ...orderView(order, now),
    stored_status: order.status,
    order_tax_amount: order.order_tax_amount,
    captures: order.captures.map((c) => ({ ...captureView(order, c), send_outs: c.send_outs, shipping_delay: c.shipping_delay })),
    sim: order.sim,
  }
}
