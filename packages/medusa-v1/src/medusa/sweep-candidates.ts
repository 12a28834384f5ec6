/**
 * The orders the lost-event sweep converges: Klarna-paid Medusa orders whose state changed since the
 * previous sweep looked. Only candidates: which jobs an order needs is the planner's to decide
 * (src/sync/required-jobs.ts, through engine.converge), so no job key and no capture or release rule is
 * written here.
 *
 * An order's last change is the latest of its own row, its fulfillments (created, shipped, canceled),
 * their tracking links, its refunds and returns, its Klarna mapping and its outbox jobs (the query and the
 * paging are the core's: plugin/sweep-query.ts).
 */
import type { EntityManager } from "typeorm"
import { sweepPage, type SweepPage, type SweepPosition, type SweepSource } from "@klarna-order-sync/core"

export type { SweepPage, SweepPosition }

/** Medusa v1's Klarna-paid orders ($1: the Klarna provider ids) and where their changes are. */
function v1Source(providerIds: string[]): SweepSource {
  return {
    klarnaPaidOrders: `SELECT o.id, o.created_at, o.updated_at, o.canceled_at FROM "order" o
      WHERE EXISTS (SELECT 1 FROM payment p WHERE p.order_id = o.id AND p.provider_id = ANY($1::text[]))`,
    orderChanges: [
      `SELECT max(GREATEST(f.created_at, f.updated_at, f.shipped_at, f.canceled_at)) FROM fulfillment f WHERE f.order_id = c.id`,
      `SELECT max(GREATEST(t.created_at, t.updated_at)) FROM tracking_link t JOIN fulfillment f ON f.id = t.fulfillment_id WHERE f.order_id = c.id`,
      `SELECT max(GREATEST(r.created_at, r.updated_at)) FROM refund r WHERE r.order_id = c.id`,
      `SELECT max(GREATEST(ret.created_at, ret.updated_at)) FROM "return" ret WHERE ret.order_id = c.id`,
    ],
    params: [providerIds],
  }
}

export function sweepCandidates(
  manager: Pick<EntityManager, "query">,
  query: { providerIds: string[]; after: SweepPosition | null; graceMs: number; limit: number },
): Promise<SweepPage> {
  return sweepPage((text, params) => manager.query(text, params) as Promise<unknown[]>, v1Source(query.providerIds), query)
}
