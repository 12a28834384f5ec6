/**
 * The orders the lost-event sweep converges: Klarna-paid Medusa orders whose state changed since the
 * previous sweep looked. Only candidates: which jobs an order needs is the planner's to decide
 * (src/sync/required-jobs.ts, through engine.converge), so no job key and no capture or release rule is
 * written here.
 *
 * An order's last change is the latest of its own row, its fulfillments (created, shipped, canceled),
 * their tracking links, its refunds and returns, its Klarna mapping and its outbox jobs. What changed less
 * than the grace ago is left to its event (Medusa pumps events every few seconds), and picked up by a
 * later sweep once it is older. The sweeps walk forward through these changes (ordered by the change, then
 * the order id), so each change is looked at once, and a busy store is caught up on in pages.
 */
import type { EntityManager } from "typeorm"

/**
 * Where the next sweep continues: after this change (and order id, for changes at the same instant).
 * `changedAt` is PostgreSQL's own text of the timestamp: a JavaScript Date would lose its microseconds.
 */
export interface SweepPosition {
  changedAt: string
  orderId: string
}

export interface SweepPage {
  orderIds: string[]
  /** Where the sweep after this one continues. */
  next: SweepPosition
}

/**
 * A server that starts without a position looks back this far before the outbox's latest activity: events
 * lost when the previous server stopped (killed between the bus's dispatch and our subscriber) are older
 * than that activity by at most the time Medusa's bus holds an event.
 */
const START_LOOKBACK = "1 hour"

/** $1 Klarna provider ids, $2/$3 the position (null: start), $4 grace, $5 limit. */
const CANDIDATES_SQL = `
  WITH klarna_paid AS (
    SELECT o.id, o.created_at, o.updated_at, o.canceled_at FROM "order" o
     WHERE EXISTS (SELECT 1 FROM payment p WHERE p.order_id = o.id AND p.provider_id = ANY($1::text[]))
       -- Seen by the plugin, or placed since it first saw an order (older orders are not the plugin's).
       AND (EXISTS (SELECT 1 FROM klarna_order k WHERE k.platform = 'medusa' AND k.platform_order_id = o.id)
            OR o.created_at >= (SELECT min(k.created_at) FROM klarna_order k WHERE k.platform = 'medusa'))
  ), changed AS (
    SELECT c.id, GREATEST(
             c.created_at, c.updated_at, c.canceled_at,
             (SELECT max(GREATEST(f.created_at, f.updated_at, f.shipped_at, f.canceled_at)) FROM fulfillment f WHERE f.order_id = c.id),
             (SELECT max(GREATEST(t.created_at, t.updated_at)) FROM tracking_link t JOIN fulfillment f ON f.id = t.fulfillment_id WHERE f.order_id = c.id),
             (SELECT max(GREATEST(r.created_at, r.updated_at)) FROM refund r WHERE r.order_id = c.id),
             (SELECT max(GREATEST(ret.created_at, ret.updated_at)) FROM "return" ret WHERE ret.order_id = c.id),
             (SELECT max(k.updated_at) FROM klarna_order k WHERE k.platform = 'medusa' AND k.platform_order_id = c.id),
             (SELECT max(j.updated_at) FROM klarna_sync_job j WHERE j.platform = 'medusa' AND j.platform_order_id = c.id)
           ) AS changed_at
      FROM klarna_paid c
  ), since AS (
    SELECT COALESCE($2::timestamptz,
                    (SELECT max(j.updated_at) FROM klarna_sync_job j WHERE j.platform = 'medusa') - '${START_LOOKBACK}'::interval,
                    '-infinity'::timestamptz) AS changed_at,
           COALESCE($3::text, '') AS order_id
  )
  SELECT changed.id, changed.changed_at::text AS changed_at, (now() - $4::interval)::text AS settled_before
    FROM changed, since
   WHERE changed.changed_at < now() - $4::interval
     AND (changed.changed_at, changed.id) > (since.changed_at, since.order_id)
   ORDER BY changed.changed_at, changed.id
   LIMIT $5`

export async function sweepCandidates(
  manager: Pick<EntityManager, "query">,
  query: { providerIds: string[]; after: SweepPosition | null; graceMs: number; limit: number },
): Promise<SweepPage> {
  const rows = (await manager.query(CANDIDATES_SQL, [
    query.providerIds,
    query.after?.changedAt ?? null,
    query.after?.orderId ?? null,
    `${query.graceMs} milliseconds`,
    query.limit,
  ])) as { id: string; changed_at: string; settled_before: string }[]
  const last = rows[rows.length - 1]
  // A full page: the next sweep goes on after its last order. Otherwise everything that settled was seen.
  const next =
    last && rows.length >= query.limit
      ? { changedAt: last.changed_at, orderId: last.id }
      : { changedAt: last?.settled_before ?? (await settledBefore(manager, query.graceMs)), orderId: "" }
  return { orderIds: rows.map((row) => row.id), next }
}

/** The database's "now - grace" (its clock stamps the changes, not this process's). */
async function settledBefore(manager: Pick<EntityManager, "query">, graceMs: number): Promise<string> {
  const [row] = (await manager.query(`SELECT (now() - $1::interval)::text AS settled_before`, [`${graceMs} milliseconds`])) as {
    settled_before: string
  }[]
  return row.settled_before
}
