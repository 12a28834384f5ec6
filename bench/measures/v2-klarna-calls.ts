/**
 * Medusa v2, measure "calls": Klarna calls per operation on a real Medusa 2.21 server with the v2 plugin,
 * counted from the simulator's request log (GET /__sim/requests), like v1's klarna_calls.
 *
 * Each order goes through the admin's steps one at a time, and each step's calls are the log entries that
 * arrived between its start and the moment the order settled (no pending or running sync job, the expected
 * call seen, and then no new call for QUIET_MS): OM calls by Klarna order id, Payments calls (checkout only)
 * by the step's window, as orders run one after the other.
 *
 *   checkout        Klarna checkout through the store API (session, authorization -> order) and what
 *                   order.placed syncs (the store's order number as merchant reference)
 *   fulfillment     POST /admin/orders/:id/fulfillments, no label yet          ideal: 1 capture
 *   shipment        POST .../fulfillments/:fid/shipments with a label          ideal: 1 shipping-info append
 *   refund          POST /admin/payments/:id/refund                             ideal: 1 refund
 *
 * Goal (as v1's): 1 call per fulfillment, per shipment and per refund, no GET after checkout, nothing else.
 */
import { klarnaCheckoutV2 } from "../../test/support/medusa-v2-klarna-checkout"
import { getV2Order, refundV2Payment, shipV2, fulfillV2 } from "../../test/support/medusa-v2-orders"
import { simRequests, type SimLogEntry, type SimulatorProcess } from "../lib/infra"
import { benchLabel, JACKET, TOMATOES, v2LogTail, type V2BenchServer } from "../lib/medusa-v2-rig"
import type { Measure } from "../lib/report"
import { round, sleep, waitUntil } from "../lib/stats"
import { kindOf, type Kind } from "./klarna-calls"

/** A step has settled when no call for its order arrived for this long (the worker polls every 1 s). */
const QUIET_MS = 2500
/** How long a step's expected call may take before the step counts it as missing. */
const EXPECT_TIMEOUT_MS = 30_000

type Step = "checkout" | "fulfillment" | "shipment" | "refund"

/** The ideal plan of each step: these calls and nothing else (checkout is reported, not judged by this). */
const IDEAL: Record<Exclude<Step, "checkout">, Partial<Record<Kind, number>>> = {
  fulfillment: { capture: 1 },
  shipment: { shipping_info: 1 },
  refund: { refund: 1 },
}

interface StepCalls {
  step: Step
  orderId: string
  kinds: Partial<Record<Kind, number>>
  gets: number
  non2xx: number
}

const lastSeq = async (sim: SimulatorProcess) => (await simRequests(sim.url)).reduce((max, e) => Math.max(max, e.seq), 0)

function countKinds(entries: SimLogEntry[]): Partial<Record<Kind, number>> {
  const kinds: Partial<Record<Kind, number>> = {}
  for (const entry of entries) {
    const kind = kindOf(entry)
    kinds[kind] = (kinds[kind] ?? 0) + 1
  }
  return kinds
}

/**
 * The calls of one step: waits for the expected calls (if any), for the order's sync jobs to finish, and
 * then for QUIET_MS without a new call; returns what arrived after `afterSeq`.
 */
async function settledCalls(
  server: V2BenchServer,
  sim: SimulatorProcess,
  order: { orderId: string; klarnaOrderId: string },
  afterSeq: number,
  options: { expect?: Partial<Record<Kind, number>>; allPayments?: boolean },
): Promise<SimLogEntry[]> {
  const mine = async () =>
    (await simRequests(sim.url)).filter(
      (e) =>
        e.seq > afterSeq &&
        (e.path.includes(`/ordermanagement/v1/orders/${order.klarnaOrderId}`) || (options.allPayments && e.path.startsWith("/payments/"))),
    )
  if (options.expect) {
    // Not fatal: a call that never comes is reported as MISSING by the ideal plan, with the server's reason.
    const expected = options.expect
    await waitUntil(
      async () => {
        const kinds = countKinds(await mine())
        return Object.entries(expected).every(([kind, n]) => (kinds[kind as Kind] ?? 0) >= (n as number))
      },
      EXPECT_TIMEOUT_MS,
      `${JSON.stringify(expected)} for ${order.orderId}`,
      200,
    ).catch(() => undefined)
  }
  let seen = -1
  for (;;) {
    await sleep(QUIET_MS)
    const open = await server.query(`SELECT 1 FROM klarna_sync_job WHERE platform_order_id = $1 AND state IN ('pending', 'running')`, [
      order.orderId,
    ])
    const entries = await mine()
    if (open.length === 0 && entries.length === seen) return entries
    seen = entries.length
  }
}

/** The message of a line of Medusa's JSON log (the line itself when it is not JSON). */
function messageOf(line: string): string {
  try {
    return (JSON.parse(line) as { message?: string }).message ?? line
  } catch {
    return line
  }
}

async function medusaPaymentCaptured(server: V2BenchServer, paymentId: string): Promise<void> {
  await waitUntil(
    async () =>
      (await server.query<{ captured_at: Date | null }>(`SELECT captured_at FROM payment WHERE id = $1`, [paymentId]))[0]?.captured_at,
    60_000,
    `Medusa's payment ${paymentId} marked captured after Klarna's full capture`,
    300,
  )
}

