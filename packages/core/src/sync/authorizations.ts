/**
 * Klarna orders created at checkout, recorded with their checkout (a Medusa cart) until it becomes a
 * platform order. One whose checkout never does is an orphan: the shopper's money stays reserved until
 * Klarna's authorization expires, unless it is cancelled (actions/cancel-orphan.ts).
 */
import type { Platform } from "./ports"

/** authorized: no order yet; ordered; cancelling: no order may be placed on it any more; cancelled. */
export type AuthorizationStatus = "authorized" | "ordered" | "cancelling" | "cancelled"

export interface CheckoutAuthorizationRecord {
  id: string
  platform: Platform
  checkout_id: string
  klarna_order_id: string
  currency: string
  amount: number
  status: AuthorizationStatus
  platform_order_id: string | null
  reason: string | null
  cancelled_at: Date | null
  created_at: Date
  updated_at: Date
}

/** A recorded authorization with the state of its cancel job, if it has one (for the admin list). */
export interface OrphanListing extends CheckoutAuthorizationRecord {
  job_id: string | null
  job_state: string | null
  job_last_error: string | null
}

export interface CheckoutAuthorizationStore {
  /** Records a Klarna order created for a checkout (once per Klarna order). */
  recordAuthorization(
    authorization: Pick<CheckoutAuthorizationRecord, "platform" | "checkout_id" | "klarna_order_id" | "currency" | "amount">,
  ): Promise<void>
  findAuthorization(klarnaOrderId: string): Promise<CheckoutAuthorizationRecord | null>
  /** The Klarna order is cancelled: status cancelled, with the time. */
  markAuthorizationCancelled(klarnaOrderId: string): Promise<void>
  /** Authorizations that did not become an order (awaiting one, being cancelled, cancelled), newest first. */
  listOrphanAuthorizations(platform: Platform, limit: number): Promise<OrphanListing[]>
}

/** The platform's verdict, taken under the lock that the platform's order creation also takes. */
export type OrphanVerdict = { orphan: true } | { orphan: false; reason: string }
