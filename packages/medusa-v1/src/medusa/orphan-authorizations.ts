/**
 * Klarna orders created at checkout whose Medusa cart never became an order: Medusa's side of
 * src/sync/authorizations.ts.
 *
 * Medusa v1 completes a cart in steps, each in its own transaction: the payment is authorized (our
 * processor creates the Klarna order, recorded in klarna_authorization) and committed, then the order
 * is created. When that second step fails (an item sold out meanwhile, a deadlock, a crash) the Klarna
 * order stays, with the shopper's money reserved, and Medusa never tells the processor (or, for a sold-out
 * item, calls cancelPayment, which cannot tell the cart failed from an order canceled).
 *
 * The race with a completion that is still under way (a retry that will succeed) is closed with one lock
 * per cart, taken both when Medusa inserts the order (transaction-guards.ts, inside Medusa's transaction)
 * and when an orphan is claimed for cancelling: whichever comes first wins, and the other sees its result.
 * A claimed orphan is marked `cancelling`, and no order is placed on it any more.
 */
import type { EntityManager } from "typeorm"
import { settleOrphanClaim, type OrphanCandidate, type OrphanVerdict } from "@klarna-order-sync/core"
import { NotAllowedError } from "./not-allowed-error"

/** Advisory lock class of "the order of one cart" (two-key form: class, hashtext(cart id)). */
const CART_LOCK_CLASS = 7_253_130

function lockCart(manager: EntityManager, cartId: string): Promise<unknown> {
  return manager.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [CART_LOCK_CLASS, cartId])
}

/** The Medusa order placed on the cart and paid with this Klarna order (the processor keeps its id in payment.data.order_id). */
const ORDER_PAID_WITH_SQL = `
  SELECT o.id FROM "order" o
    JOIN cart c ON c.id = o.cart_id
    JOIN payment p ON p.id = c.payment_id
   WHERE o.cart_id = $1 AND p.data->>'order_id' = $2
   LIMIT 1`

/**
 * Under the cart's lock: the order placed on the cart with this Klarna order (then not an orphan:
 * recorded as ordered), or none (then marked cancelling, with the reason).
 */
export function claimOrphanedCheckout(
  manager: EntityManager,
  cartId: string,
  klarnaOrderId: string,
  reason: string,
): Promise<OrphanVerdict> {
  return manager.transaction(async (tx) => {
    await lockCart(tx, cartId)
    const [order] = (await tx.query(ORDER_PAID_WITH_SQL, [cartId, klarnaOrderId])) as { id: string }[]
    return settleOrphanClaim((text, params) => tx.query(text, params) as Promise<unknown[]>, {
      checkoutId: cartId,
      klarnaOrderId,
      orderId: order?.id,
      reason,
    })
  })
}

/**
 * Inside Medusa's transaction, as it inserts the order of a cart: under the cart's lock, refuses an order
 * on a Klarna order that is being cancelled (or is cancelled) as an orphan, and otherwise records the
 * authorization as ordered (committed or rolled back with the order).
 */
export async function guardOrderInsert(manager: EntityManager, order: { id?: string; cart_id?: string | null } | undefined): Promise<void> {
  const cartId = order?.cart_id
  if (!cartId) return
  await lockCart(manager, cartId)
  const [authorization] = (await manager.query(
    `SELECT a.klarna_order_id, a.status, a.reason FROM klarna_authorization a
       JOIN cart c ON c.id = $1
       JOIN payment p ON p.id = c.payment_id
      WHERE a.klarna_order_id = p.data->>'order_id'`,
    [cartId],
  )) as { klarna_order_id: string; status: string; reason: string | null }[]
  if (!authorization) return // not paid with a Klarna order this plugin created
  if (authorization.status === "cancelling" || authorization.status === "cancelled") {
    throw new NotAllowedError(
      `The Klarna order ${authorization.klarna_order_id} of cart ${cartId} was cancelled because the checkout did not complete ` +
        `(${authorization.reason ?? "no order"}); the shopper needs to pay again (refresh the payment sessions)`,
    )
  }
  await manager.query(
    `UPDATE klarna_authorization SET status = 'ordered', platform_order_id = $2, updated_at = now()
      WHERE klarna_order_id = $1 AND status = 'authorized'`,
    [authorization.klarna_order_id, order?.id ?? null],
  )
}

export type { OrphanCandidate }

/**
 * Authorizations of a cart that are no order's payment: after a failed completion. The cancel job checks
 * again under the lock, so a completion running elsewhere at this moment is safe.
 */
export function unorderedAuthorizationsOf(manager: EntityManager, cartId: string): Promise<OrphanCandidate[]> {
  return manager.query(
    `SELECT a.checkout_id, a.klarna_order_id, a.currency FROM klarna_authorization a
      WHERE a.platform = 'medusa' AND a.checkout_id = $1 AND a.status = 'authorized'
        AND NOT EXISTS (${ORDER_PAID_WITH_SQL.replace("$1", "a.checkout_id").replace("$2", "a.klarna_order_id")})`,
    [cartId],
  ) as Promise<OrphanCandidate[]>
}

/** Authorizations older than the grace period that are no order's payment, and not being cancelled yet. */
export function orphansPastGrace(manager: EntityManager, graceMs: number, limit: number): Promise<OrphanCandidate[]> {
  return manager.query(
    `SELECT a.checkout_id, a.klarna_order_id, a.currency FROM klarna_authorization a
      WHERE a.platform = 'medusa' AND a.status = 'authorized' AND a.created_at < now() - make_interval(secs => $1::float8 / 1000)
        AND NOT EXISTS (${ORDER_PAID_WITH_SQL.replace("$1", "a.checkout_id").replace("$2", "a.klarna_order_id")})
      ORDER BY a.created_at
      LIMIT $2`,
    [graceMs, limit],
  ) as Promise<OrphanCandidate[]>
}
