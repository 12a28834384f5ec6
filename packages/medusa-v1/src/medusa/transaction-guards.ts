/**
 * Checks that must run inside Medusa's own transactions, hooked in as a TypeORM subscriber on Medusa's
 * data source (installed by the plugin's loader).
 *
 * A payment processor never sees Medusa's transaction (Medusa calls refundPayment with payment.data
 * only), so a check there reads committed rows: two refunds at the same moment each see the other's as
 * not yet there, and both pass. Here the check runs when Medusa inserts the refund row, in the same
 * transaction, after a per-order advisory lock that the transaction holds until it commits or rolls back:
 * the second refund waits, then sees the first one, on this server or any other on the database.
 * The same way, an order insert takes its cart's lock and refuses a Klarna order being cancelled as an orphan.
 */
import type { DataSource, EntityManager, EntitySubscriberInterface, InsertEvent } from "typeorm"
import { NotAllowedError } from "./not-allowed-error"
import { guardOrderInsert } from "./orphan-authorizations"
import { refundHeadroom, refundRefusal } from "./refund-headroom"

/** Advisory lock class of "refunds of one order" (two-key form: class, hashtext(order id)). */
const REFUND_LOCK_CLASS = 7_253_120

/** Refuses, inside Medusa's transaction, a refund row that would take the order above what Klarna can refund. */
export async function guardRefundInsert(
  manager: EntityManager,
  refund: { order_id?: string | null; amount?: number } | undefined,
): Promise<void> {
  const orderId = refund?.order_id
  const amount = Number(refund?.amount)
  if (!orderId || !Number.isFinite(amount) || amount <= 0) return
  await manager.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [REFUND_LOCK_CLASS, orderId])
  const headroom = await refundHeadroom(manager, orderId)
  if (!headroom) return // not a Klarna order the plugin syncs
  const refusal = refundRefusal(headroom, amount)
  if (refusal) throw new NotAllowedError(refusal)
}

export class KlarnaTransactionGuards implements EntitySubscriberInterface {
  async beforeInsert(event: InsertEvent<Record<string, unknown>>): Promise<void> {
    const table = event.metadata.tableName
    if (table === "refund") await guardRefundInsert(event.manager, event.entity as { order_id?: string; amount?: number })
    // No order on a Klarna order that is being cancelled as an orphan (orphan-authorizations.ts).
    else if (table === "order") await guardOrderInsert(event.manager, event.entity as { id?: string; cart_id?: string })
  }
}

/** Adds the guards to Medusa's data source (once). */
export function installTransactionGuards(dataSource: DataSource): void {
  if (dataSource.subscribers.some((subscriber) => subscriber instanceof KlarnaTransactionGuards)) return
  dataSource.subscribers.push(new KlarnaTransactionGuards())
}
