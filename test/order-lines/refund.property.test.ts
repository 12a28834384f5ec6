/**
 * Properties of planRefund over refund sequences on a fully captured order: every accepted refund
 * adds up to its amount, every refused one is refused with RefundExceedsCapturedError before
 * anything would be sent, and the refunds never exceed what was captured.
 */
import fc from "fast-check"
import { validateOrderLines } from "../../packages/core/src/sync/line-validation"
import type { OrderSnapshot } from "../../packages/core/src/sync/order-model"
import { RefundExceedsCapturedError } from "../../packages/core/src/sync/order-lines/errors"
import { planCapture } from "../../packages/core/src/sync/plan-capture"
import { type RefundRecord, planRefund } from "../../packages/core/src/sync/plan-refund"
import { RUNS, orderArb, refundSequenceArb } from "./arbitraries"

describe("planRefund properties", () => {
  test("a refund sequence never exceeds what is captured, and every accepted refund adds up", () => {
    fc.assert(
      fc.property(
        orderArb({ withCanceledFulfillments: false }).chain((g) =>
          fc.record({
            g: fc.constant(g),
            refunds: refundSequenceArb(g.order),
            capturedPick: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
          }),
        ),
        ({ g, refunds, capturedPick }) => {
          const order: OrderSnapshot = { ...g.order, refunds }
          const capturedAmount = order.fulfillments
            .filter((f, i) => !f.canceled && capturedPick[i % 4])
            .reduce((s, f) => s + planCapture(order, f.id).capturedAmount, 0)
          const sent: RefundRecord[] = []
          for (const refund of refunds) {
            const refundable = capturedAmount - sent.reduce((s, r) => s + r.amount, 0)
            if (refund.amount > refundable) {
              expect(() => planRefund(order, refund.id, { capturedAmount, refunds: sent })).toThrow(RefundExceedsCapturedError)
              continue
            }
            const plan = planRefund(order, refund.id, { capturedAmount, refunds: sent })
            expect(plan.refundedAmount).toBe(refund.amount)
            expect(plan.request.reference).toBe(refund.id)
            expect(plan.request.refunded_amount).toBe(refund.amount)
            expect(plan.refundableAmount).toBe(refundable)
            validateOrderLines(plan.refundedAmount, plan.orderLines, `refund ${refund.id}`)
            expect(plan.returnedItemsAmount + plan.roundingAmount + plan.shippingAmount + plan.adjustmentAmount).toBe(refund.amount)
            // a rounding is at most one minor unit per returned-item line (+1), and never comes with an adjustment line
            if (plan.roundingAmount !== 0) expect(plan.adjustmentAmount).toBe(0)
            // replanning with the refund already recorded is idempotent
            expect(
              planRefund(order, refund.id, { capturedAmount, refunds: [...sent, { refundId: refund.id, amount: refund.amount }] }),
            ).toEqual(plan)
            sent.push({ refundId: refund.id, amount: refund.amount })
            expect(sent.reduce((s, r) => s + r.amount, 0)).toBeLessThanOrEqual(capturedAmount)
          }
        },
      ),
      { numRuns: RUNS },
    )
  })

  test("returning every unit over several refunds values the returns at exactly the items' totals", () => {
    fc.assert(
      fc.property(
        orderArb({ fullyFulfilled: true, withCanceledFulfillments: false }).chain((g) =>
          fc.record({ g: fc.constant(g), splits: fc.array(fc.nat({ max: 3 }), { minLength: 36, maxLength: 36 }) }),
        ),
        ({ g, splits }) => {
          // split each item's units over up to 3 refunds
          const refunds = [0, 1, 2].map((r) => ({
            id: `ref_${r}`,
            amount: 0,
            createdAt: new Date(0),
            returnedItems: [] as { itemId: string; quantity: number }[],
          }))
          g.order.items.forEach((item, i) => {
            const counts = [0, 0, 0]
            for (let u = 0; u < item.quantity; u++) counts[splits[(i * 6 + u) % splits.length] % 3]++
            counts.forEach((q, r) => q > 0 && refunds[r].returnedItems.push({ itemId: item.id, quantity: q }))
          })
          const order: OrderSnapshot = { ...g.order, refunds }
          const ledger = { capturedAmount: order.totalAmount, refunds: [] }
          let returnedValue = 0
          for (const r of refunds) returnedValue += planRefund(order, r.id, ledger).returnedItemsAmount
          expect(returnedValue).toBe(order.items.reduce((s, i) => s + i.total, 0))
        },
      ),
      { numRuns: RUNS },
    )
  })
})
