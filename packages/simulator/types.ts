/**
 * The simulator's own data model. Deliberately independent of src/ (the simulator is an
 * outside check of the Klarna client, so it must not share its types).
 * Wire field names stay snake_case, exactly as Klarna sends them, so the "view" functions
 * can hand them out without renaming.
 */

/** An order line as received on the wire (already schema-validated). */
export interface WireOrderLine {
  type?: string
  reference?: string
  name: string
  quantity: number
  quantity_unit?: string
  unit_price: number
  tax_rate?: number
  total_amount: number
  total_discount_amount?: number
  total_tax_amount?: number
  [extra: string]: unknown
}

export type WireShippingInfo = Record<string, unknown>
export type WireAddress = Record<string, unknown>

/** Statuses the simulator stores. EXPIRED is never stored: it is derived from the clock (see rules/status.ts). */
export type StoredStatus = "AUTHORIZED" | "PART_CAPTURED" | "CAPTURED" | "CANCELLED"
export type OrderStatus = StoredStatus | "EXPIRED" | "CLOSED"

export interface SimCapture {
  capture_id: string
  klarna_reference: string
  captured_amount: number
  captured_at: string
  description?: string
  reference?: string
  order_lines: WireOrderLine[]
  /** Part of the order's refunds attributed to this capture (oldest capture first). */
  refunded_amount: number
  shipping_info: WireShippingInfo[]
  shipping_delay?: number
  /** Simulator-only: how many times trigger-send-out was called. */
  send_outs: number
}

export interface SimRefund {
  refund_id: string
  refunded_amount: number
  refunded_at: string
  description?: string
  reference?: string
  order_lines: WireOrderLine[]
}

export interface SimOrder {
  order_id: string
  klarna_reference: string
  status: StoredStatus
  fraud_status: string
  order_amount: number
  original_order_amount: number
  captured_amount: number
  refunded_amount: number
  purchase_country: string
  purchase_currency: string
  locale?: string
  order_tax_amount?: number
  order_lines: WireOrderLine[]
  merchant_reference1?: string
  merchant_reference2?: string
  merchant_data?: string
  billing_address?: WireAddress
  shipping_address?: WireAddress
  customer?: Record<string, unknown>
  created_at: string
  expires_at: string
  captures: SimCapture[]
  refunds: SimRefund[]
  shipping_info: WireShippingInfo[]
  initial_payment_method: { type: string; description: string; number_of_installments?: number }
  /** Simulator-only bookkeeping, shown by GET /__sim/orders/:id but never by the Klarna API. */
  sim: {
    /** Per-order override of the global arithmetic switch; undefined = follow the global setting. */
    arithmetic_checks?: boolean
    released_at?: string
    /** order_amount - captured_amount at the moment of release. */
    released_amount?: number
    cancelled_at?: string
    acknowledged_at?: string
    extensions: string[]
    authorization_updates: number
    /** Where the order came from: the control API or the Payments create-order call. */
    source: "control" | "payments"
  }
}

export interface SimSession {
  session_id: string
  client_token: string
  status: "incomplete" | "complete"
  created_at: string
  expires_at: string
  /** The session request (create + later updates merged). */
  data: Record<string, unknown>
  order_id?: string
}

export interface SimAuthorization {
  authorization_token: string
  session_id: string
  state: "active" | "used" | "cancelled"
  created_at: string
  order_id?: string
}
