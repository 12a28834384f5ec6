/**
 * refundPaysForReturnedItems: what a platform that does not link a refund to its return (Medusa v2) asks the
 * core, so that it pairs them exactly when the core would send the returned lines and no adjustment line.
 */
import { planRefund } from "../plan-refund"
import { refundPaysForReturnedItems } from "../order-lines/refund-lines"
import type { OrderSnapshot } from "../order-model"
import { fulfillment, item, order, refund } from "./__fixtures__/order-builder"

// 3 units worth 3746 together: units [0,1) 1248, [1,3) 2498 (floor(T·b/n) − floor(T·a/n)).
const withRefunds = (refunds: OrderSnapshot["refunds"]): OrderSnapshot =>
  order({ items: [item("A", 3, 3746, { taxRate: 2500 })], fulfillments: [fulfillment("F1", { A: 3 })], refunds })

test("true exactly when planRefund sends the returned lines without an adjustment line", () => {
  for (const amount of [1240, 1245, 1246, 1247, 1248, 1249, 1250, 1255]) {
    const snapshot = withRefunds([refund("R1", amount, { items: { A: 1 } })])
    const plan = planRefund(snapshot, "R1", { capturedAmount: 3746, refunds: [] })
    expect([amount, refundPaysForReturnedItems(snapshot, 0)]).toEqual([amount, plan.adjustmentAmount === 0])
  }
  expect(
    [1245, 1246, 1248, 1249, 1250].map((amount) => refundPaysForReturnedItems(withRefunds([refund("R1", amount, { items: { A: 1 } })]), 0)),
  ).toEqual([false, true, true, true, false])
})

test("numbers the units after the earlier refunds' returns: 2 of 3 after 1 of 3 are worth 2498", () => {
  const snapshot = withRefunds([refund("R1", 1248, { items: { A: 1 } }), refund("R2", 2498, { items: { A: 2 } })])
  expect(refundPaysForReturnedItems(snapshot, 1)).toBe(true)
  // Alone, the same two units would be units [0,2): 2497.
  expect(refundPaysForReturnedItems(withRefunds([refund("R2", 2497, { items: { A: 2 } })]), 0)).toBe(true)
})

test("false for a refund returning nothing, or returning more units than the order has", () => {
  expect(refundPaysForReturnedItems(withRefunds([refund("R1", 1248)]), 0)).toBe(false)
  expect(refundPaysForReturnedItems(withRefunds([refund("R1", 1248, { items: { A: 4 } })]), 0)).toBe(false)
})

describe("a return fee the platform kept back (RefundSnapshot.returnFeeAmount: Medusa v2's return shipping)", () => {
  const withFee = (amount: number, fee: number): OrderSnapshot =>
    withRefunds([{ ...refund("R1", amount, { items: { A: 1 } }), returnFeeAmount: fee }])
  const lines = (snapshot: OrderSnapshot) =>
    planRefund(snapshot, "R1", { capturedAmount: 3746, refunds: [] }).orderLines.map((l) => [
      l.type,
      l.reference,
      l.name,
      l.quantity,
      l.unit_price,
      l.total_amount,
      l.tax_rate,
      l.total_tax_amount,
    ])

  test("the returned unit at its captured value and a Return fee line of exactly minus the fee; pairs", () => {
    // 1248 − 500 = 748: the unit as captured, the fee as kept.
    expect(lines(withFee(748, 500))).toEqual([
      ["physical", "sku-A", "Item A", 1, 1248, 1248, 2500, 250],
      ["return_fee", "refund-adjustment", "Return fee", 1, -500, -500, 0, 0],
    ])
    expect(refundPaysForReturnedItems(withFee(748, 500), 0)).toBe(true)
  })

  test("the platform's rounding of the units is carried by the item line, not by the fee (1249 − 500 = 749)", () => {
    expect(lines(withFee(749, 500))).toEqual([
      ["physical", "sku-A", "Item A", 1, 1249, 1249, 2500, 250],
      ["return_fee", "refund-adjustment", "Return fee", 1, -500, -500, 0, 0],
    ])
    expect(planRefund(withFee(749, 500), "R1", { capturedAmount: 3746, refunds: [] })).toMatchObject({
      returnFeeAmount: 500,
      roundingAmount: 1,
      adjustmentAmount: 0,
    })
  })

  test("another amount still gets its own adjustment line besides the fee, and does not pair", () => {
    const snapshot = withFee(600, 500)
    expect(lines(snapshot).map((l) => [l[2], l[5]])).toEqual([
      ["Item A", 1248],
      ["Return fee", -500],
      ["Return fee", -148],
    ])
    expect(refundPaysForReturnedItems(snapshot, 0)).toBe(false)
  })

  test("a fee that is not whole minor units >= 0 is refused as a bad snapshot", () => {
    expect(() => planRefund(withFee(748, -5), "R1", { capturedAmount: 3746, refunds: [] })).toThrow(/refunds\[0\]\.returnFeeAmount/)
    expect(() => planRefund(withFee(748, 0.5), "R1", { capturedAmount: 3746, refunds: [] })).toThrow(/refunds\[0\]\.returnFeeAmount/)
  })
})
