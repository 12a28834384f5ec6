/**
 * The exactly-once soak: many orders' fulfillments, shipments and refunds through real Medusa servers
 * while everything that can go wrong does, then a strict count of what Klarna (the simulator) holds.
 *
 * - Klarna faults: the simulator answers ~20 % of Order Management calls with 500/503, 429 (Retry-After),
 *   a hung connection, or applies the operation and drops the connection (apply_then_drop).
 * - Every event twice: a trigger on Medusa's staged_job table stages a copy of every order/claim/swap event
 *   in the same transaction, so Medusa's own event bus (local or Redis) delivers each event twice, at once.
 * - Two servers: Medusa A and Medusa B on the same database, both running the plugin's worker; the merchant's
 *   admin calls alternate between them (each server's enqueuer also pumps the shared staged_job table).
 * - A crash: A is killed with SIGKILL in the middle of the fulfillments and started again.
 *
 * After it settles: exactly one capture per fulfillment and one refund per refund, amounts equal to
 * Medusa's, tracking on its capture exactly once, every job finished, every attempt accounted for.
 * Used by test/soak/soak.test.ts (small) and `npm run soak -- --orders N` (test/soak/run-soak.ts).
 */
import { startSimulator, type RunningSimulator } from "../../packages/simulator/server"
import { createTestDatabase, query, uniqueDatabaseName } from "../support/db"
import { prepareDatabase, startMedusa, type MedusaServer } from "../support/medusa"
import {
  checkout,
  connect,
  createFulfillment,
  createRefund,
  createShipment,
  getOrder,
  seedStore,
  type MedusaOrder,
  type SeededStore,
  type StoreApi,
} from "../support/store-api"

export interface SoakOptions {
  orders: number
  /** Orders driven at once. */
  concurrency?: number
  /** Share of Klarna OM calls that get a fault. Default 0.2. */
  faultRate?: number
  seed?: number
  /** Run Medusa B as well. Default true. */
  secondServer?: boolean
  /** SIGKILL Medusa A in the middle and start it again. Default true. */
  crash?: boolean
  /** Stage every event twice. Default true. */
  duplicateEvents?: boolean
  /** Use Medusa's Redis event bus. */
  redisUrl?: string
  settleTimeoutMs?: number
  log?: (line: string) => void
}

/** Worker and HTTP settings of the plugin under soak: fast polling and backoff, a short lease (with heartbeat). */
export const SOAK_PLUGIN_OPTIONS = {
  worker: { pollIntervalMs: 200, baseBackoffMs: 250, maxBackoffMs: 3000, leaseMs: 4000, sweepIntervalMs: 4000, maxAttempts: 12 },
  http: { timeoutMs: 2000, maxRetries: 2 },
}

export interface Counts {
  expected: number
  /** Platform objects with exactly one Klarna counterpart. */
  mirrored: number
  /** Klarna objects beyond the first per platform object, plus ones that match no platform object. */
  doubled: number
  /** Platform objects without a Klarna counterpart. */
  lost: number
}

export interface SoakReport {
  orders: number
  captures: Counts
  refunds: Counts
  /** Orders whose captures do not add up to Medusa's total, refunds whose amount differs, and the like. */
  amountMismatches: string[]
  trackingMismatches: string[]
  mirrorMismatches: string[]
  jobs: Record<string, number>
  /** Klarna orders of checkouts whose completion failed (the driver retried them), cancelled as orphans. */
  orphanCancels: number
  stuckJobs: number
  failedJobs: number
  attempts: { logged: number; interrupted: number; unaccounted: string[] }
  klarna: { mutations: number; faulted: number; droppedAfterApply: number; replayed: number; unknownKeys: number; overSent: string[] }
  duplicatedEvents: number
  sweep: { runs: number; queued: number; lines: string[] }
  /** Errors Medusa's event bus logged for subscribers (the event is then not retried: the sweep repairs). */
  subscriberErrors: string[]
  crash: { killedPid: number | null; restartMs: number | null }
  driverRetries: number
  wallMs: Record<string, number>
  problems: string[]
}

