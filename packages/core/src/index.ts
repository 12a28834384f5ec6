/**
 * @klarna-order-sync/core: what the platform packages (Medusa v1, Shopify) build on. Platform-free: the
 * Klarna client, the sync engine and worker, the order model they map their orders into, and the store.
 */
export * from "./klarna"

export { SyncEngine } from "./sync/engine"
export type { EventOutcome, SyncEngineOptions } from "./sync/engine"
export { SyncWorker } from "./sync/worker"
export { workerCapacity } from "./sync/capacity"
export type { KlarnaOmProvider } from "./sync/klarna-port"
export type { JobRecord, OrderSource, SyncLogger, SyncableOrder } from "./sync/ports"
export type {
  OrderSnapshot,
  FulfillmentSnapshot,
  GiftCardLine,
  ItemLine,
  RefundSnapshot,
  ShippingLine,
  TrackingSnapshot,
} from "./sync/order-model"
export type { CheckoutAuthorizationRecord, OrphanListing, OrphanVerdict } from "./sync/authorizations"
export { buildOrderView } from "./sync/order-view"
export type { KlarnaOrderView } from "./sync/order-view"
export { reconcileOrder } from "./sync/reconcile"
export type { ReconcileReport } from "./sync/reconcile"
export { idempotencyKeyFor } from "./sync/idempotency"
export { currencyDecimals } from "./sync/currency"
export { MoneyError, divRoundHalfAwayFromZero, floorDivBig, toSafeNumber } from "./sync/money"
export { codePointLength, truncateText } from "./sync/order-lines/text"

export { SqlSyncStore } from "./storage/sql-sync-store"
export type { SqlPort } from "./storage/sql-port"
export { typeormSql } from "./storage/typeorm-sql"
export { pgSql } from "./storage/pg-sql"
export { knexSql } from "./storage/knex-sql"
export { SqlCallGateState } from "./storage/sql-call-gate-state"
export { generateId } from "./utils/entity-id"
export { runSqlMigrations, runStatements } from "./storage/sql-migrations"
export type { SqlMigration } from "./storage/sql-migrations"
export {
  CORE_MIGRATIONS,
  KLARNA_CHECKOUT_AUTHORIZATIONS,
  KLARNA_ORDER_MERCHANT_REFERENCES,
  KLARNA_RATE_STATE,
  KLARNA_SYNC_JOB_RUNNING_INDEX,
  KLARNA_SYNC_TABLES,
  RUNNING_JOB_PER_QUEUE_INDEX,
} from "./storage/schema"

// The order-line rules, for a platform that maps its cart to Klarna Payments requests (Medusa's processor).
export {
  checkoutCountry,
  checkoutOrderLines,
  klarnaAddress,
  klarnaLocale,
  paymentsOrderRequest,
  paymentsSessionRequest,
  klarnaSessionData,
} from "./sync/order-lines/payments-request"
export type { CheckoutForKlarna, PostalAddressFields } from "./sync/order-lines/payments-request"
export { taxIncluded } from "./sync/order-lines/tax"
export { allocateOrder } from "./sync/order-lines/order-allocation"
export { captureLines, combineParts } from "./sync/order-lines/capture-lines"
export { planRemainingCapture } from "./sync/plan-remaining"
export { refundPaysForReturnedItems } from "./sync/order-lines/refund-lines"

// The merchant's admin API (/admin/klarna/...), one behaviour for every Medusa plugin.
export {
  malformedIdReason,
  malformedPathReason,
  orderViewAnswer,
  orphansAnswer,
  reconcileAnswer,
  refundAnswer,
  releaseAnswer,
  retryJobAnswer,
  sendOutAnswer,
} from "./sync/admin-api"
export type { AdminAnswer, KlarnaAdminService } from "./sync/admin-api"

// The plugin options every platform package takes (schema, parsing, defaults) and its Klarna clients.
export * from "./config"
export { refundRefusal } from "./sync/refund-headroom"
export type { RefundHeadroom } from "./sync/refund-headroom"

// A Medusa plugin's sync service over the core (v1's and v2's are thin faces of it).
export * from "./plugin"
