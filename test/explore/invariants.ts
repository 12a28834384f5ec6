/**
 * What must hold once an order has converged, checked against what Klarna (the simulator) holds and
 * what it received (its request log), never against the engine's own bookkeeping. Each check returns
 * readable violations; an empty list is a pass.
 */
import type { KlarnaOrderLine, KlarnaShippingInfo } from "../../packages/core/src/klarna/types"
import type { RefundSnapshot } from "../../packages/core/src/sync/order-model"
import { idempotencyKeyFor } from "../../packages/core/src/sync/idempotency"
import { jobKeys } from "../../packages/core/src/sync/job-keys"
import { simOrder, simRequests, type SimOrder } from "../support/simulator-client"
import type { ExploreEnvironment } from "./environment"
import { activeUnits, everythingFulfilled, itemNet, orderTotal, type ModelItem, type ModelOrder } from "./platform-model"
import { carrierTrackingUrl } from "../../packages/core/src/sync/carriers"

/** Klarna's limits on shipping_info, counted in Unicode code points (om-api-notes §2). */
export const TRACKING_LIMITS = { tracking_number: 100, shipping_company: 100, tracking_uri: 1024 }
export const codePoints = (text: string): number => [...text].length

/** Klarna's tax formula on a tax-inclusive total, computed independently of src/ (net rounded half away from zero). */
function expectedTax(total: number, rate: number): number {
  const numerator = BigInt(Math.abs(total)) * 10000n
  const denominator = BigInt(10000 + rate)
  const net = (2n * numerator + denominator) / (2n * denominator)
  return Math.sign(total) * Number(BigInt(Math.abs(total)) - net)
}

type RefusedJob = {
  last_error_code: string | null
  last_error: string | null
  payload: { fulfillmentId?: string }
}