interface PlacedOrder {
  index: number
  id: string
  klarnaOrderId: string
  total: number
  items: { id: string; quantity: number }[]
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Stages a copy of every order/claim/swap event in the transaction that stages the original. */
export const DUPLICATE_EVENTS_SQL = `
  CREATE TABLE IF NOT EXISTS kos_soak_event_copy (id text PRIMARY KEY, event_name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
  CREATE OR REPLACE FUNCTION kos_soak_duplicate_event() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE copy staged_job%ROWTYPE;
  BEGIN
    IF right(NEW.id, 4) <> '_dup' AND (NEW.event_name LIKE 'order.%' OR NEW.event_name LIKE 'claim.%' OR NEW.event_name LIKE 'swap.%') THEN
      copy := NEW;
      copy.id := NEW.id || '_dup';
      INSERT INTO staged_job SELECT (copy).*;
      INSERT INTO kos_soak_event_copy (id, event_name) VALUES (NEW.id, NEW.event_name);
    END IF;
    RETURN NEW;
  END $$;
  DROP TRIGGER IF EXISTS kos_soak_duplicate_event ON staged_job;
  CREATE TRIGGER kos_soak_duplicate_event AFTER INSERT ON staged_job FOR EACH ROW EXECUTE FUNCTION kos_soak_duplicate_event();
`

/** The error lines the servers logged last, to tell why a step failed. */
function serverErrors(servers: MedusaServer[]): string {
  return servers
    .map((server, i) => {
      const lines = server
        .logs()
        .split("\n")
        .filter((line) => /error|exception|ECONN|timeout/i.test(line))
      return `--- Medusa ${i === 0 ? "A" : "B"} (last error lines) ---\n${lines.slice(-25).join("\n")}`
    })
    .join("\n")
}

/** Runs a pool of async tasks, `concurrency` at a time. */
async function pool<T>(items: T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, async () => {
      while (next < items.length) await task(items[next++])
    }),
  )
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => undefined)
  const concurrency = options.concurrency ?? 4
  const seed = options.seed ?? 20240501
  const wallMs: Record<string, number> = {}
  const problems: string[] = []
  const started = Date.now()
  let phaseStart = started
  const phase = (name: string) => {
    const now = Date.now()
    wallMs[name] = now - phaseStart
    phaseStart = now
    log(`${name}: ${((now - started) / 1000).toFixed(1)} s`)
  }

  const sim: RunningSimulator = await startSimulator({ port: 0 })
  const servers: MedusaServer[] = []
  try {
    const databaseUrl = await createTestDatabase(uniqueDatabaseName("kos_soak"))
    await prepareDatabase(databaseUrl)
    const sql = <T extends Record<string, unknown> = Record<string, unknown>>(text: string, params?: unknown[]) =>
      query<T>(databaseUrl, text, params)
    if (options.duplicateEvents !== false) await sql(DUPLICATE_EVENTS_SQL)
    const medusaOptions = {
      databaseUrl,
      klarnaBaseUrl: sim.url,
      klarnaUsername: sim.username,
      klarnaPassword: sim.password,
      pluginOptions: SOAK_PLUGIN_OPTIONS,
      redisUrl: options.redisUrl,
    }
    phase("database")
    const a = await startMedusa(medusaOptions)
    servers.push(a)
    const b = options.secondServer === false ? undefined : await startMedusa(medusaOptions)
    if (b) servers.push(b)
    phase("servers started")

    const apiA = await connect(a.url)
    const apiB = b ? await connect(b.url) : apiA
    const store: SeededStore = await seedStore(apiA, {
      currency: "sek",
      paymentProviders: ["klarna", "manual"],
      taxRate: 25,
      shippingPrice: 4900,
      products: [
        { title: "Tomatoes", price: 1200, sku: "TOM-1" },
        { title: "Rain jacket", price: 89900, sku: "JKT-1" },
      ],
    })

    // ---- Servers: alternate between A and B; while A is down (crash), everything goes to B. -----------
    let aDown = false
    let driverRetries = 0
    const apiFor = (i: number): StoreApi => (aDown || i % 2 === 0 ? apiB : apiA)
    /** Runs a step against a server; on any error re-runs it (steps re-read state, so they are idempotent). */
    const step = async <T>(i: number, what: string, fn: (api: StoreApi) => Promise<T>): Promise<T> => {
      for (let attempt = 1; ; attempt++) {
        const api = attempt === 1 ? apiFor(i) : apiFor(i + attempt)
        try {
          return await fn(api)
        } catch (error) {
          driverRetries++
          if (attempt >= 8) throw new Error(`${what}: ${(error as Error).message}\n${serverErrors(servers)}`)
          await sleep(300 * attempt)
        }
      }
    }

    // ---- Phase 1: checkouts (no faults: placing orders is not what is under test) ---------------------
    const placed: PlacedOrder[] = []
    await pool(
      Array.from({ length: options.orders }, (_, i) => i),
      concurrency,
      async (i) => {
        const result = await step(i, `checkout ${i}`, (api) =>
          checkout(api, {
            regionId: store.regionId,
            shippingOptionId: store.shippingOptionId,
            items: [
              { variantId: store.products[0].variantId, quantity: 2 },
              { variantId: store.products[1].variantId, quantity: 1 },
            ],
            provider: "klarna",
            simulatorUrl: sim.url,
          }),
        ).catch((error: unknown) => {
          problems.push(`checkout ${i} failed: ${(error as Error).message}`)
          log(`  checkout ${i} failed: ${(error as Error).message}`)
          return undefined
        })
        if (!result) return
        placed.push({
          index: i,
          id: result.order.id,
          klarnaOrderId: result.klarnaOrderId as string,
          total: result.order.total,
          items: result.order.items.map((item) => ({ id: item.id, quantity: item.quantity })),
        })
        if (placed.length % 100 === 0) log(`  placed ${placed.length}/${options.orders}`)
      },
    )
    placed.sort((x, y) => x.index - y.index)
    phase("checkouts")

    // ---- Phase 2: faults on; fulfillments and shipments, with a crash in the middle ------------------
    await fetch(`${sim.url}/__sim/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        match: { path: "/ordermanagement/", times: -1 },
        fault: { type: "random", rate: options.faultRate ?? 0.2, timeout_ms: 3000 },
        seed,
      }),
    })
    let done = 0
    let killedPid: number | null = null
    let restartMs: number | null = null
    let crash: Promise<void> = Promise.resolve()
    const crashAt = Math.max(1, Math.floor(options.orders * 0.4))
    const fulfil = async (order: PlacedOrder) => {
      const i = order.index
      await step(i, `fulfillment 1 of ${order.id}`, async (api) => {
        const current = await getOrder(api, order.id)
        if (current.fulfillments.length === 0) await createFulfillment(api, order.id, [{ itemId: order.items[0].id, quantity: 1 }])
      })
      await step(i + 1, `fulfillment 2 of ${order.id}`, async (api) => {
        const current = await getOrder(api, order.id)
        const rest = current.items
          .map((item) => ({ itemId: item.id, quantity: item.quantity - (item.fulfilled_quantity ?? 0) }))
          .filter((item) => item.quantity > 0)
        if (rest.length > 0) await createFulfillment(api, order.id, rest)
      })
      await step(i, `shipments of ${order.id}`, async (api) => {
        const current = await getOrder(api, order.id)
        const fulfillments = [...current.fulfillments].sort((x, y) => String(x.created_at).localeCompare(String(y.created_at)))
        for (const [k, fulfillment] of fulfillments.entries()) {
          if (fulfillment.shipped_at || fulfillment.canceled_at) continue
          if (k === 0) await createShipment(api, order.id, fulfillment.id, [`TRK-${i}-A`])
          else if (i % 3 === 0) await createShipment(api, order.id, fulfillment.id, [`TRK-${i}-C`, `TRK-${i}-B`])
        }
      })
      done++
      if (done === crashAt && options.crash !== false) {
        crash = (async () => {
          killedPid = a.pid
          aDown = true
          log(`  SIGKILL Medusa A (pid ${killedPid}) after ${done} orders`)
          await a.kill()
          await sleep(1500)
          const restartStarted = Date.now()
          await a.restart()
          restartMs = Date.now() - restartStarted
          aDown = false
          log(`  Medusa A restarted (pid ${a.pid}) in ${restartMs} ms`)
        })()
      }
      if (done % 100 === 0) log(`  fulfilled ${done}/${options.orders}`)
    }
    await pool(placed, concurrency, (order) =>
      fulfil(order).catch((error: unknown) => {
        problems.push(`order ${order.id}: ${(error as Error).message}`)
        log(`  order ${order.id}: ${(error as Error).message}`)
      }),
    )
    await crash
    phase("fulfillments and shipments")

    // ---- Phase 3: refunds, once Medusa shows the payment captured (the plugin marks it when Klarna has it all)
    const settleDeadline = Date.now() + (options.settleTimeoutMs ?? 180_000)
    let refunded = 0
    const refund = async (order: PlacedOrder) => {
      const i = order.index
      const amounts = i % 3 === 0 ? [1500, 700] : [1000 + (i % 5) * 100]
      let current: MedusaOrder | undefined
      while (Date.now() < settleDeadline) {
        current = await step(i, `order ${order.id}`, (api) => getOrder(api, order.id))
        if (current.payment_status === "captured" || current.payment_status.includes("refunded")) break
        await sleep(1000)
      }
      if (!current || !(current.payment_status === "captured" || current.payment_status.includes("refunded"))) {
        problems.push(`order ${order.id}: Medusa's payment never became captured (${current?.payment_status}); no refund made`)
        return
      }
      for (const [k, amount] of amounts.entries()) {
        await step(i + k, `refund ${k + 1} of ${order.id}`, async (api) => {
          const now = await getOrder(api, order.id)
          if ((now.refunds ?? []).length <= k) await createRefund(api, order.id, amount, "other")
        })
      }
      refunded++
      if (refunded % 100 === 0) log(`  refunded ${refunded}/${options.orders}`)
    }
    await pool(placed, concurrency, (order) =>
      refund(order).catch((error: unknown) => {
        problems.push(`order ${order.id}: ${(error as Error).message}`)
        log(`  order ${order.id}: ${(error as Error).message}`)
      }),
    )
    phase("refunds")

    // ---- Settle: nothing staged, no job open, nothing for the sweep to add, three times in a row ------
    const orderIds = placed.map((order) => order.id)
    let calm = 0
    let lastState = ""
    while (calm < 3) {
      const [state] = await sql<{ staged: string; open: string; missing: string }>(
        `SELECT (SELECT count(*) FROM staged_job)::text AS staged,
                (SELECT count(*) FROM klarna_sync_job WHERE state IN ('pending', 'running'))::text AS open,
                ((SELECT count(*) FROM fulfillment f WHERE f.order_id = ANY($1) AND f.canceled_at IS NULL
                    AND NOT EXISTS (SELECT 1 FROM klarna_sync_job j WHERE j.job_key = 'medusa:capture:' || f.id))
                 + (SELECT count(*) FROM refund r WHERE r.order_id = ANY($1)
                    AND NOT EXISTS (SELECT 1 FROM klarna_sync_job j WHERE j.job_key = 'medusa:refund:' || r.id)))::text AS missing`,
        [orderIds],
      )
      lastState = `staged events ${state.staged}, open jobs ${state.open}, fulfillments/refunds without a job ${state.missing}`
      calm = state.staged === "0" && state.open === "0" && state.missing === "0" ? calm + 1 : 0
      if (Date.now() > settleDeadline) {
        problems.push(`did not settle: ${lastState}`)
        break
      }
      await sleep(1500)
    }
    phase("settle")

    const report = await verify({ sim, sql, placed, servers, problems, killedPid, restartMs, driverRetries, wallMs })
    report.wallMs.total = Date.now() - started
    return report
  } finally {
    await Promise.all(servers.map((server) => server.stop().catch(() => undefined)))
    await sim.close()
  }
}

