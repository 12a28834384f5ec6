/**
 * @klarna-order-sync/core: what the platform packages (Medusa v1, Shopify) build on. Platform-free: the
 * Klarna client, the sync engine and worker, the order model they map their orders into, and the store.
 */
export * from "./klarna"
export { createOrderFromAuthorizationOperation } from "./klarna/operations/create-order-from-authorization"

export { SyncEngine } from "./sync/engine"
export type { EventOutcome, SyncEngineOptions } from "./sync/engine"
export { SyncWorker } from "./sync/worker"
export type { KlarnaOmProvider } from "./sync/klarna-port"
export type { JobRecord, OrderSource, SyncLogger, SyncableOrder } from "./sync/ports"
export type { FulfillmentSnapshot, GiftCardLine, ItemLine, RefundSnapshot, ShippingLine, TrackingSnapshot } from "./sync/order-model"
export type { CheckoutAuthorizationRecord, OrphanListing, OrphanVerdict } from "./sync/authorizations"
export { buildOrderView } from "./sync/order-view"
export type { KlarnaOrderView } from "./sync/order-view"
export { reconcileOrder } from "./sync/reconcile"
export type { ReconcileReport } from "./sync/reconcile"
export { idempotencyKeyFor } from "./sync/idempotency"
export { currencyDecimals } from "./sync/currency"
export { codePointLength, truncateText } from "./sync/order-lines/text"

export { TypeormSyncStore } from "./storage/typeorm-sync-store"
export { generateId } from "./utils/entity-id"
