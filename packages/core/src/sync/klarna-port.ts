/**
 * The Klarna Order Management calls the engine makes: a slice of the client's KlarnaApi, so tests and
 * benchmarks can hand the engine any transport with the same shape.
 */
import type { KlarnaApi } from "../klarna/api"

export type KlarnaOm = Pick<
  KlarnaApi,
  | "getOrder"
  | "createCapture"
  | "appendCaptureShippingInfo"
  | "triggerSendOut"
  | "createRefund"
  | "releaseRemainingAuthorization"
  | "cancelOrder"
  | "updateMerchantReferences"
>

/** Picks the Klarna account for an order's currency. */
export interface KlarnaOmProvider {
  forCurrency(currency: string): KlarnaOm
}
