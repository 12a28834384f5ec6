/**
 * fast-check generators for OrderSnapshots and fulfillment / refund sequences, shared by the
 * order-line property tests.
 */
import fc from "fast-check"
import type {
  FulfillmentSnapshot,
  GiftCardLine,
  ItemLine,
  OrderSnapshot,
  RefundSnapshot,
  ShippingLine,
} from "../../packages/core/src/sync/order-model"

const AT = new Date("2024-05-01T10:00:00Z")

/** Runs per property (the brief asks for >= 200). */
export const RUNS = Math.max(200, Number(process.env.ORDER_LINES_RUNS ?? 200))

export interface GeneratedOrder {
  order: OrderSnapshot
  /** True when every unit of every item is in a non-canceled fulfillment. */
  fullyFulfilled: boolean
}

interface ItemSpec {
  quantity: number
  unitGross: number
  extra: number
  discountKind: "none" | "percent" | "fixed" | "full"
  discountParam: number
  taxRate: number
  type: ItemLine["type"]
}

const taxRateArb = fc.oneof(fc.constantFrom(0, 600, 700, 1000, 1200, 1900, 2000, 2100, 2500), fc.integer({ min: 0, max: 2500 }))

function itemSpecArb(scale: number, maxQuantity: number): fc.Arbitrary<ItemSpec> {
  return fc.record({
    quantity: fc.integer({ min: 1, max: maxQuantity }),
    unitGross: fc.oneof(
      fc.integer({ min: 0, max: 500 * scale }),
      fc.constantFrom(0, 1, 99 * scale + (scale > 1 ? scale - 1 : 0), 1000 * scale),
    ),
    extra: fc.nat({ max: 1000 }),
    discountKind: fc.constantFrom("none", "percent", "fixed", "full"),
    discountParam: fc.nat({ max: 1_000_000 }),
    taxRate: taxRateArb,
    type: fc.constantFrom("physical", "digital"),
  })
}

function buildItem(spec: ItemSpec, index: number): ItemLine {
  // A tax-exclusive store's gross (net + tax computed per line) is often not a multiple of the
  // quantity: `extra` (< quantity) simulates that.
  const extra = spec.unitGross > 0 ? spec.extra % spec.quantity : 0
  const originalTotal = spec.quantity * spec.unitGross + extra
  let discountTotal = 0
  if (spec.discountKind === "percent") discountTotal = Math.floor((originalTotal * (spec.discountParam % 101)) / 100)
  else if (spec.discountKind === "fixed") discountTotal = originalTotal === 0 ? 0 : spec.discountParam % (originalTotal + 1)
  else if (spec.discountKind === "full") discountTotal = originalTotal
  return {
    id: `item_${index}`,
    name: `Product ${index}`,
    reference: `sku-${index}`,
    type: spec.type,
    quantity: spec.quantity,
    originalTotal,
    discountTotal,
    total: originalTotal - discountTotal,
    taxRate: spec.taxRate,
  }
}

function shippingArb(scale: number): fc.Arbitrary<ShippingLine> {
  return fc
    .record({
      gross: fc.integer({ min: 0, max: 50 * scale }),
      discountKind: fc.constantFrom("none", "free", "partial"),
      discountParam: fc.nat({ max: 100_000 }),
      taxRate: taxRateArb,
    })
    .map(({ gross, discountKind, discountParam, taxRate }) => {
      const discountTotal = discountKind === "free" ? gross : discountKind === "partial" ? discountParam % (gross + 1) : 0
      return { id: "", name: "Shipping", originalTotal: gross, discountTotal, total: gross - discountTotal, taxRate }
    })
}

export interface OrderArbOptions {
  maxItems?: number
  minItems?: number
  maxQuantity?: number
  /** Probability-ish switch: when false, some units stay unfulfilled. */
  fullyFulfilled?: boolean
  maxFulfillments?: number
  withCanceledFulfillments?: boolean
  withCanceledQuantities?: boolean
}

