/**
 * KlarnaSyncModuleService: the Medusa v2 face of the sync engine (registered as `klarnaSync`). What it does
 * is the core's PluginSync, the same as the v1 plugin's KlarnaSyncService; this class wires Medusa v2 into
 * it: the plugin's tables through the Knex connection Medusa gives every module, the options (validated
 * when Medusa constructs the module: a wrong option stops the boot with a message naming it, never echoing
 * a credential), the order source over query.graph and the reads of v2's own tables (src/medusa/v2-tables.ts).
 *
 * A module's container holds no `query`, so the order source cannot read orders until the first subscriber,
 * scheduled job or request hands the app's `query` over with attach() (idempotent); the worker starts then.
 * The payment provider, in the payment module's container, finds this service through
 * src/medusa/sync-registry.ts.
 */
import {
  PluginSync,
  SqlCallGateState,
  SqlSyncStore,
  knexSql,
  parseKlarnaOptions,
  type EventOutcome,
  type SqlPort,
} from "@klarna-order-sync/core"
import { QueryOrderSource, type QueryGraph } from "../../medusa/query-order-source"
import { registerSyncService } from "../../medusa/sync-registry"
import { V2Tables } from "../../medusa/v2-tables"

export { KlarnaPaymentPendingError, KlarnaRefundRefused } from "@klarna-order-sync/core"

/** The part of Knex the store uses (Medusa registers its Knex instance as __pg_connection__). */
type KnexConnection = Parameters<typeof knexSql>[0]

export interface MedusaV2Logger {
  debug(message: string): void
  info(message: string): void
  warn(message: string): void
  error(message: string, error?: unknown): void
}

type InjectedDependencies = {
  __pg_connection__: KnexConnection
  logger: MedusaV2Logger
}

/** What attach() needs from the app (subscribers, jobs and routes have it; a module does not). */
export interface AttachContext {
  query: QueryGraph
  /**
   * Marks Medusa's payment captured once Klarna holds the whole amount (Medusa's capture workflow, which
   * calls the provider's capturePayment: that finds nothing left to capture). Without it Medusa's payment
   * stays "authorized" until the merchant presses Capture.
   */
  markPaymentCaptured?: (paymentId: string) => Promise<void>
}

/**
 * The plugin's own options: Medusa v2 adds its database settings (`database`) to every module's options
 * (modules-sdk medusa-app.ts), which are not the plugin's to validate.
 */
function pluginOptionsOf(options: Record<string, unknown>): Record<string, unknown> {
  const { database: _database, ...pluginOptions } = options
  return pluginOptions
}

export default class KlarnaSyncModuleService extends PluginSync {
  private readonly sql: SqlPort
  private readonly tables_: V2Tables
  private readonly source: QueryOrderSource
  private attached: AttachContext | null = null

  constructor({ __pg_connection__, logger }: InjectedDependencies, options: Record<string, unknown> = {}) {
    const parsed = parseKlarnaOptions(pluginOptionsOf(options), "medusa-config.ts")
    const sql = knexSql(__pg_connection__)
    const tables = new V2Tables(sql, parsed)
    const source = new QueryOrderSource(parsed)
    // The engine calls back after construction, when attach() may have given the means to mark payments.
    const self: { service?: KlarnaSyncModuleService } = {}
    super({
      options: parsed,
      store: new SqlSyncStore(sql),
      orders: source,
      payments: {
        onFullyCaptured: (orderId) => markMedusaPaymentCaptured(tables, self.service?.attached ?? null, logger, orderId),
        claimOrphan: (cartId, klarnaOrderId, reason) => tables.claimOrphan(cartId, klarnaOrderId, reason),
      },
      reads: tables,
      logger,
      userAgentSuffix: "medusa/2",
      // Klarna's rate limit is per credentials, for all servers: their gates share pauses and pace here.
      gateState: new SqlCallGateState(sql),
    })
    this.sql = sql
    this.tables_ = tables
    this.source = source
    self.service = this
    registerSyncService(this)
  }

  /**
   * Hands the app's `query` to the order source and starts the worker (with its lost-event sweep). Called by
   * every subscriber, the interval job and the /admin and /store middleware; only the first call does work.
   */
  attach(context: AttachContext): void {
    if (this.attached) return
    this.attached = context
    this.source.attach(context.query)
    this.startWorker()
  }

  get isAttached(): boolean {
    return this.attached !== null
  }

  /** The app's query once attached (the payment provider reads the cart of a payment session with it). */
  get query(): QueryGraph | null {
    return this.attached?.query ?? null
  }

  /** order.placed: the order's Klarna order is recorded, and its checkout authorization is no orphan. */
  override async orderPlaced(orderId: string): Promise<EventOutcome> {
    const outcome = await super.orderPlaced(orderId)
    if (outcome.handled) await this.tables_.markOrdered(orderId)
    return outcome
  }

  /**
   * payment.refunded carries only the payment's id (not the refund's): the refunds of the payment's order
   * are planned from the order's state, one job per Medusa refund (job keys make a known one a no-op).
   */
  async paymentRefunded(paymentId: string): Promise<EventOutcome> {
    const orderId = await this.tables_.orderIdOfPayment(paymentId)
    if (!orderId) return { handled: false, reason: `payment ${paymentId} belongs to no order` }
    return this.converge(orderId)
  }

  /** The plugin's tables as db:migrate left them (the smoke test's check that migrations ran). */
  async tables(): Promise<string[]> {
    const rows = await this.sql.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'klarna_%' ORDER BY table_name`,
    )
    return rows.map((row) => row.table_name)
  }
}

/** Once Klarna holds the whole amount: Medusa's payment is marked captured too (when the app gave the means). */
async function markMedusaPaymentCaptured(
  tables: V2Tables,
  attached: AttachContext | null,
  logger: MedusaV2Logger,
  orderId: string,
): Promise<void> {
  const mark = attached?.markPaymentCaptured
  if (!mark) return
  const paymentId = await tables.uncapturedKlarnaPaymentOf(orderId)
  if (!paymentId) return
  try {
    await mark(paymentId)
  } catch (error) {
    logger.warn(`klarna-order-sync: could not mark the payment of order ${orderId} as captured in Medusa: ${(error as Error).message}`)
  }
}
