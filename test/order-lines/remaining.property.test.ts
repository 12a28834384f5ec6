/**
 * Properties of planRemainingCapture: fulfillment captures + the remaining capture always reach the
 * order's capturable total exactly, whatever was captured (and with what amounts) before.
 */
import fc from "fast-check"
import { validateOrderLines } from "../../packages/core/src/sync/line-validation"
import { planCapture } from "../../packages/core/src/sync/plan-capture"
import { type CaptureRecord, planRemainingCapture } from "../../packages/core/src/sync/plan-remaining"
import { allocateOrder } from "../../packages/core/src/sync/order-lines/order-allocation"
import { RUNS, orderArb } from "./arbitraries"

describe("planRemainingCapture properties", () => {
  test("captured fulfillments + remaining capture == totalAmount (canceled units excluded)", () => {
    fc.assert(
      fc.property(
        orderArb({ withCanceledQuantities: true }).chain((g) =>
          fc.record({
            g: fc.constant(g),
            picks: fc.array(fc.boolean(), { minLength: g.order.fulfillments.length, maxLength: g.order.fulfillments.length }),
          }),
        ),
        ({ g, picks }) => {
          const { order } = g
          const captured = order.fulfillments.filter((f, i) => picks[i] && !f.canceled)
          const records: CaptureRecord[] = captured.map((f) => ({ fulfillmentId: f.id, amount: planCapture(order, f.id).capturedAmount }))
          const plan = planRemainingCapture(order, { captures: records })
          validateOrderLines(plan.capturedAmount, plan.orderLines, "remaining")
          const sum = records.reduce((s, r) => s + r.amount, 0) + plan.capturedAmount
          const target = allocateOrder(order).targetAmount
          expect(plan.targetAmount).toBe(target)
          expect(sum).toBe(target)
          if (!order.canceledQuantities) expect(sum).toBe(order.totalAmount)
          expect(plan.reconciliationAmount).toBe(0)
          // the short form (ids only) gives the same plan
          expect(
            planRemainingCapture(
              order,
              captured.map((f) => f.id),
            ),
          ).toEqual(plan)
          // capturing the remainder leaves nothing
          const after = planRemainingCapture(order, { captures: [...records, { fulfillmentId: null, amount: plan.capturedAmount }] })
          expect(after.capturedAmount).toBe(0)
          expect(after.skip).toBe("nothing_remaining")
        },
      ),
      { numRuns: RUNS },
    )
  })

  test("captures sent with other amounts are reconciled explicitly, or reported as over-captured", () => {
    fc.assert(
      fc.property(
        orderArb().chain((g) =>
          fc.record({
            g: fc.constant(g),
            drift: fc.array(fc.integer({ min: -3, max: 3 }), {
              minLength: g.order.fulfillments.length,
              maxLength: g.order.fulfillments.length,
            }),
            picks: fc.array(fc.boolean(), { minLength: g.order.fulfillments.length, maxLength: g.order.fulfillments.length }),
            external: fc.array(fc.nat({ max: 5000 }), { maxLength: 2 }),
            pendingPick: fc.array(fc.boolean(), { minLength: g.order.fulfillments.length, maxLength: g.order.fulfillments.length }),
          }),
        ),
        ({ g, drift, picks, external, pendingPick }) => {
          const { order } = g
          const records: CaptureRecord[] = []
          order.fulfillments.forEach((f, i) => {
            // canceled fulfillments may have been captured before they were canceled
            if (picks[i])
              records.push({
                fulfillmentId: f.id,
                amount: Math.max(0, (f.canceled ? 700 : planCapture(order, f.id).capturedAmount) + drift[i]),
              })
          })
          external.forEach((amount) => records.push({ amount }))
          const pending = order.fulfillments.filter((f, i) => !picks[i] && pendingPick[i] && !f.canceled).map((f) => f.id)
          const plan = planRemainingCapture(order, { captures: records, pendingFulfillmentIds: pending })
          validateOrderLines(plan.capturedAmount, plan.orderLines, "remaining")
          const already =
            records.reduce((s, r) => s + r.amount, 0) + pending.reduce((s, id) => s + planCapture(order, id).capturedAmount, 0)
          expect(plan.alreadyCapturedAmount).toBe(already)
          if (already <= order.totalAmount) {
            expect(plan.capturedAmount).toBe(order.totalAmount - already)
            expect(plan.overCapturedAmount).toBe(0)
          } else {
            expect(plan.capturedAmount).toBe(0)
            expect(plan.skip).toBe("over_captured")
            expect(plan.overCapturedAmount).toBe(already - order.totalAmount)
          }
        },
      ),
      { numRuns: RUNS },
    )
  })
})