/** An order, its fulfillments (random partitions of the quantities, some canceled ones interleaved). */
export function orderArb(options: OrderArbOptions = {}): fc.Arbitrary<GeneratedOrder> {
  const maxItems = options.maxItems ?? 6
  const maxQuantity = options.maxQuantity ?? 6
  const maxFulfillments = options.maxFulfillments ?? 4
  return fc
    .record({
      decimals: fc.constantFrom(0, 2, 3),
      fulfillmentCount: fc.integer({ min: 1, max: maxFulfillments }),
      seedFull: options.fullyFulfilled === undefined ? fc.boolean() : fc.constant(options.fullyFulfilled),
    })
    .chain(({ decimals, fulfillmentCount, seedFull }) => {
      const scale = 10 ** decimals
      return fc
        .record({
          itemSpecs: fc.array(itemSpecArb(scale, maxQuantity), { minLength: options.minItems ?? 1, maxLength: maxItems }),
          shippingLines: fc.array(shippingArb(scale), { maxLength: 2 }),
          giftCardPerMille: fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 2 }),
          adjustment: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: -2, max: 2 })),
          // unit -> fulfillment index (or -1: not fulfilled), drawn per unit below
          unitAssignments: fc.array(fc.integer({ min: seedFull ? 0 : -1, max: fulfillmentCount - 1 }), {
            minLength: maxItems * maxQuantity,
            maxLength: maxItems * maxQuantity,
          }),
          canceled:
            options.withCanceledFulfillments === false
              ? fc.constant([])
              : fc.array(
                  fc.record({
                    position: fc.nat({ max: fulfillmentCount }),
                    quantities: fc.array(fc.nat({ max: maxQuantity }), { minLength: maxItems, maxLength: maxItems }),
                  }),
                  { maxLength: 2 },
                ),
          canceledQty: options.withCanceledQuantities
            ? fc.array(fc.nat({ max: 2 }), { minLength: maxItems, maxLength: maxItems })
            : fc.constant([] as number[]),
        })
        .map((g) => {
          const items = g.itemSpecs.map(buildItem)
          const shippingLines = g.shippingLines.map((s, i) => ({ ...s, id: `ship_${i}`, name: `Shipping ${i}` }))
          const gross = items.reduce((s, i) => s + i.total, 0) + shippingLines.reduce((s, l) => s + l.total, 0)
          let left = gross
          const giftCards: GiftCardLine[] = g.giftCardPerMille.map((pm, i) => {
            const amount = Math.floor((left * pm) / 1000)
            left -= amount
            return { id: `gc_${i}`, code: `GIFT-${1000 + i}-CODE`, amount }
          })
          const adjustment = Math.max(g.adjustment, -left) // keeps totalAmount >= 0
          const totalAmount = left + adjustment

          const active: FulfillmentSnapshot[] = Array.from({ length: fulfillmentCount }, (_, f) => ({
            id: `ful_${f}`,
            createdAt: AT,
            items: [],
            trackings: [],
          }))
          let unit = 0
          let fullyFulfilled = true
          items.forEach((item) => {
            const counts = new Map<number, number>()
            for (let u = 0; u < item.quantity; u++) {
              const f = g.unitAssignments[unit++ % g.unitAssignments.length]
              if (f < 0) fullyFulfilled = false
              else counts.set(f, (counts.get(f) ?? 0) + 1)
            }
            for (const [f, q] of counts) active[f].items.push({ itemId: item.id, quantity: q })
          })
          const fulfillments = [...active]
          g.canceled.forEach((c, k) => {
            const items2 = items
              .map((item, i) => ({ itemId: item.id, quantity: Math.min(c.quantities[i] ?? 0, item.quantity) }))
              .filter((x) => x.quantity > 0)
            fulfillments.splice(Math.min(c.position, fulfillments.length), 0, {
              id: `ful_canceled_${k}`,
              createdAt: AT,
              items: items2,
              trackings: [],
              canceled: true,
            })
          })
          const canceledQuantities: Record<string, number> = {}
          g.canceledQty.forEach((q, i) => {
            if (i < items.length && q > 0) canceledQuantities[items[i].id] = q
          })
          const order: OrderSnapshot = {
            platform: "medusa",
            orderId: "order_prop",
            currency: decimals === 0 ? "JPY" : decimals === 3 ? "KWD" : "EUR",
            currencyDecimals: decimals,
            totalAmount,
            items,
            shippingLines,
            giftCards,
            fulfillments,
            refunds: [],
            ...(Object.keys(canceledQuantities).length > 0 ? { canceledQuantities } : {}),
          }
          return { order, fullyFulfilled }
        })
    })
}

/** Refund requests for a fully captured order: amounts sometimes above what is refundable. */
export function refundSequenceArb(order: OrderSnapshot): fc.Arbitrary<RefundSnapshot[]> {
  return fc
    .array(
      fc.record({
        perMille: fc.integer({ min: 0, max: 1300 }),
        returnPicks: fc.array(fc.nat({ max: 3 }), { minLength: order.items.length, maxLength: order.items.length }),
        withShipping: fc.boolean(),
      }),
      { maxLength: 5 },
    )
    .map((specs) => {
      const returned = order.items.map(() => 0)
      return specs.map((s, r) => {
        const returnedItems = order.items
          .map((item, i) => {
            const q = Math.min(s.returnPicks[i], item.quantity - returned[i])
            returned[i] += q
            return { itemId: item.id, quantity: q }
          })
          .filter((x) => x.quantity > 0)
        const shippingAmount = s.withShipping && order.shippingLines.length > 0 ? order.shippingLines[0].total : undefined
        const base = Math.floor((order.totalAmount * s.perMille) / 1000)
        return {
          id: `ref_${r}`,
          amount: base,
          createdAt: AT,
          returnedItems,
          ...(shippingAmount !== undefined ? { shippingAmount } : {}),
        }
      })
    })
}