export async function checkInvariants(env: ExploreEnvironment, order: ModelOrder): Promise<string[]> {
  const violations: string[] = []
  const fail = (message: string) => violations.push(message)
  const klarna = await simOrder(env.sim.url, order.klarnaOrderId)
  const requests = (await simRequests(env.sim.url, order.klarnaOrderId)).filter((r) => r.method !== "GET")
  const jobs = await env.sql<
    RefusedJob & { job_key: string; operation: string; state: string; last_http_status: number | null; result: { reason?: string } | null }
  >(
    `SELECT job_key, operation, state, payload, result, last_error_code, last_error, last_http_status FROM klarna_sync_job WHERE platform_order_id = $1`,
    [order.orderId],
  )
  const refused = jobs.filter((job) => job.state === "failed" && job.last_error_code === "SHIPPING_INFO_REFUSED")
  for (const job of jobs) {
    if (job.state === "failed" && job.last_error_code !== "SHIPPING_INFO_REFUSED") {
      fail(`job ${job.job_key} parked: ${job.last_http_status ?? ""} ${job.last_error_code ?? ""} ${job.last_error ?? ""}`)
    }
  }

  const byId = new Map(order.fulfillments.map((f) => [f.id, f]))
  const itemBySku = new Map(order.items.map((item) => [item.sku, item]))
  const remainingCaptures = klarna.captures.filter((c) => c.reference === order.orderId)
  const fulfillmentCaptures = klarna.captures.filter((c) => c.reference !== order.orderId)

  // ---- Captures: once per fulfillment, of exactly the units that stay fulfilled ----------------------
  const seen = new Set<string>()
  for (const capture of klarna.captures) {
    const reference = capture.reference ?? "(none)"
    if (seen.has(reference)) fail(`two captures with reference ${reference}`)
    seen.add(reference)
    if (reference !== order.orderId && !byId.has(reference))
      fail(`capture ${capture.capture_id} has reference ${reference}, which is no fulfillment of the order`)
    const fulfillment = byId.get(reference)
    if (fulfillment?.canceledBeforeCapture)
      fail(`fulfillment ${reference} was canceled before its capture was sent, yet Klarna has capture ${capture.capture_id}`)
    violations.push(...checkLines(order, capture.order_lines ?? [], `capture ${reference}`))
    if (fulfillment) {
      for (const line of itemLines(capture.order_lines ?? [])) {
        const item = itemBySku.get(line.reference ?? "")
        const units = fulfillment.items.find((l) => l.itemId === item?.id)?.quantity ?? 0
        if (line.quantity > units) fail(`capture ${reference} has ${line.quantity} × ${line.reference}, the fulfillment only ${units}`)
      }
    }
  }
  const capturedUnits = (captures: SimOrder["captures"]) => {
    const units = new Map<string, number>()
    for (const capture of captures) {
      for (const line of itemLines(capture.order_lines ?? [])) {
        const item = itemBySku.get(line.reference ?? "")
        if (item) units.set(item.id, (units.get(item.id) ?? 0) + line.quantity)
      }
    }
    return units
  }
  const allCaptured = capturedUnits(klarna.captures)
  const paidCanceled = capturedUnits(fulfillmentCaptures.filter((c) => byId.get(c.reference ?? "")?.canceled))
  // A shipment the gift card pays in full has nothing to charge: Klarna refuses a capture of 0, so none is sent.
  const zeroAmount = new Set(
    jobs
      .filter(
        (job) => job.operation === "capture" && job.state === "skipped" && /zero_amount|nothing to charge/.test(job.result?.reason ?? ""),
      )
      .map((job) => String(job.payload.fulfillmentId)),
  )
  // Without a gift card, a fulfillment charges nothing only when its units were paid already (max() below).
  const active = activeUnits(order.giftCard ? { ...order, fulfillments: order.fulfillments.filter((f) => !zeroAmount.has(f.id)) } : order)
  const remainingCaptured = remainingCaptures.length > 0
  for (const item of order.items) {
    const captured = allCaptured.get(item.id) ?? 0
    const fulfilled = active.get(item.id) ?? 0
    const paid = paidCanceled.get(item.id) ?? 0
    // Every unit that stays fulfilled is paid; a unit canceled after its capture stays paid (Klarna keeps the
    // capture) and may cover a later fulfillment of the same item; no unit is paid twice, so never more than
    // the units ordered. Capture payment pays every unit.
    const [low, high] = remainingCaptured
      ? [item.quantity, item.quantity]
      : [Math.max(fulfilled, paid), Math.min(item.quantity, fulfilled + paid)]
    if (captured < low || captured > high) {
      fail(
        `item ${item.sku}: Klarna captured ${captured} units, expected ${low === high ? low : `${low}..${high}`} (ordered ${item.quantity}, fulfilled ${fulfilled}, paid by canceled fulfillments ${paid}${remainingCaptured ? ", remaining captured" : ""})`,
      )
    }
  }
  for (const capture of klarna.captures) {
    if (order.capturesAtCancel && !order.capturesAtCancel.includes(capture.reference ?? "")) {
      fail(`capture ${capture.reference} (${capture.captured_amount}) reached Klarna after the order was canceled`)
    }
  }
  const shippingLines = klarna.captures.flatMap((c) => (c.order_lines ?? []).filter((l) => l.type === "shipping_fee"))
  if (shippingLines.length > (order.shipping ? 1 : 0)) fail(`shipping captured ${shippingLines.length} times`)
  const giftCardCredit = -klarna.captures
    .flatMap((c) => c.order_lines ?? [])
    .filter((l) => l.type === "gift_card")
    .reduce((s, l) => s + l.total_amount, 0)
  if (giftCardCredit > (order.giftCard?.amount ?? 0))
    fail(`gift card credited ${giftCardCredit}, the card paid ${order.giftCard?.amount ?? 0}`)

  const total = orderTotal(order)
  if (klarna.captured_amount > total) fail(`captured ${klarna.captured_amount} > authorized ${total}`)
  const done = order.canceled || everythingFulfilled(order)
  if (done && !order.canceled && !hasPaidCanceledSurplus(order, paidCanceled)) {
    if (klarna.captured_amount !== total) fail(`everything shipped: captured ${klarna.captured_amount}, order total ${total}`)
    if (zeroAmount.size === 0 && shippingLines.length !== (order.shipping ? 1 : 0))
      fail(`everything shipped: shipping captured ${shippingLines.length} times`)
    if (zeroAmount.size === 0 && giftCardCredit !== (order.giftCard?.amount ?? 0))
      fail(`everything shipped: gift card credited ${giftCardCredit} of ${order.giftCard?.amount ?? 0}`)
  }

  // ---- Release / cancel ---------------------------------------------------------------------------
  if (done) {
    if (klarna.captured_amount === 0 && order.canceled && klarna.status !== "CANCELLED")
      fail(`canceled order with nothing captured: Klarna status ${klarna.status}`)
    if (klarna.captured_amount > 0 && klarna.remaining_authorized_amount !== 0)
      fail(`nothing more will ship, yet ${klarna.remaining_authorized_amount} stays authorized`)
    if (klarna.captured_amount === 0 && !order.canceled && klarna.status !== "CANCELLED" && klarna.remaining_authorized_amount !== 0) {
      fail(
        `nothing more will ship and nothing was captured, yet the order is ${klarna.status} with ${klarna.remaining_authorized_amount} authorized`,
      )
    }
  }

  // ---- Refunds ------------------------------------------------------------------------------------
  const platformRefunded = order.refunds.reduce((s, r) => s + r.amount, 0)
  if (klarna.refunded_amount !== platformRefunded) fail(`Klarna refunded ${klarna.refunded_amount}, the platform ${platformRefunded}`)
  if (klarna.refunded_amount > klarna.captured_amount) fail(`refunded ${klarna.refunded_amount} > captured ${klarna.captured_amount}`)
  const refundRefs = new Set<string>()
  for (const refund of klarna.refunds) {
    const reference = refund.reference ?? "(none)"
    if (refundRefs.has(reference)) fail(`two refunds with reference ${reference}`)
    refundRefs.add(reference)
    const platform = order.refunds.find((r) => r.id === reference)
    if (!platform) fail(`refund ${refund.refund_id} has reference ${reference}, which is no refund of the order`)
    else if (platform.amount !== refund.refunded_amount)
      fail(`refund ${reference}: Klarna ${refund.refunded_amount}, platform ${platform.amount}`)
    if (platform) violations.push(...checkRefundLines(order, platform, refund))
  }

  // ---- Tracking -----------------------------------------------------------------------------------
  for (const fulfillment of order.fulfillments) {
    if (fulfillment.trackings.length === 0) continue
    const capture = fulfillmentCaptures.find((c) => c.reference === fulfillment.id)
    if (!capture) continue // credited in full or paid by Capture payment: no capture of its own to carry tracking
    const sent: KlarnaShippingInfo[] = capture.shipping_info ?? []
    const refusals = refused.filter((job) => job.payload.fulfillmentId === fulfillment.id)
    const refusedValue = (value: string) => refusals.some((job) => (job.last_error ?? "").includes(value))
    const company = fulfillment.shippingCompany
    const companyFits = company === undefined || codePoints(company) <= TRACKING_LIMITS.shipping_company
    if (!companyFits && !refusedValue(company as string))
      fail(
        `fulfillment ${fulfillment.id}: shipping company of ${codePoints(company as string)} code points neither sent nor recorded as refused`,
      )
    for (const tracking of fulfillment.trackings) {
      const number = tracking.trackingNumber
      const entry = sent.find((e) => e.tracking_number === number)
      if (codePoints(number) > TRACKING_LIMITS.tracking_number) {
        if (!refusedValue(number))
          fail(`fulfillment ${fulfillment.id}: tracking number of ${codePoints(number)} code points not recorded as refused`)
        continue
      }
      if (!entry) {
        fail(
          `fulfillment ${fulfillment.id}: tracking ${JSON.stringify(number)} is not on capture ${capture.capture_id} (has ${JSON.stringify(sent.map((e) => e.tracking_number))})`,
        )
        continue
      }
      if (companyFits && entry.shipping_company !== company)
        fail(`fulfillment ${fulfillment.id}: shipping_company ${JSON.stringify(entry.shipping_company)}, typed ${JSON.stringify(company)}`)
      if (!companyFits && entry.shipping_company !== undefined)
        fail(`fulfillment ${fulfillment.id}: a refused shipping company was sent as ${JSON.stringify(entry.shipping_company)}`)
      // The link the customer gets: the URL the merchant typed (an http(s) one), else the carrier's page for
      // the number from the carrier table the widget uses too (carriers.ts), else none.
      const typedUrl =
        tracking.trackingUrl !== undefined && /^https?:\/\/\S+$/i.test(tracking.trackingUrl.trim())
          ? tracking.trackingUrl.trim()
          : undefined
      const uri = typedUrl ?? (companyFits ? carrierTrackingUrl(company, number) : undefined)
      if (uri !== undefined && codePoints(uri) > TRACKING_LIMITS.tracking_uri) {
        if (entry.tracking_uri !== undefined) fail(`fulfillment ${fulfillment.id}: a refused tracking_uri was sent`)
        if (!refusedValue(uri))
          fail(`fulfillment ${fulfillment.id}: tracking_uri of ${codePoints(uri)} code points not recorded as refused`)
      } else if (entry.tracking_uri !== uri) {
        fail(
          `fulfillment ${fulfillment.id}: tracking_uri ${JSON.stringify(entry.tracking_uri)}, expected ${JSON.stringify(uri)} (typed ${JSON.stringify(tracking.trackingUrl)})`,
        )
      }
    }
    const typed = new Set(fulfillment.trackings.map((t) => t.trackingNumber))
    // Klarna appends: a number sent twice shows twice in the customer's app.
    const seen = new Set<string>()
    for (const entry of sent) {
      const number = entry.tracking_number ?? ""
      if (seen.has(number))
        fail(`fulfillment ${fulfillment.id}: tracking ${JSON.stringify(number)} is on capture ${capture.capture_id} twice`)
      seen.add(number)
    }
    for (const entry of sent) {
      if (!typed.has(entry.tracking_number ?? ""))
        fail(`fulfillment ${fulfillment.id}: Klarna has tracking ${JSON.stringify(entry.tracking_number)}, which the merchant never typed`)
    }
  }

  // ---- Idempotency keys: every mutation carries its platform object's key --------------------------
  const captureSource = new Map(klarna.captures.map((c) => [c.capture_id, c.reference ?? ""]))
  const key = (jobKey: string) => idempotencyKeyFor(jobKey)
  for (const request of requests) {
    const sentKey = request.headers["klarna-idempotency-key"]
    const body = (request.body ?? {}) as { reference?: string }
    let expected: string[] = []
    if (/\/captures$/.test(request.path)) {
      expected =
        body.reference === order.orderId
          ? [key(jobKeys.captureRemaining("medusa", order.orderId))]
          : [key(jobKeys.capture("medusa", body.reference ?? ""))]
    } else if (/\/captures\/[^/]+\/shipping-info$/.test(request.path)) {
      const captureId = request.path.split("/captures/")[1].split("/")[0]
      const fulfillment = byId.get(captureSource.get(captureId) ?? "")
      if (fulfillment) {
        const numbers = fulfillment.trackings.map((t) => t.trackingNumber)
        // The job key names the tracking numbers known when it was queued: any non-empty subset in typing order.
        for (let n = 1; n <= numbers.length; n++) expected.push(key(jobKeys.shippingInfo("medusa", fulfillment.id, numbers.slice(0, n))))
      }
    } else if (/\/refunds$/.test(request.path)) {
      expected = [key(jobKeys.refund("medusa", body.reference ?? ""))]
    } else if (/\/release-remaining-authorization$/.test(request.path)) {
      // The automatic release, or the cancel of an order that has captures (it releases the rest instead).
      // (An automatic release skipped earlier moves its key on: `:again:<n>`, engine.ts automaticReleaseKey.)
      const release = jobKeys.release("medusa", order.orderId)
      expected = [key(release), ...[1, 2, 3, 4, 5].map((n) => key(`${release}:again:${n}`)), key(jobKeys.cancel("medusa", order.orderId))]
    } else if (/\/cancel$/.test(request.path)) {
      expected = [key(jobKeys.cancel("medusa", order.orderId))]
    }
    if (!sentKey) fail(`${request.method} ${request.path} carried no Klarna-Idempotency-Key`)
    else if (!expected.includes(sentKey))
      fail(
        `${request.method} ${request.path} carried key ${sentKey}, not its platform object's (${expected.join(" | ") || "unknown mutation"})`,
      )
  }
  return violations
}

