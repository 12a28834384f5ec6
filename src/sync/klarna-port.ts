/**
 * The Klarna Order Management calls the engine makes. KlarnaClient (src/klarna) implements them; the
 * engine depends on this narrow shape so tests and benchmarks can swap the transport.
 */
import type { CaptureRequest, KlarnaShippingInfo, RefundRequest } from "../klarna/types"

export interface MutationOptions {
  idempotencyKey: string
}

export interface KlarnaOrderView {
  order_id: string
  status: string
  order_amount: number
  original_order_amount?: number
  captured_amount: number
  refunded_amount: number
  remaining_authorized_amount?: number
  klarna_reference?: string
  captures?: {
    capture_id: string
    captured_amount: number
    reference?: string
    klarna_reference?: string
    captured_at?: string
    order_lines?: CaptureRequest["order_lines"]
    shipping_info?: KlarnaShippingInfo[]
  }[]
  refunds?: { refund_id?: string; refunded_amount: number; reference?: string; refunded_at?: string; order_lines?: RefundRequest["order_lines"] }[]
}

export interface KlarnaOm {
  getOrder(orderId: string): Promise<KlarnaOrderView>
  createCapture(orderId: string, body: CaptureRequest, options: MutationOptions): Promise<{ captureId: string; location?: string }>
  appendShippingInfo(orderId: string, captureId: string, body: { shipping_info: KlarnaShippingInfo[] }, options: MutationOptions): Promise<void>
  triggerSendOut(orderId: string, captureId: string, options: MutationOptions): Promise<void>
  createRefund(orderId: string, body: RefundRequest, options: MutationOptions): Promise<{ refundId: string; location?: string }>
  releaseRemainingAuthorization(orderId: string, options: MutationOptions): Promise<void>
  cancelOrder(orderId: string, options: MutationOptions): Promise<void>
}

/** Picks the Klarna account for an order's currency. */
export interface KlarnaOmProvider {
  forCurrency(currency: string): KlarnaOm
}