interface SimCaptureView {
  capture_id: string
  reference?: string
  captured_amount: number
  shipping_info?: { tracking_number?: string }[]
}
interface SimOrderView {
  order_id: string
  status: string
  captured_amount: number
  refunded_amount: number
  remaining_authorized_amount: number
  captures: SimCaptureView[]
  refunds: { refund_id: string; reference?: string; refunded_amount: number }[]
}
interface SimLogged {
  method: string
  path: string
  headers: Record<string, string>
  status: number | null
  replayed?: boolean
  fault?: string
  dropped?: boolean
}

async function verify(context: {
  sim: RunningSimulator
  sql: <T extends Record<string, unknown> = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<T[]>
  placed: PlacedOrder[]
  servers: MedusaServer[]
  problems: string[]
  killedPid: number | null
  restartMs: number | null
  driverRetries: number
  wallMs: Record<string, number>
}): Promise<SoakReport> {
  const { sim, sql, placed, problems } = context
  const orderIds = placed.map((order) => order.id)
  const simOrders = new Map(
    ((await (await fetch(`${sim.url}/__sim/orders`)).json()) as SimOrderView[]).map((order) => [order.order_id, order]),
  )
  const fulfillments = await sql<{ id: string; order_id: string }>(
    `SELECT id, order_id FROM fulfillment WHERE order_id = ANY($1) AND canceled_at IS NULL ORDER BY created_at`,
    [orderIds],
  )
  const trackings = await sql<{ fulfillment_id: string; tracking_number: string }>(
    `SELECT t.fulfillment_id, t.tracking_number FROM tracking_link t JOIN fulfillment f ON f.id = t.fulfillment_id
      WHERE f.order_id = ANY($1) AND t.deleted_at IS NULL`,
    [orderIds],
  )
  const refunds = await sql<{ id: string; order_id: string; amount: number }>(
    `SELECT id, order_id, amount FROM refund WHERE order_id = ANY($1)`,
    [orderIds],
  )
  const payments = await sql<{ order_id: string; amount: number; captured_at: Date | null }>(
    `SELECT order_id, amount, captured_at FROM payment WHERE order_id = ANY($1) AND provider_id = 'klarna'`,
    [orderIds],
  )
  const captureRows = await sql<{ source_id: string; capture_id: string | null; captured_amount: number; status: string }>(
    `SELECT source_id, capture_id, captured_amount, status FROM klarna_capture WHERE platform_order_id = ANY($1)`,
    [orderIds],
  )
  const refundRows = await sql<{ platform_refund_id: string; refund_id: string | null; refunded_amount: number; status: string }>(
    `SELECT platform_refund_id, refund_id, refunded_amount, status FROM klarna_refund WHERE platform_order_id = ANY($1)`,
    [orderIds],
  )
  const mappings = await sql<{ platform_order_id: string; captured_amount: number; refunded_amount: number; status: string }>(
    `SELECT platform_order_id, captured_amount, refunded_amount, status FROM klarna_order WHERE platform_order_id = ANY($1)`,
    [orderIds],
  )

  const captures: Counts = { expected: fulfillments.length, mirrored: 0, doubled: 0, lost: 0 }
  const refundCounts: Counts = { expected: refunds.length, mirrored: 0, doubled: 0, lost: 0 }
  const amountMismatches: string[] = []
  const trackingMismatches: string[] = []
  const mirrorMismatches: string[] = []
  const byOrder = <T extends { order_id: string }>(rows: T[]) => {
    const map = new Map<string, T[]>()
    for (const row of rows) map.set(row.order_id, [...(map.get(row.order_id) ?? []), row])
    return map
  }
  const fulfillmentsOf = byOrder(fulfillments)
  const refundsOf = byOrder(refunds)
  const paymentOf = new Map(payments.map((payment) => [payment.order_id, payment]))
  const mappingOf = new Map(mappings.map((mapping) => [mapping.platform_order_id, mapping]))
  const captureRowOf = new Map(captureRows.map((row) => [row.source_id, row]))
  const refundRowOf = new Map(refundRows.map((row) => [row.platform_refund_id, row]))

  // Every POST Klarna received, read once: the key check below and a tracking mismatch's detail use it.
  const postedToKlarna = (await (await fetch(`${sim.url}/__sim/requests?method=POST`)).json()) as SimLogged[]
  for (const order of placed) {
    const remote = simOrders.get(order.klarnaOrderId)
    if (!remote) {
      problems.push(`order ${order.id}: the simulator has no Klarna order ${order.klarnaOrderId}`)
      continue
    }
    const known = new Set<string>()
    for (const fulfillment of fulfillmentsOf.get(order.id) ?? []) {
      known.add(fulfillment.id)
      const matching = remote.captures.filter((capture) => capture.reference === fulfillment.id)
      if (matching.length === 0) captures.lost++
      else captures.mirrored++
      captures.doubled += Math.max(0, matching.length - 1)
      const capture = matching[0]
      if (!capture) continue
      const row = captureRowOf.get(fulfillment.id)
      if (!row || row.status !== "captured" || row.capture_id !== capture.capture_id || row.captured_amount !== capture.captured_amount) {
        mirrorMismatches.push(
          `capture of ${fulfillment.id}: klarna_capture ${JSON.stringify(row)} vs Klarna ${capture.capture_id} ${capture.captured_amount}`,
        )
      }
      const expectedTracking = trackings
        .filter((t) => t.fulfillment_id === fulfillment.id)
        .map((t) => t.tracking_number)
        .sort()
      const sentTracking = (capture.shipping_info ?? []).map((s) => s.tracking_number ?? "").sort()
      if (JSON.stringify(expectedTracking) !== JSON.stringify(sentTracking)) {
        trackingMismatches.push(`capture of ${fulfillment.id}: Medusa ${expectedTracking.join(",")} vs Klarna ${sentTracking.join(",")}`)
        // What sent it (the soak's databases and simulator are gone once it ends): the fulfillment's jobs and
        // the Klarna calls on its capture.
        const jobsOfFulfillment = await sql<{ job_key: string; state: string; attempts: number; request: unknown }>(
          `SELECT job_key, state, attempts, request FROM klarna_sync_job WHERE payload->>'fulfillmentId' = $1 ORDER BY created_at`,
          [fulfillment.id],
        )
        for (const job of jobsOfFulfillment) {
          const sent = (job.request as { shipping_info?: { tracking_number?: string }[] } | null)?.shipping_info
          trackingMismatches.push(
            `  job ${job.job_key}: ${job.state}, ${job.attempts} attempt(s), frozen tracking ${JSON.stringify(sent?.map((t) => t.tracking_number) ?? null)}`,
          )
        }
        for (const call of postedToKlarna.filter((c) => c.path.includes(capture.capture_id))) {
          trackingMismatches.push(
            `  Klarna call POST ${call.path} key=${call.headers["klarna-idempotency-key"] ?? "-"} fault=${JSON.stringify(call.fault ?? null)} dropped=${String(call.dropped ?? false)} replayed=${String(call.replayed ?? false)}`,
          )
        }
      }
    }
    captures.doubled += remote.captures.filter((capture) => !capture.reference || !known.has(capture.reference)).length

    const knownRefunds = new Set<string>()
    for (const refund of refundsOf.get(order.id) ?? []) {
      knownRefunds.add(refund.id)
      const matching = remote.refunds.filter((candidate) => candidate.reference === refund.id)
      if (matching.length === 0) refundCounts.lost++
      else refundCounts.mirrored++
      refundCounts.doubled += Math.max(0, matching.length - 1)
      if (matching[0] && matching[0].refunded_amount !== refund.amount) {
        amountMismatches.push(`refund ${refund.id}: Medusa ${refund.amount}, Klarna ${matching[0].refunded_amount}`)
      }
      const row = refundRowOf.get(refund.id)
      if (matching[0] && (!row || row.status !== "refunded" || row.refund_id !== matching[0].refund_id)) {
        mirrorMismatches.push(`refund ${refund.id}: klarna_refund ${JSON.stringify(row)} vs Klarna ${matching[0].refund_id}`)
      }
    }
    refundCounts.doubled += remote.refunds.filter((refund) => !refund.reference || !knownRefunds.has(refund.reference)).length

    const payment = paymentOf.get(order.id)
    if (remote.captured_amount !== order.total || payment?.amount !== order.total) {
      amountMismatches.push(
        `order ${order.id}: Medusa total ${order.total} (payment ${payment?.amount}), Klarna captured ${remote.captured_amount}`,
      )
    }
    const medusaRefunded = (refundsOf.get(order.id) ?? []).reduce((sum, refund) => sum + refund.amount, 0)
    if (remote.refunded_amount !== medusaRefunded) {
      amountMismatches.push(`order ${order.id}: Medusa refunded ${medusaRefunded}, Klarna ${remote.refunded_amount}`)
    }
    if (remote.status !== "CAPTURED" || remote.remaining_authorized_amount !== 0) {
      problems.push(`order ${order.id}: Klarna status ${remote.status}, remaining ${remote.remaining_authorized_amount}`)
    }
    if (!payment?.captured_at) problems.push(`order ${order.id}: Medusa's payment is not captured`)
    const mapping = mappingOf.get(order.id)
    if (!mapping || mapping.captured_amount !== remote.captured_amount || mapping.refunded_amount !== remote.refunded_amount) {
      mirrorMismatches.push(
        `order ${order.id}: klarna_order ${JSON.stringify(mapping)} vs Klarna ${remote.captured_amount}/${remote.refunded_amount}`,
      )
    }
  }

  // ---- Jobs and attempts ------------------------------------------------------------------------------
  const jobs = await sql<{
    id: string
    job_key: string
    idempotency_key: string
    state: string
    attempts: number
    operation: string
    logged: number[] | null
  }>(
    `SELECT j.id, j.job_key, j.idempotency_key, j.state, j.attempts, j.operation,
            (SELECT array_agg(DISTINCT a.attempt ORDER BY a.attempt) FROM klarna_sync_attempt a WHERE a.job_id = j.id) AS logged
       FROM klarna_sync_job j
      -- An orphan's cancel is keyed by the cart whose completion failed (a checkout the driver then retried):
      -- no order of the run, but a job whose Klarna call is legitimate and must be accounted like the others.
      WHERE j.platform_order_id = ANY($1) OR j.operation = 'cancel_orphan'`,
    [orderIds],
  )
  const jobStates: Record<string, number> = {}
  const unaccounted: string[] = []
  for (const job of jobs) {
    jobStates[job.state] = (jobStates[job.state] ?? 0) + 1
    const expected = Array.from({ length: job.attempts }, (_, k) => k + 1)
    if (JSON.stringify(job.logged ?? []) !== JSON.stringify(expected)) {
      unaccounted.push(`${job.job_key}: attempts ${job.attempts}, logged ${JSON.stringify(job.logged ?? [])}`)
    }
  }
  const [attemptTotals] = await sql<{ logged: string; interrupted: string }>(
    `SELECT count(*)::text AS logged, count(*) FILTER (WHERE a.error LIKE 'Interrupted:%')::text AS interrupted
       FROM klarna_sync_attempt a JOIN klarna_sync_job j ON j.id = a.job_id WHERE j.platform_order_id = ANY($1)`,
    [orderIds],
  )

  // ---- What reached Klarna: every mutation carries a job's key, never more often than its attempts allow.
  const requests = postedToKlarna
  const mutations = requests.filter((request) => request.path.includes("/ordermanagement/"))
  const jobByKey = new Map(jobs.map((job) => [job.idempotency_key, job]))
  const sentPerKey = new Map<string, number>()
  let unknownKeys = 0
  for (const request of mutations) {
    const key = request.headers["klarna-idempotency-key"]
    if (!key || !jobByKey.has(key)) {
      unknownKeys++
      // Which call it was, for the investigation of a rare CI failure (a key that is no job's current key).
      process.stderr.write(`[soak] a Klarna mutation with no job's key: POST ${request.path} key=${key ?? "(none)"}\n`)
      continue
    }
    sentPerKey.set(key, (sentPerKey.get(key) ?? 0) + 1)
  }
  const overSent: string[] = []
  const perAttempt = 1 + SOAK_PLUGIN_OPTIONS.http.maxRetries
  for (const [key, sent] of sentPerKey) {
    const job = jobByKey.get(key)
    if (job && sent > job.attempts * perAttempt) overSent.push(`${job.job_key}: ${sent} requests for ${job.attempts} attempts`)
  }

  const duplicated = await sql<{ n: string }>(`SELECT count(*)::text AS n FROM kos_soak_event_copy`).catch(() => [{ n: "0" }])
  let sweepRuns = 0
  let sweepQueued = 0
  const sweepLines: string[] = []
  const subscriberErrors: string[] = []
  for (const server of context.servers) {
    for (const match of server.logs().matchAll(/sweep converged (\d+) order\(s\), queued (\d+) missing job[^\n]*/g)) {
      sweepRuns++
      sweepQueued += Number(match[2])
      if (Number(match[2]) > 0) sweepLines.push(match[0])
    }
    for (const match of server.logs().matchAll(/An error occurred while processing [^\n]*/g)) subscriberErrors.push(match[0])
  }

  return {
    orders: placed.length,
    captures,
    refunds: refundCounts,
    amountMismatches,
    trackingMismatches,
    mirrorMismatches,
    jobs: jobStates,
    orphanCancels: jobs.filter((job) => job.operation === "cancel_orphan").length,
    stuckJobs: (jobStates.pending ?? 0) + (jobStates.running ?? 0),
    failedJobs: jobStates.failed ?? 0,
    attempts: { logged: Number(attemptTotals.logged), interrupted: Number(attemptTotals.interrupted), unaccounted },
    klarna: {
      mutations: mutations.length,
      faulted: mutations.filter((request) => request.fault).length,
      droppedAfterApply: mutations.filter((request) => request.dropped).length,
      replayed: mutations.filter((request) => request.replayed).length,
      unknownKeys,
      overSent,
    },
    duplicatedEvents: Number(duplicated[0]?.n ?? 0),
    sweep: { runs: sweepRuns, queued: sweepQueued, lines: sweepLines },
    subscriberErrors,
    crash: { killedPid: context.killedPid, restartMs: context.restartMs },
    driverRetries: context.driverRetries,
    wallMs: context.wallMs,
    problems,
  }
}

