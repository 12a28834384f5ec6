/**
 * Creating OM orders (from the Payments create-order call or the control API) and reading them.
 */
import { DAY_MS } from "../clock"
import { newKlarnaReference, newUuid } from "../ids"
import type { SimState } from "../state"
import type { SimOrder, WireAddress, WireOrderLine } from "../types"
import { orderView, captureView, refundView } from "./status"
import { SimError } from "../errors"

/** Klarna's default authorization period (docs: "Default authorization period is 28 days"). */
export const DEFAULT_AUTHORIZATION_DAYS = 28
/** Longest an authorization may live after creation (extend-authorization docs: max 180 days). */
export const MAX_AUTHORIZATION_DAYS = 180

export interface NewOrderInput {
  order_amount: number
  purchase_currency: string
  purchase_country: string
  order_lines?: WireOrderLine[]
  order_tax_amount?: number
  locale?: string
  merchant_reference1?: string
  merchant_reference2?: string
  merchant_data?: string
  billing_address?: WireAddress
  shipping_address?: WireAddress
  customer?: Record<string, unknown>
  expires_at?: string
  created_at?: string
  fraud_status?: string
  initial_payment_method?: SimOrder["initial_payment_method"]
  arithmetic_checks?: boolean
}

export function createOrder(state: SimState, input: NewOrderInput, source: SimOrder["sim"]["source"]): SimOrder {
  const now = state.clock.now()
  const createdAt = input.created_at ?? now.toISOString()
  const expiresAt = input.expires_at ?? new Date(Date.parse(createdAt) + DEFAULT_AUTHORIZATION_DAYS * DAY_MS).toISOString()
  const order: SimOrder = {
    order_id: newUuid(),
    klarna_reference: newKlarnaReference(),
    status: "AUTHORIZED",
    fraud_status: input.fraud_status ?? "ACCEPTED",
    order_amount: input.order_amount,
    original_order_amount: input.order_amount,
    captured_amount: 0,
    refunded_amount: 0,
    purchase_country: input.purchase_country.toUpperCase(),
    purchase_currency: input.purchase_currency.toUpperCase(),
    locale: input.locale,
    order_tax_amount: input.order_tax_amount,
    order_lines: input.order_lines ?? [],
    merchant_reference1: input.merchant_reference1,
    merchant_reference2: input.merchant_reference2,
    merchant_data: input.merchant_data,
    billing_address: input.billing_address,
    shipping_address: input.shipping_address,
    customer: input.customer,
    created_at: createdAt,
    expires_at: expiresAt,
    captures: [],
    refunds: [],
    shipping_info: [],
    initial_payment_method: input.initial_payment_method ?? { type: "INVOICE", description: "Pay later" },
    sim: {
      arithmetic_checks: input.arithmetic_checks,
      extensions: [],
      authorization_updates: 0,
      source,
    },
  }
  state.orders.set(order.order_id, order)
  return order
}

export function getOrder(state: SimState, orderId: string): Record<string, unknown> {
  return orderView(state.order(orderId), state.clock.now())
}

export function listCaptures(state: SimState, orderId: string): Record<string, unknown>[] {
  const order = state.order(orderId)
  return order.captures.map((c) => captureView(order, c))
}

export function getCapture(state: SimState, orderId: string, captureId: string): Record<string, unknown> {
  const order = state.order(orderId)
  const capture = order.captures.find((c) => c.capture_id === captureId)
  if (!capture) throw new SimError(404, "NO_SUCH_CAPTURE", `Capture ${captureId} cannot be found for order ${orderId}`)
  return captureView(order, capture)
}

export function getRefund(state: SimState, orderId: string, refundId: string): Record<string, unknown> {
  const order = state.order(orderId)
  const refund = order.refunds.find((r) => r.refund_id === refundId)
  // Klarna's errors page: NOT_FOUND "Refund xxx cannot be found for order xxx".
  if (!refund) throw new SimError(404, "NOT_FOUND", `Refund ${refundId} cannot be found for order ${orderId}`)
  return refundView(refund)
}
