/**
 * `update_references`: tells Klarna the platform's own order number and id, so the merchant finds the
 * order in Klarna's portal (and on the customer's receipt) by the number they know. The Klarna order is
 * created at authorization, before the platform order and its number exist; this runs once the order is
 * placed. merchant_reference1 = the display number (Medusa's display_id), merchant_reference2 = the
 * platform order id. What was sent is stored on the mapping, which is how converge knows it is done.
 */
import type { UpdateMerchantReferencesRequest } from "../../klarna/types"
import type { SyncableOrder } from "../ports"
import { alreadyDone, skipped, type Action } from "./action"

/** Klarna's limit for each merchant reference. */
const MAX_REFERENCE = 255

/** A reference that fits, else "" (left empty rather than cut: a cut id would name another order). */
const fitting = (value: string | undefined): string => {
  const trimmed = value?.trim() ?? ""
  return trimmed.length <= MAX_REFERENCE ? trimmed : ""
}

/** The references Klarna should hold for the order. */
export function merchantReferencesFor(order: Pick<SyncableOrder, "displayId" | "orderId">): Required<UpdateMerchantReferencesRequest> {
  return { merchant_reference1: fitting(order.displayId), merchant_reference2: fitting(order.orderId) }
}

export const updateReferences: Action = async (context) => {
  const { klarnaOrder, order, job } = context
  const wanted = merchantReferencesFor(order)
  if (klarnaOrder.merchant_reference1 === wanted.merchant_reference1 && klarnaOrder.merchant_reference2 === wanted.merchant_reference2) {
    return alreadyDone("Klarna already has the order's references")
  }
  // Klarna refuses to change a cancelled order; nothing the merchant can do about it.
  if (klarnaOrder.status === "CANCELLED") return skipped("the Klarna order is cancelled")
  const request = await context.freezeRequest(() => wanted)
  await context.klarna.updateMerchantReferences(klarnaOrder.klarna_order_id, request, { idempotencyKey: job.idempotency_key })
  await context.store.updateMapping(klarnaOrder.id, {
    merchant_reference1: request.merchant_reference1,
    merchant_reference2: request.merchant_reference2,
  })
  return { kind: "succeeded", result: { ...request } }
}