/** True when the run proved exactly once. */
export function soakPassed(report: SoakReport): boolean {
  return (
    report.captures.doubled === 0 &&
    report.captures.lost === 0 &&
    report.refunds.doubled === 0 &&
    report.refunds.lost === 0 &&
    report.amountMismatches.length === 0 &&
    report.trackingMismatches.length === 0 &&
    report.mirrorMismatches.length === 0 &&
    report.stuckJobs === 0 &&
    report.failedJobs === 0 &&
    report.attempts.unaccounted.length === 0 &&
    report.klarna.unknownKeys === 0 &&
    report.klarna.overSent.length === 0 &&
    report.problems.length === 0
  )
}

export function formatCounts(report: SoakReport): string {
  const c = report.captures
  const r = report.refunds
  return (
    `captures expected=${c.expected} captured=${c.mirrored} doubled=${c.doubled} lost=${c.lost}; ` +
    `refunds expected=${r.expected} refunded=${r.mirrored} doubled=${r.doubled} lost=${r.lost}`
  )
}

export function formatReport(report: SoakReport): string {
  const list = (title: string, items: string[]) =>
    items.length ? `${title} (${items.length}):\n  ${items.slice(0, 20).join("\n  ")}\n` : ""
  return (
    `orders ${report.orders}; jobs ${JSON.stringify(report.jobs)} (orphan cancels ${report.orphanCancels}); attempts logged ${report.attempts.logged} ` +
    `(${report.attempts.interrupted} interrupted by the crash, taken over after the lease)\n` +
    `Klarna mutations ${report.klarna.mutations}: faulted ${report.klarna.faulted}, applied-then-dropped ${report.klarna.droppedAfterApply}, ` +
    `idempotent replays ${report.klarna.replayed}, unknown keys ${report.klarna.unknownKeys}\n` +
    `events staged twice ${report.duplicatedEvents}; sweeps that found work ${report.sweep.runs}, jobs they queued ${report.sweep.queued}; ` +
    `crash: killed pid ${report.crash.killedPid ?? "-"}, restart ${report.crash.restartMs ?? "-"} ms; driver retries ${report.driverRetries}\n` +
    `wall times (s): ${Object.entries(report.wallMs)
      .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`)
      .join(", ")}\n` +
    list("amount mismatches", report.amountMismatches) +
    list("tracking mismatches", report.trackingMismatches) +
    list("mirror mismatches", report.mirrorMismatches) +
    list("attempts not accounted for", report.attempts.unaccounted) +
    list("keys sent more often than attempts allow", report.klarna.overSent) +
    list("problems", report.problems) +
    list("jobs the sweep queued before their event was handled (slow) or in its place (lost)", report.sweep.lines) +
    list("subscriber errors logged by Medusa's event bus", report.subscriberErrors)
  )
}
