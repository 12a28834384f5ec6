/**
 * Captures: create, append shipping info, trigger send-out.
 * Error texts: verbatim Klarna where the notes quote one (marked "verbatim"), otherwise written
 * in the same "<what>. <operation> not possible." style.
 */
import { SimError, notAllowed, unprocessable } from "../errors"
import { newUuid } from "../ids"
import type { SimState } from "../state"
import type { SimCapture, SimOrder, WireOrderLine, WireShippingInfo } from "../types"
import { assertArithmetic } from "./arithmetic"
import { isExpired, remainingAuthorized, statusFromAmounts } from "./status"

export interface CaptureBody {
  captured_amount: number
  description?: string
  reference?: string
  order_lines?: WireOrderLine[]
  shipping_info?: WireShippingInfo[]
  shipping_delay?: number
}

const captureNotAllowed = (message: string): SimError => new SimError(403, "CAPTURE_NOT_ALLOWED", message)

export function createCapture(state: SimState, orderId: string, body: CaptureBody): SimCapture {
  const order = state.order(orderId)
  const now = state.clock.now()
  assertArithmetic(state, order, body.order_lines, body.captured_amount, "captured_amount")
  // The request schema allows 0, but a stored Capture has captured_amount minimum 1 (yml), so a
  // zero capture cannot exist at Klarna. Rejecting it surfaces "capture nothing" client bugs.
  if (body.captured_amount === 0) throw unprocessable(["The captured_amount value must be greater than 0"])

  if (order.status === "CANCELLED") throw captureNotAllowed(`Order ${orderId} is cancelled. Capture not possible.`)
  if (isExpired(order, now)) throw captureNotAllowed(`Order ${orderId} is expired. Capture not possible.`) // verbatim
  if (body.captured_amount > remainingAuthorized(order, now)) {
    throw captureNotAllowed("Captured amount is higher than the remaining authorized amount. Capture not possible.") // verbatim
  }

  const capture: SimCapture = {
    capture_id: newUuid(),
    // "<order ref>-<n>", n counting from 1 (view-and-change-orders doc: "20S0XXXX-1").
    klarna_reference: `${order.klarna_reference}-${order.captures.length + 1}`,
    captured_amount: body.captured_amount,
    captured_at: now.toISOString(),
    description: body.description,
    reference: body.reference,
    order_lines: body.order_lines ?? [],
    refunded_amount: 0,
    shipping_info: [...(body.shipping_info ?? [])],
    shipping_delay: body.shipping_delay,
    send_outs: 0,
  }
  order.captures.push(capture)
  order.captured_amount += capture.captured_amount
  order.status = statusFromAmounts(order)
  return capture
}

function findCapture(order: SimOrder, captureId: string): SimCapture | undefined {
  return order.captures.find((c) => c.capture_id === captureId)
}

/** Appends (never replaces): the operation is "appendShippingInfo", "Shipping information was appended" (yml). */
export function appendCaptureShippingInfo(state: SimState, orderId: string, captureId: string, infos: WireShippingInfo[]): void {
  const tail = `. Shipping info cannot be added to capture ${captureId}.`
  const order = state.order(orderId, tail) // verbatim doc sample
  if (order.captures.length === 0) throw notAllowed(`Order has no captures${tail}`)
  const capture = findCapture(order, captureId)
  if (!capture) throw new SimError(404, "NO_SUCH_CAPTURE", `Capture could not be found${tail}`) // verbatim (notes §3)
  capture.shipping_info.push(...infos)
}

export function triggerSendOut(state: SimState, orderId: string, captureId: string): void {
  const order = state.order(orderId, ".") // verbatim doc sample: "Order … cannot be found."
  if (order.captures.length === 0) throw notAllowed("Order has no captures. Send out not possible.")
  const capture = findCapture(order, captureId)
  if (!capture) throw new SimError(404, "NO_SUCH_CAPTURE", `Capture ${captureId} cannot be found.`)
  capture.send_outs += 1
}
