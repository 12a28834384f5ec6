/**
 * The core's tables (mappings, outbox, audit log, checkout authorizations), as the SQL every platform
 * applies: the Medusa plugin through its TypeORM migration classes (src/migrations), the Shopify server
 * and tests through runSqlMigrations (sql-migrations.ts). Append new migrations; never edit an applied one.
 */
import type { SqlMigration } from "./sql-migrations"

/**
 * The mapping and audit tables of klarna-order-sync. One set of tables for every platform
 * (`platform` = medusa | shopify). Unique constraints carry the exactly-once guarantees:
 * one Klarna order per platform order, one capture per fulfillment, one Klarna refund per
 * platform refund, one outbox job per job key.
 */
export const KLARNA_SYNC_TABLES: SqlMigration = {
  name: "KlarnaSyncTables1764000000000",
  up: [
    `
      CREATE TABLE "klarna_order" (
        "id" character varying NOT NULL,
        "platform" character varying NOT NULL DEFAULT 'medusa',
        "platform_order_id" character varying NOT NULL,
        "klarna_order_id" character varying NOT NULL,
        "klarna_reference" character varying,
        "currency" character varying(3) NOT NULL,
        "authorized_amount" integer NOT NULL,
        "captured_amount" integer NOT NULL DEFAULT 0,
        "refunded_amount" integer NOT NULL DEFAULT 0,
        "released_amount" integer NOT NULL DEFAULT 0,
        "status" character varying NOT NULL DEFAULT 'AUTHORIZED',
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_klarna_order" PRIMARY KEY ("id"),
        CONSTRAINT "UQ_klarna_order_platform_order" UNIQUE ("platform", "platform_order_id")
      )`,
    `CREATE INDEX "IDX_klarna_order_klarna_order_id" ON "klarna_order" ("klarna_order_id")`,
    `
      CREATE TABLE "klarna_capture" (
        "id" character varying NOT NULL,
        "platform" character varying NOT NULL DEFAULT 'medusa',
        "platform_order_id" character varying NOT NULL,
        "klarna_order_id" character varying NOT NULL,
        "source_type" character varying NOT NULL,
        "source_id" character varying NOT NULL,
        "capture_id" character varying,
        "klarna_reference" character varying,
        "captured_amount" integer NOT NULL,
        "order_lines" jsonb NOT NULL DEFAULT '[]',
        "shipping_info" jsonb NOT NULL DEFAULT '[]',
        "status" character varying NOT NULL DEFAULT 'pending',
        "idempotency_key" character varying NOT NULL,
        "captured_at" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_klarna_capture" PRIMARY KEY ("id"),
        CONSTRAINT "UQ_klarna_capture_source" UNIQUE ("platform", "source_id"),
        CONSTRAINT "UQ_klarna_capture_capture_id" UNIQUE ("klarna_order_id", "capture_id")
      )`,
    `CREATE INDEX "IDX_klarna_capture_order" ON "klarna_capture" ("platform", "platform_order_id")`,
    `
      CREATE TABLE "klarna_refund" (
        "id" character varying NOT NULL,
        "platform" character varying NOT NULL DEFAULT 'medusa',
        "platform_order_id" character varying NOT NULL,
        "klarna_order_id" character varying NOT NULL,
        "platform_refund_id" character varying NOT NULL,
        "refund_id" character varying,
        "refunded_amount" integer NOT NULL,
        "order_lines" jsonb NOT NULL DEFAULT '[]',
        "status" character varying NOT NULL DEFAULT 'pending',
        "idempotency_key" character varying NOT NULL,
        "refunded_at" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_klarna_refund" PRIMARY KEY ("id"),
        CONSTRAINT "UQ_klarna_refund_source" UNIQUE ("platform", "platform_refund_id")
      )`,
    `CREATE INDEX "IDX_klarna_refund_order" ON "klarna_refund" ("platform", "platform_order_id")`,
    // The outbox. One row per intended Klarna operation; `job_key` makes a duplicate intent a no-op.
    `
      CREATE TABLE "klarna_sync_job" (
        "id" character varying NOT NULL,
        "platform" character varying NOT NULL DEFAULT 'medusa',
        "platform_order_id" character varying NOT NULL,
        "queue_key" character varying NOT NULL,
        "job_key" character varying NOT NULL,
        "operation" character varying NOT NULL,
        "idempotency_key" character varying NOT NULL,
        "payload" jsonb NOT NULL DEFAULT '{}',
        "request" jsonb,
        "result" jsonb,
        "state" character varying NOT NULL DEFAULT 'pending',
        "attempts" integer NOT NULL DEFAULT 0,
        "max_attempts" integer NOT NULL DEFAULT 8,
        "run_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "locked_at" TIMESTAMP WITH TIME ZONE,
        "locked_by" character varying,
        "last_http_status" integer,
        "last_error_code" character varying,
        "last_error_messages" jsonb,
        "last_correlation_id" character varying,
        "last_error" text,
        "finished_at" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_klarna_sync_job" PRIMARY KEY ("id"),
        CONSTRAINT "UQ_klarna_sync_job_key" UNIQUE ("job_key"),
        CONSTRAINT "CHK_klarna_sync_job_state" CHECK ("state" IN ('pending', 'running', 'succeeded', 'failed', 'skipped'))
      )`,
    `CREATE INDEX "IDX_klarna_sync_job_due" ON "klarna_sync_job" ("state", "run_at")`,
    `CREATE INDEX "IDX_klarna_sync_job_order" ON "klarna_sync_job" ("platform", "platform_order_id")`,
    `CREATE INDEX "IDX_klarna_sync_job_queue" ON "klarna_sync_job" ("queue_key", "state")`,
    // The audit log: one row per execution of a job (each HTTP-level retry inside the client is part of it).
    `
      CREATE TABLE "klarna_sync_attempt" (
        "id" character varying NOT NULL,
        "job_id" character varying NOT NULL,
        "attempt" integer NOT NULL,
        "operation" character varying NOT NULL,
        "idempotency_key" character varying NOT NULL,
        "worker_id" character varying NOT NULL,
        "request_summary" jsonb,
        "outcome" character varying NOT NULL,
        "http_status" integer,
        "error_code" character varying,
        "error_messages" jsonb,
        "correlation_id" character varying,
        "error" text,
        "duration_ms" integer NOT NULL DEFAULT 0,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_klarna_sync_attempt" PRIMARY KEY ("id"),
        CONSTRAINT "FK_klarna_sync_attempt_job" FOREIGN KEY ("job_id") REFERENCES "klarna_sync_job"("id") ON DELETE CASCADE
      )`,
    `CREATE INDEX "IDX_klarna_sync_attempt_job" ON "klarna_sync_attempt" ("job_id")`,
    // Webhook deliveries already accepted (Shopify's X-Shopify-Webhook-Id): a redelivery is a no-op.
    `
      CREATE TABLE "klarna_webhook_receipt" (
        "id" character varying NOT NULL,
        "platform" character varying NOT NULL,
        "topic" character varying NOT NULL,
        "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_klarna_webhook_receipt" PRIMARY KEY ("platform", "id")
      )`,
  ],
  down: [
    `DROP TABLE "klarna_webhook_receipt"`,
    `DROP TABLE "klarna_sync_attempt"`,
    `DROP TABLE "klarna_sync_job"`,
    `DROP TABLE "klarna_refund"`,
    `DROP TABLE "klarna_capture"`,
    `DROP TABLE "klarna_order"`,
  ],
}

