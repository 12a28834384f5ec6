/**
 * The model-based exploration: random orders, random sequences of merchant moves, duplicate and late
 * events, Klarna faults, dying workers, workers frozen past their lease that then carry on, and parallel
 * workers; then the order is converged and the invariants (invariants.ts) are checked against Klarna. A
 * failing sequence is shrunk by fast-check and reported with its seed and path, so `--seed S` (and
 * fast-check's path) replays it.
 */
import fc from "fast-check"
import { commandArbitraries, type Sequence } from "./commands"
import type { ExploreEnvironment, ExploreSource } from "./environment"
import { checkInvariants } from "./invariants"
import { orderTotal, type ModelItem, type ModelOrder } from "./platform-model"
import { taxStep } from "./v2-order-graph"

export interface ExploreOptions {
  runs: number
  seed?: number
  /** Tracking values at and past Klarna's length limits (see commands.ts). ON unless EXPLORE_ODD_TRACKING=0. */
  oddTrackingLengths?: boolean
  maxCommands?: number
}

export interface ExploreReport {
  sequences: number
  commands: number
  faults: number
  violations: number
  /** fast-check's report of the shrunk failing sequence, with its seed. */
  failure?: string
  seed: number
  source: ExploreSource
}

export const oddTrackingFromEnv = (): boolean => process.env.EXPLORE_ODD_TRACKING !== "0"

const CURRENCIES = [
  { currency: "EUR", decimals: 2, country: "DE" },
  { currency: "JPY", decimals: 0, country: "JP" },
  { currency: "KWD", decimals: 3, country: "KW" },
]

interface OrderShape {
  currency: (typeof CURRENCIES)[number]
  items: { quantity: number; unitPrice: number; discountShare: number; taxRate: number }[]
  shipping: { amount: number; taxRate: number } | null
  giftCardShare: number
}

export const orderShape: fc.Arbitrary<OrderShape> = fc.record({
  currency: fc.constantFrom(...CURRENCIES),
  items: fc.array(
    fc.record({
      quantity: fc.integer({ min: 1, max: 4 }),
      unitPrice: fc.integer({ min: 1, max: 100_000 }),
      discountShare: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 99 })),
      taxRate: fc.constantFrom(0, 700, 1000, 1900, 2500),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  shipping: fc.option(fc.record({ amount: fc.integer({ min: 1, max: 5000 }), taxRate: fc.constantFrom(0, 1900, 2500) }), { nil: null }),
  giftCardShare: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 90 })),
})

/**
 * Medusa v2's form of the same order: prices tax included or not, per line (`taxInclusive`, one flag per item
 * then shipping), and no gift card (v2's order graph has none). A tax-exclusive price is moved to the nearest
 * net amount v2 represents exactly at its rate (a multiple of taxStep: gross = net × (1 + rate) in whole minor
 * units), so every unit still costs the same to the minor unit and the invariants' expected lines stay exact.
 * A tax-exclusive shipping price keeps v2's sub-minor gross (v2ExclusiveShipping).
 */
interface V2OrderShape extends OrderShape {
  taxInclusive: boolean[]
}

export const v2OrderShape: fc.Arbitrary<V2OrderShape> = fc
  .tuple(orderShape, fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }))
  .map(([shape, taxInclusive]) => ({ ...shape, giftCardShare: 0, taxInclusive }))

/** The tax-exclusive net price nearest `gross` that v2 keeps exactly, at least one step; as gross minor units. */
function v2ExactGross(gross: number, rate: number): { steps: number; gross: (steps: number) => number } {
  const step = taxStep(rate)
  const steps = Math.max(1, Math.round((gross * 10000) / (10000 + rate) / step))
  return { steps, gross: (n) => (n * step * (10000 + rate)) / 10000 }
}

function v2Amounts(
  item: OrderShape["items"][number],
  taxInclusive: boolean,
): Pick<ModelItem, "unitPrice" | "unitDiscount" | "taxInclusive"> {
  if (taxInclusive) return { unitPrice: item.unitPrice, unitDiscount: discountOf(item.unitPrice, item.discountShare), taxInclusive }
  const exact = v2ExactGross(item.unitPrice, item.taxRate)
  return {
    unitPrice: exact.gross(exact.steps),
    unitDiscount: exact.gross(Math.floor(((exact.steps - 1) * item.discountShare) / 100)),
    taxInclusive,
  }
}

/**
 * A tax-exclusive shipping price as a merchant types it (a whole number of minor units, net), whose gross v2 keeps
 * unrounded (49.01 SEK + 25 % = 61.2625 SEK): the order total then has a sub-minor remainder. All items being
 * exact, the plugin's line allocation must give shipping its gross rounded half away from zero, the amount
 * Klarna authorized is the rounded order total, and the model's shipping line is that rounded gross.
 */
function v2ExclusiveShipping(shipping: { amount: number; taxRate: number }): { amount: number; v2NetPrice: number } {
  const net = Math.max(1, Math.round((shipping.amount * 10000) / (10000 + shipping.taxRate)))
  const grossTenThousandths = net * (10000 + shipping.taxRate)
  return { amount: Math.floor((2 * grossTenThousandths + 10000) / 20000), v2NetPrice: net }
}