/** One order through checkout, two fulfillments each shipped with a label afterwards, and a refund. */
async function runOrder(server: V2BenchServer, sim: SimulatorProcess): Promise<StepCalls[]> {
  const steps: StepCalls[] = []
  const record = (step: Step, orderId: string, entries: SimLogEntry[]) =>
    steps.push({
      step,
      orderId,
      kinds: countKinds(entries),
      gets: entries.filter((e) => e.method === "GET").length,
      non2xx: entries.filter((e) => e.status === null || e.status >= 300).length,
    })

  let before = await lastSeq(sim)
  const placed = await klarnaCheckoutV2({ server: server.medusa, admin: server.admin }, server.store, sim.url, {
    items: [
      { sku: TOMATOES, quantity: 2 },
      { sku: JACKET, quantity: 1 },
    ],
  })
  const ids = { orderId: placed.orderId, klarnaOrderId: placed.klarnaOrderId }
  record("checkout", placed.orderId, await settledCalls(server, sim, ids, before, { allPayments: true }))

  const order = await getV2Order(server.admin, placed.orderId)
  for (const item of order.items) {
    const items = [{ id: item.id, quantity: item.quantity }]
    before = await lastSeq(sim)
    const fulfillmentId = await fulfillV2(server.admin, placed.orderId, server.store.stockLocationId, items)
    record("fulfillment", placed.orderId, await settledCalls(server, sim, ids, before, { expect: IDEAL.fulfillment }))
    before = await lastSeq(sim)
    await shipV2(server.admin, placed.orderId, fulfillmentId, items, [benchLabel()])
    record("shipment", placed.orderId, await settledCalls(server, sim, ids, before, { expect: IDEAL.shipment }))
  }

  // Medusa refunds only a captured payment; the plugin marks it captured once Klarna holds the whole amount.
  await medusaPaymentCaptured(server, placed.paymentId)
  before = await lastSeq(sim)
  await refundV2Payment(server.admin, placed.paymentId, 10, "goodwill")
  record("refund", placed.orderId, await settledCalls(server, sim, ids, before, { expect: IDEAL.refund }))
  return steps
}

export async function v2KlarnaCalls(options: { server: V2BenchServer; sim: SimulatorProcess; orders: number }): Promise<Measure> {
  const { server, sim } = options
  const steps: StepCalls[] = []
  for (let i = 0; i < options.orders; i++) {
    try {
      steps.push(...(await runOrder(server, sim)))
    } catch (error) {
      process.stderr.write(`v2_klarna_calls: order ${i + 1} failed: ${(error as Error).message}\nserver log:\n${v2LogTail(server)}\n`)
      throw error
    }
  }

  const of = (step: Step) => steps.filter((s) => s.step === step)
  const calls = (s: StepCalls) => Object.values(s.kinds).reduce((sum, n) => sum + (n as number), 0)
  const perStep = (step: Step) => round(of(step).reduce((sum, s) => sum + calls(s), 0) / Math.max(of(step).length, 1), 3)
  const byKind = (step: Step) => {
    const total: Partial<Record<Kind, number>> = {}
    for (const s of of(step))
      for (const [kind, n] of Object.entries(s.kinds)) total[kind as Kind] = (total[kind as Kind] ?? 0) + (n as number)
    return total
  }
  const beyond: string[] = []
  let avoidable = 0
  for (const s of steps) {
    if (s.step === "checkout") continue
    const ideal = IDEAL[s.step]
    for (const kind of new Set([...Object.keys(ideal), ...Object.keys(s.kinds)]) as Set<Kind>) {
      const extra = (s.kinds[kind] ?? 0) - (ideal[kind] ?? 0)
      if (extra > 0) {
        avoidable += extra
        beyond.push(`${s.step} of ${s.orderId}: ${extra} ${kind} call(s) beyond the plan`)
      } else if (extra < 0) beyond.push(`${s.step} of ${s.orderId}: ${-extra} ${kind} call(s) MISSING`)
    }
  }
  // Why a call is missing: the plugin logs what it could not handle.
  const pluginErrors = server.medusa
    .logs()
    .split("\n")
    .filter((line) => /klarna-order-sync: .*could not/.test(line))
    .map((line) => messageOf(line).slice(0, 400))
  const checkoutGets = of("checkout").reduce((sum, s) => sum + s.gets, 0)
  const met = avoidable === 0 && !beyond.some((d) => d.includes("MISSING")) && of("fulfillment").length > 0
  return {
    measure: "v2_klarna_calls",
    per_fulfillment: perStep("fulfillment"),
    per_shipment_with_label: perStep("shipment"),
    per_refund: perStep("refund"),
    per_checkout: perStep("checkout"),
    avoidable_calls: avoidable,
    goal: "1.0 per fulfillment, per shipment with a label and per refund; 0 calls beyond the ideal plan",
    met,
    ...(met ? {} : { note: [beyond.slice(0, 3).join("; ") || "no fulfillment measured", ...pluginErrors.slice(0, 2)].join(". Plugin: ") }),
    n_orders: options.orders,
    n_fulfillments: of("fulfillment").length,
    n_shipments: of("shipment").length,
    n_refunds: of("refund").length,
    checkout_gets_per_order: round(checkoutGets / Math.max(options.orders, 1), 3),
    sync_gets: steps.filter((s) => s.step !== "checkout").reduce((sum, s) => sum + s.gets, 0),
    non_2xx: steps.reduce((sum, s) => sum + s.non2xx, 0),
    by_step: {
      checkout: byKind("checkout"),
      fulfillment: byKind("fulfillment"),
      shipment: byKind("shipment"),
      refund: byKind("refund"),
    },
    ...(beyond.length ? { detail: beyond.slice(0, 10) } : {}),
    ...(pluginErrors.length ? { plugin_errors: pluginErrors.slice(0, 5) } : {}),
  }
}