/**
 * Every Klarna order the payment processor creates at checkout, with its cart: a Klarna order whose cart
 * never becomes a platform order (the completion failed after the authorization, or the server died) is
 * cancelled from here, so the shopper's money is not held until the authorization expires.
 * status: authorized (no order yet) | ordered | cancelling (no order may be placed on it any more) | cancelled.
 */
export const KLARNA_CHECKOUT_AUTHORIZATIONS: SqlMigration = {
  name: "KlarnaCheckoutAuthorizations1764200000000",
  up: [
    `
      CREATE TABLE "klarna_authorization" (
        "id" character varying NOT NULL,
        "platform" character varying NOT NULL DEFAULT 'medusa',
        "checkout_id" character varying NOT NULL,
        "klarna_order_id" character varying NOT NULL,
        "currency" character varying NOT NULL,
        "amount" integer NOT NULL,
        "status" character varying NOT NULL DEFAULT 'authorized',
        "platform_order_id" character varying,
        "reason" text,
        "cancelled_at" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_klarna_authorization" PRIMARY KEY ("id"),
        CONSTRAINT "UQ_klarna_authorization_klarna_order" UNIQUE ("klarna_order_id"),
        CONSTRAINT "CHK_klarna_authorization_status" CHECK ("status" IN ('authorized', 'ordered', 'cancelling', 'cancelled'))
      )`,
    `CREATE INDEX "IDX_klarna_authorization_checkout" ON "klarna_authorization" ("platform", "checkout_id")`,
    `CREATE INDEX "IDX_klarna_authorization_open" ON "klarna_authorization" ("created_at") WHERE "status" IN ('authorized', 'cancelling')`,
  ],
  down: [`DROP TABLE "klarna_authorization"`],
}