const discountOf = (unitPrice: number, share: number) => Math.floor(((unitPrice - 1) * share) / 100)

let orderCounter = 0
const runToken = `${Date.now().toString(36)}${process.pid.toString(36)}`

/** The platform order of a generated shape (no Klarna order yet); ids carry `token`. */
export function modelOrderOf(shape: OrderShape | V2OrderShape, token: string): ModelOrder {
  const v2 = "taxInclusive" in shape ? shape.taxInclusive : undefined
  const items: ModelItem[] = shape.items.map((item, i) => ({
    id: `item_${token}_${i}`,
    name: `Item ${i} ${token}`,
    sku: `sku-${token}-${i}`,
    quantity: item.quantity,
    ...(v2 ? v2Amounts(item, v2[i]) : { unitPrice: item.unitPrice, unitDiscount: discountOf(item.unitPrice, item.discountShare) }),
    taxRate: item.taxRate,
  }))
  const shipping = shape.shipping && v2 && !v2[3] ? { ...shape.shipping, ...v2ExclusiveShipping(shape.shipping) } : shape.shipping
  const draft: ModelOrder = {
    orderId: `order_${token}`,
    klarnaOrderId: "",
    currency: shape.currency.currency,
    decimals: shape.currency.decimals,
    items,
    ...(shipping ? { shipping: { id: `ship_${token}`, ...shipping, ...(v2 ? { taxInclusive: v2[3] } : {}) } } : {}),
    fulfillments: [],
    refunds: [],
    canceled: false,
    captureRemainingPressed: false,
  }
  const giftCard = Math.floor((orderTotal(draft) * shape.giftCardShare) / 100)
  if (giftCard > 0 && giftCard < orderTotal(draft)) draft.giftCard = { id: `gc_${token}`, code: `GIFT-${token}`, amount: giftCard }
  return draft
}

async function placeOrder(env: ExploreEnvironment, shape: OrderShape | V2OrderShape): Promise<ModelOrder> {
  const draft = modelOrderOf(shape, `${runToken}_${++orderCounter}`)
  const response = await fetch(`${env.sim.url}/__sim/orders`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      order_amount: orderTotal(draft),
      purchase_currency: shape.currency.currency,
      purchase_country: shape.currency.country,
    }),
  })
  if (!response.ok) throw new Error(`simulator refused the order: ${response.status} ${await response.text()}`)
  draft.klarnaOrderId = ((await response.json()) as { order_id: string }).order_id
  env.orders.set(draft.orderId, draft)
  return draft
}

/** Brings the order's Klarna side up to date: converge, run the outbox, twice (the release follows the captures). */
async function converge(env: ExploreEnvironment, order: ModelOrder): Promise<void> {
  await env.engines[0].converge(order.orderId)
  await env.runUntilIdle(order.orderId, 1)
  await env.engines[1].converge(order.orderId)
  await env.runUntilIdle(order.orderId, 2)
}

export async function runExploration(env: ExploreEnvironment, options: ExploreOptions): Promise<ExploreReport> {
  const totals = { sequences: 0, commands: 0, faults: 0, violations: 0 }
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31)
  const shapes: fc.Arbitrary<OrderShape | V2OrderShape> = env.source === "v2" ? v2OrderShape : orderShape
  const property = fc.asyncProperty(
    shapes,
    fc.commands(commandArbitraries({ oddTrackingLengths: options.oddTrackingLengths ?? oddTrackingFromEnv() }), {
      maxCommands: options.maxCommands ?? 15,
      size: "+1",
    }),
    async (shape, commands) => {
      const order = await placeOrder(env, shape)
      const sequence: Sequence = { order, events: [], nextId: 0, stats: { commands: 0, faults: 0 } }
      totals.sequences++
      try {
        await fc.asyncModelRun(() => ({ model: sequence, real: env }), commands)
        await converge(env, order)
        const violations = await checkInvariants(env, order)
        if (violations.length > 0) {
          totals.violations++
          throw new Error(`order ${order.orderId} (Klarna ${order.klarnaOrderId}):\n  - ${violations.join("\n  - ")}`)
        }
      } finally {
        totals.commands += sequence.stats.commands
        totals.faults += sequence.stats.faults
        // Whatever a failed sequence left behind must not run into the next one.
        await env.sql(`UPDATE klarna_sync_job SET state = 'skipped' WHERE platform_order_id = $1 AND state IN ('pending', 'running')`, [
          order.orderId,
        ])
      }
    },
  )
  const result = await fc.check(property, { numRuns: options.runs, seed, endOnFailure: false })
  const report: ExploreReport = { ...totals, seed, source: env.source }
  if (result.failed) {
    report.failure = fc.defaultReportMessage(result) ?? `failed (seed ${seed})`
    // Shrinking replays the failing sequence many times; count each distinct failing sequence once.
    report.violations = Math.max(1, totals.violations)
  }
  return report
}

export function summaryLine(report: ExploreReport): string {
  return `explore: sequences=${report.sequences} commands=${report.commands} faults=${report.faults} violations=${report.violations} source=${report.source}`
}
