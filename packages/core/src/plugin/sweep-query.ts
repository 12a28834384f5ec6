/**
 * The lost-event sweep's candidates (PlatformReads.sweepCandidates): Klarna-paid orders whose state changed
 * since the previous sweep looked. Only candidates: which jobs an order needs is the planner's to decide
 * (sync/required-jobs.ts, through engine.converge), so no job key and no capture or release rule is here.
 *
 * The platform says which orders are Klarna-paid and where their changes are (its fulfillments, tracking,
 * refunds, returns: its own tables); this adds the plugin's own (the mapping row, the outbox jobs), keeps
 * orders the plugin has seen or that were placed since it first saw one (older orders are not the
 * plugin's), and pages. What changed less than the grace ago is left to its event and picked up by a later
 * sweep once older. The sweeps walk forward through the changes (ordered by the change, then the order id),
 * so each change is looked at once, and a busy store is caught up on in pages.
 */
import type { SweepPage, SweepPosition } from "./plugin-sync"

/** The platform's part of the query. */
export interface SweepSource {
  /** SELECT id, created_at, updated_at, canceled_at FROM the platform's Klarna-paid orders (with `o.` columns). */
  klarnaPaidOrders: string
  /** Correlated subqueries on `c.id` (the order): the latest change of each of the order's parts. */
  orderChanges: string[]
  /** The values of $1…$n in the two above. */
  params: unknown[]
}

/** Runs one statement ($1…$n placeholders) and returns its rows. */
export type RunSql = (text: string, params: unknown[]) => Promise<unknown[]>

/**
 * A server that starts without a position looks back this far before the outbox's latest activity: events
 * lost when the previous server stopped (killed between the bus's dispatch and our subscriber) are older
 * than that activity by at most the time a bus holds an event.
 */
const START_LOOKBACK = "1 hour"

function candidatesSql(source: SweepSource): string {
  const n = source.params.length
  const [position, orderId, grace, limit] = [n + 1, n + 2, n + 3, n + 4].map((i) => `$${i}`)
  return `
  WITH klarna_paid AS (
    SELECT paid.* FROM (${source.klarnaPaidOrders}) paid
     -- Seen by the plugin, or placed since it first saw an order (older orders are not the plugin's).
     WHERE EXISTS (SELECT 1 FROM klarna_order k WHERE k.platform = 'medusa' AND k.platform_order_id = paid.id)
        OR paid.created_at >= (SELECT min(k.created_at) FROM klarna_order k WHERE k.platform = 'medusa')
  ), changed AS (
    SELECT c.id, GREATEST(
             c.created_at, c.updated_at, c.canceled_at,
             ${source.orderChanges.map((change) => `(${change}),`).join("\n             ")}
             (SELECT max(k.updated_at) FROM klarna_order k WHERE k.platform = 'medusa' AND k.platform_order_id = c.id),
             (SELECT max(j.updated_at) FROM klarna_sync_job j WHERE j.platform = 'medusa' AND j.platform_order_id = c.id)
           ) AS changed_at
      FROM klarna_paid c
  ), since AS (
    SELECT COALESCE(${position}::timestamptz,
                    (SELECT max(j.updated_at) FROM klarna_sync_job j WHERE j.platform = 'medusa') - '${START_LOOKBACK}'::interval,
                    '-infinity'::timestamptz) AS changed_at,
           COALESCE(${orderId}::text, '') AS order_id
  )
  SELECT changed.id, changed.changed_at::text AS changed_at, (now() - ${grace}::interval)::text AS settled_before
    FROM changed, since
   WHERE changed.changed_at < now() - ${grace}::interval
     AND (changed.changed_at, changed.id) > (since.changed_at, since.order_id)
   ORDER BY changed.changed_at, changed.id
   LIMIT ${limit}`
}

export async function sweepPage(
  run: RunSql,
  source: SweepSource,
  query: { after: SweepPosition | null; graceMs: number; limit: number },
): Promise<SweepPage> {
  const grace = `${query.graceMs} milliseconds`
  const rows = (await run(candidatesSql(source), [
    ...source.params,
    query.after?.changedAt ?? null,
    query.after?.orderId ?? null,
    grace,
    query.limit,
  ])) as { id: string; changed_at: string; settled_before: string }[]
  const last = rows[rows.length - 1]
  // A full page: the next sweep goes on after its last order. Otherwise everything that settled was seen.
  if (last && rows.length >= query.limit)
    return { orderIds: rows.map((row) => row.id), next: { changedAt: last.changed_at, orderId: last.id } }
  // The database's "now - grace" (its clock stamps the changes, not this process's).
  const settled =
    last?.settled_before ??
    ((await run(`SELECT (now() - $1::interval)::text AS settled_before`, [grace])) as { settled_before: string }[])[0].settled_before
  return { orderIds: rows.map((row) => row.id), next: { changedAt: settled, orderId: "" } }
}