/**
 * Units canceled after their capture and not fulfilled again stay paid: then the captures legitimately
 * add up to more than the fulfilled units are worth, and "captured = order total" does not apply.
 */
function hasPaidCanceledSurplus(order: ModelOrder, paidCanceled: Map<string, number>): boolean {
  const active = activeUnits(order)
  return order.items.some((item) => (paidCanceled.get(item.id) ?? 0) > (active.get(item.id) ?? 0))
}

/**
 * A refund's lines are what it pays back: the returned units, each line exactly the items it stands for
 * (valued as captured), and nothing else when the refund is worth exactly those units; a refund without
 * returned units carries no item line (one adjustment line). Either way the lines add up to the refund.
 */
function checkRefundLines(order: ModelOrder, platform: RefundSnapshot, refund: SimOrder["refunds"][number]): string[] {
  const problems: string[] = []
  const what = `refund ${platform.id}`
  const lines = refund.order_lines ?? []
  const sum = lines.reduce((s, l) => s + l.total_amount, 0)
  if (sum !== refund.refunded_amount) problems.push(`${what}: lines add up to ${sum}, refunded ${refund.refunded_amount}`)
  const returned = platform.returnedItems ?? []
  const value = returned.reduce((s, l) => s + l.quantity * itemNet(order.items.find((i) => i.id === l.itemId) as ModelItem), 0)
  for (const line of itemLines(lines)) {
    const item = order.items.find((i) => i.sku === line.reference)
    const units = returned.find((l) => l.itemId === item?.id)?.quantity ?? 0
    if (line.quantity > units)
      problems.push(`${what}: ${line.quantity} × ${line.reference ?? line.name} refunded as returned, ${units} returned`)
  }
  if (returned.length > 0 && platform.amount === value) {
    const expected = returned.map((l) => ({ item: order.items.find((i) => i.id === l.itemId) as ModelItem, quantity: l.quantity }))
    if (lines.length !== expected.length)
      problems.push(
        `${what}: ${lines.length} lines ${JSON.stringify(lines.map((l) => l.reference ?? l.name))}, the returned units are ${expected.length} items`,
      )
    for (const { item, quantity } of expected) {
      const line = lines.find((l) => l.reference === item.sku)
      if (!line) problems.push(`${what}: no line for the returned ${quantity} × ${item.sku}`)
      else problems.push(...compareLine(what, line, expectedItemLine(item, quantity)))
    }
  }
  return problems
}