/**
 * The merchant references the engine set on each Klarna order (the platform's order number and id), so
 * a sweep knows which orders Klarna does not know by the store's number yet, and the admin shows them.
 */
export const KLARNA_ORDER_MERCHANT_REFERENCES: SqlMigration = {
  name: "KlarnaOrderMerchantReferences1764300000000",
  up: [
    `ALTER TABLE "klarna_order" ADD COLUMN IF NOT EXISTS "merchant_reference1" character varying`,
    `ALTER TABLE "klarna_order" ADD COLUMN IF NOT EXISTS "merchant_reference2" character varying`,
  ],
  down: [
    `ALTER TABLE "klarna_order" DROP COLUMN IF EXISTS "merchant_reference2"`,
    `ALTER TABLE "klarna_order" DROP COLUMN IF EXISTS "merchant_reference1"`,
  ],
}

/**
 * What the call gates of one set of Klarna credentials share across servers (klarna/call-gate-sharing.ts,
 * storage/sql-call-gate-state.ts): the end of a 429's pause, the limit Klarna announced, and the servers busy
 * on them (jsonb: server id -> calls sent in the last second, backlogged, when it last reported). Keyed by a
 * SHA-256 of the API username and host: no credentials in clear. IF NOT EXISTS: Medusa v2's first migration
 * applies every core migration, its later file this one again.
 */
export const KLARNA_RATE_STATE: SqlMigration = {
  name: "KlarnaRateState1764400000000",
  up: [
    `
      CREATE TABLE IF NOT EXISTS "klarna_rate_state" (
        "credentials_key" character varying NOT NULL,
        "limit_per_s" double precision,
        "paused_until" TIMESTAMP WITH TIME ZONE,
        "servers" jsonb NOT NULL DEFAULT '{}',
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_klarna_rate_state" PRIMARY KEY ("credentials_key")
      )`,
  ],
  down: [`DROP TABLE IF EXISTS "klarna_rate_state"`],
}

/** The partial unique index that makes a second running job of one order impossible (see below). */
export const RUNNING_JOB_PER_QUEUE_INDEX = "UQ_klarna_sync_job_running_queue"

/**
 * At most one running job per queue (per platform order), by construction: the claim (SqlSyncStore.claimJobs)
 * is then one statement without a transaction or a global lock, and two servers that both saw an order
 * free cannot both start one of its jobs: the second one's UPDATE fails on this index and it claims again.
 *
 * Existing data may break the rule: the old claim took a pending job of an order whose running job had an
 * expired lease (its worker died), leaving two running. The table is locked against claims first (an old
 * server still claiming during the upgrade cannot add a pair between the fix and the index); every running
 * job of a queue but the one locked last goes back to pending, due now. Its attempt stays counted, and its
 * request stays frozen: its next run resends exactly that under the same idempotency key (exactly-once).
 * Idempotent (IF NOT EXISTS), so a platform whose first migration already ran CORE_MIGRATIONS can apply it again.
 */
export const KLARNA_SYNC_JOB_RUNNING_INDEX: SqlMigration = {
  name: "KlarnaSyncJobRunningIndex1764500000000",
  up: [
    `LOCK TABLE "klarna_sync_job" IN SHARE ROW EXCLUSIVE MODE`,
    `
      UPDATE "klarna_sync_job" j
         SET "state" = 'pending', "run_at" = now(), "locked_at" = NULL, "updated_at" = now(),
             "last_error" = 'Another job of this order was running too: set back to pending when one running job per order became a rule'
        FROM (
          SELECT "id", row_number() OVER (PARTITION BY "queue_key" ORDER BY "locked_at" DESC NULLS LAST, "id") AS "rank"
            FROM "klarna_sync_job" WHERE "state" = 'running') ranked
       WHERE j."id" = ranked."id" AND ranked."rank" > 1`,
    `CREATE UNIQUE INDEX IF NOT EXISTS "${RUNNING_JOB_PER_QUEUE_INDEX}" ON "klarna_sync_job" ("queue_key") WHERE "state" = 'running'`,
  ],
  down: [`DROP INDEX IF EXISTS "${RUNNING_JOB_PER_QUEUE_INDEX}"`],
}

/** Every core table, in the order they are applied. */
export const CORE_MIGRATIONS: readonly SqlMigration[] = [
  KLARNA_SYNC_TABLES,
  KLARNA_CHECKOUT_AUTHORIZATIONS,
  KLARNA_ORDER_MERCHANT_REFERENCES,
  KLARNA_RATE_STATE,
  KLARNA_SYNC_JOB_RUNNING_INDEX,
]