const itemLines = (lines: KlarnaOrderLine[]) => lines.filter((l) => l.type === "physical" || l.type === "digital")

/** Every line is exactly the items, shipping or gift card it stands for; no adjustment line (amounts never differ here). */
function checkLines(order: ModelOrder, lines: KlarnaOrderLine[], what: string): string[] {
  const problems: string[] = []
  for (const line of lines) {
    if (line.type === "physical" || line.type === "digital") {
      const item = order.items.find((i) => i.sku === line.reference)
      if (!item) {
        problems.push(`${what}: line ${JSON.stringify(line.name)} (${line.reference}) is no item of the order`)
        continue
      }
      problems.push(...compareLine(what, line, expectedItemLine(item, line.quantity)))
    } else if (line.type === "shipping_fee") {
      const shipping = order.shipping
      if (!shipping) problems.push(`${what}: a shipping line, the order has no shipping`)
      else {
        problems.push(
          ...compareLine(what, line, {
            quantity: 1,
            unit_price: shipping.amount,
            total_amount: shipping.amount,
            total_discount_amount: 0,
            tax_rate: shipping.taxRate,
            total_tax_amount: expectedTax(shipping.amount, shipping.taxRate),
          }),
        )
      }
    } else if (line.type === "gift_card") {
      if (!order.giftCard) problems.push(`${what}: a gift card line, the order has no gift card`)
      else if (line.total_amount >= 0 || -line.total_amount > order.giftCard.amount)
        problems.push(`${what}: gift card line of ${line.total_amount}`)
    } else {
      problems.push(
        `${what}: unexpected ${line.type} line ${JSON.stringify(line.name)} of ${line.total_amount} (the amounts add up exactly)`,
      )
    }
  }
  return problems
}

type LineFigures = Pick<
  KlarnaOrderLine,
  "quantity" | "unit_price" | "total_amount" | "total_discount_amount" | "tax_rate" | "total_tax_amount"
>

function expectedItemLine(item: ModelItem, quantity: number): LineFigures {
  const total = quantity * itemNet(item)
  return {
    quantity,
    unit_price: item.unitPrice,
    total_amount: total,
    total_discount_amount: quantity * item.unitDiscount,
    tax_rate: item.taxRate,
    total_tax_amount: expectedTax(total, item.taxRate),
  }
}

function compareLine(what: string, line: KlarnaOrderLine, expected: LineFigures): string[] {
  const problems: string[] = []
  for (const field of Object.keys(expected) as (keyof LineFigures)[]) {
    const actual = line[field] ?? 0
    if (actual !== expected[field])
      problems.push(`${what}: line ${line.reference ?? line.name} ${field} ${actual}, expected ${expected[field]}`)
  }
  return problems
}
