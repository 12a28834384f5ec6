/**
 * Issue 6, the widget in a real browser: Debian's Chromium (playwright-core) against the Medusa admin
 * built WITH the plugin's widget (scripts/build-admin.ts) and served by a real Medusa 1.20 server with
 * the plugin, PostgreSQL and the Klarna simulator.
 *
 * The merchant logs in, opens a Klarna order with two captures (tracking on both) and a third capture
 * Klarna refused, reads the widget, presses Retry and sees the capture go through; presses Resend on a
 * capture; releases the remaining authorization of another order; and sees no Klarna section on an
 * order paid otherwise. Screenshots go to test/artifacts/.
 */
import fs from "node:fs"
import path from "node:path"
import { chromium, type Browser, type Page } from "playwright-core"
import { ensureAdminBuild } from "../../scripts/build-admin"
import { formatMoney, minorToDecimalString } from "../../packages/admin-widget/src/lib/money"
import { ADMIN_EMAIL, ADMIN_PASSWORD } from "../support/medusa"
import { startMedusaStack, type MedusaStack } from "../support/medusa-stack"
import { simOrder, simRequests } from "../support/simulator-client"
import { createFulfillment, createRefund, createShipment, eventually, type CheckoutResult } from "../support/store-api"
import { itemOf, klarnaCheckout, manualCheckout, refuseNextCapture, REFUSAL, viewWhen } from "./support"

jest.setTimeout(300_000)

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"
const ARTIFACTS = path.join(__dirname, "..", "artifacts")
/** What a fulfillment provider that knows its tracking pages records in tracking_link.url. */
const STORE_TRACKING_URL = "https://track.example-3pl.com/parcels/"

let stack: MedusaStack
let adminEnv: Record<string, string>
let browser: Browser
let page: Page
const pageErrors: string[] = []
const consoleErrors: string[] = []
const pending = new Set<string>()
const responsesSeen: string[] = []

const money = (minor: number) => formatMoney(minor, "SEK", "en-US")

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true })
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (see .ci/run)`)
  const admin = await ensureAdminBuild()
  adminEnv = { MEDUSA_ADMIN_SERVE: "true", MEDUSA_ADMIN_BUILD_DIR: admin.outDir, KLARNA_ENABLE_UI: "true" }
  stack = await startMedusaStack({ name: "kos_admin_ui", medusa: { env: adminEnv } })
  // The admin asks every new user about analytics in a modal that covers the page: answer it up front.
  await stack.api.admin("POST", "/analytics-configs", { opt_out: true, anonymize: true })
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-dev-shm-usage"] })
  // Tall: the admin scrolls an inner container, so only what fits the viewport can be screenshot.
  const context = await browser.newContext({ viewport: { width: 1440, height: 2400 }, locale: "en-US", timezoneId: "Europe/Stockholm" })
  // Chromium's HTTP cache off (routing every request through Playwright turns it off). With it on, about one
  // order-page load in five on a busy machine stayed on the admin's session spinner although every request,
  // GET /admin/auth included, had been answered 200 or 304 (seen 6 times in one run of this file, and in CI);
  // with it off, no such load in full runs at a load average of 12. The admin's own page, not the widget, is
  // what hung: this test is about the widget, so it takes the cache out of the way.
  await context.route("**/*", (route) => route.continue())
  page = await context.newPage()
  page.on("pageerror", (error) => pageErrors.push(error.message))
  page.on("request", (request) => pending.add(`${request.method()} ${request.url()}`))
  page.on("requestfinished", (request) => pending.delete(`${request.method()} ${request.url()}`))
  page.on("requestfailed", (request) => pending.delete(`${request.method()} ${request.url()}`))
  page.on("response", async (response) => {
    const url = response.url()
    if (!url.includes("/admin/")) return
    const cookie = (await response.allHeaders().catch(() => ({}) as Record<string, string>))["set-cookie"]
    if (response.status() >= 400 || cookie || url.endsWith("/admin/auth")) {
      responsesSeen.push(
        `${new Date().toISOString()} ${response.request().method()} ${url} ${response.status()}${cookie ? ` set-cookie ${cookie.slice(0, 40)}` : ""}`,
      )
    }
  })
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text())
  })
  await login(page)
})

afterAll(async () => {
  await browser?.close()
  await stack?.close()
  if (pageErrors.length > 0) console.warn(`errors in the admin page:\n${pageErrors.join("\n")}`) // eslint-disable-line no-console
})

async function login(p: Page): Promise<void> {
  await p.goto(`${stack.medusa.url}/app/login`)
  await submitLogin(p)
}

async function submitLogin(p: Page): Promise<void> {
  await p.locator('input[name="email"]').fill(ADMIN_EMAIL)
  await p.locator('input[name="password"]').fill(ADMIN_PASSWORD)
  await p.locator('button[type="submit"]').click()
  await p.waitForURL(/\/app\/a\//, { timeout: 30_000 })
}

async function openOrder(orderId: string): Promise<void> {
  const customerCard = page.getByRole("heading", { name: "Customer" })
  await page.goto(`${stack.medusa.url}/app/a/orders/${orderId}`)
  // The order page is there when its own Customer card is.
  try {
    await customerCard.waitFor({ timeout: 15_000 })
    return
  } catch {
    // Seen now and then (about one page load in twenty, with no request left unanswered and no page
    // error): the admin stays on its loading spinner. Note it and load the page once more.
    const dom = await page.evaluate(() => document.body.innerHTML.slice(0, 1500)).catch(() => "(no DOM)")
    // eslint-disable-next-line no-console
    console.warn(
      `admin order page still loading after 15 s, reloading. DOM: ${dom}\nresponses: ${responsesSeen.slice(-40).join("\n")}\ncookies: ${JSON.stringify(await page.context().cookies())}`,
    )
  }
  // Also seen on a busy machine: the admin's session answered 401 and the page never left its spinner. Log in
  // again when the login form shows (the admin sends a signed-in user on to its pages), then load the order.
  await page.goto(`${stack.medusa.url}/app/login`)
  if (
    await page
      .locator('input[name="email"]')
      .waitFor({ timeout: 5_000 })
      .then(
        () => true,
        () => false,
      )
  )
    await submitLogin(page)
  await page.goto(`${stack.medusa.url}/app/a/orders/${orderId}`)
  try {
    await customerCard.waitFor({ timeout: 30_000 })
  } catch (error) {
    await page.screenshot({ path: path.join(ARTIFACTS, `order-page-not-loaded-${Date.now()}.png`) })
    throw new Error(
      `${(error as Error).message}\nurl: ${page.url()}\npage errors: ${pageErrors.join("\n")}\nconsole: ${consoleErrors.join("\n")}` +
        `\nunanswered requests: ${[...pending].join("\n")}\nMedusa's last output:\n${stack.medusa.logs().slice(-4000)}`,
    )
  }
}

const widget = () => page.getByTestId("klarna-widget")

/**
 * A Klarna order of 3 × Tomatoes and 1 × Rain jacket, fulfilled in three parts: capture 1 (with a tracking
 * URL recorded by the store), capture 2 (two parcels, no URL: the widget links PostNord's page) and a third
 * capture that Klarna refuses (403), parked for a manual retry.
 */
async function orderWithTwoCapturesAndARefusal(): Promise<{ placed: CheckoutResult; orderId: string; klarnaId: string }> {
  const placed = await klarnaCheckout(stack, [
    { product: 0, quantity: 3 },
    { product: 1, quantity: 1 },
  ])
  const orderId = placed.order.id
  const klarnaId = placed.klarnaOrderId as string
  const tomatoes = itemOf(stack, placed, 0)
  const jacket = itemOf(stack, placed, 1)

  // Medusa's admin API records tracking numbers without URLs; a fulfillment provider would add them.
  await stack.sql(`
    CREATE OR REPLACE FUNCTION kos_test_tracking_url() RETURNS trigger AS $$
    BEGIN
      IF NEW.url IS NULL THEN NEW.url := '${STORE_TRACKING_URL}' || NEW.tracking_number; END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql`)
  await stack.sql(`DROP TRIGGER IF EXISTS kos_test_tracking_url ON tracking_link`)
  await stack.sql(
    `CREATE TRIGGER kos_test_tracking_url BEFORE INSERT ON tracking_link FOR EACH ROW EXECUTE FUNCTION kos_test_tracking_url()`,
  )
  const first = await createFulfillment(stack.api, orderId, [{ itemId: tomatoes.id, quantity: 1 }])
  await createShipment(stack.api, orderId, first.fulfillment.id, ["00370712345678901234"])
  await stack.sql(`DROP TRIGGER kos_test_tracking_url ON tracking_link`)

  const second = await createFulfillment(stack.api, orderId, [
    { itemId: tomatoes.id, quantity: 1 },
    { itemId: jacket.id, quantity: 1 },
  ])
  await createShipment(stack.api, orderId, second.fulfillment.id, ["JJD000390007781234", "JJD000390007785678"])
  await viewWhen(
    stack.api,
    orderId,
    (v) =>
      v.captures.length === 2 &&
      v.captures.every((c) => c.status === "captured") &&
      v.captures.reduce((n, c) => n + c.shipping_info.length, 0) === 3,
    "two captures with their tracking",
  )

  await refuseNextCapture(stack.simulator.url, klarnaId)
  await createFulfillment(stack.api, orderId, [{ itemId: tomatoes.id, quantity: 1 }])
  await viewWhen(stack.api, orderId, (v) => v.has_failures, "the third capture refused")
  return { placed, orderId, klarnaId }
}

describe("the Klarna widget on the order page", () => {
  test("shows amounts, captures with lines and tracking, Klarna's refusal; Retry gets the capture through", async () => {
    const { placed, orderId, klarnaId } = await orderWithTwoCapturesAndARefusal()
    // Klarna knows the order by the store's number and id once the plugin has told it (after order.placed).
    await viewWhen(stack.api, orderId, (v) => v.merchant_references.merchant_reference1 !== null, "merchant references set")
    const remote = await simOrder(stack.simulator.url, klarnaId)
    expect([remote.merchant_reference1, remote.merchant_reference2]).toEqual([String(placed.order.display_id), orderId])

    await openOrder(orderId)
    await widget().waitFor({ timeout: 20_000 })
    await widget().scrollIntoViewIfNeeded()

    // Header: Klarna's order id and status.
    await expectText(page.getByTestId("klarna-order-id"), klarnaId)
    await expectText(page.getByTestId("klarna-status"), "Partly captured")

    // The references Klarna knows the order by: the order number and the order id, as in Klarna's portal.
    await expectText(page.getByTestId("klarna-merchant-reference1"), String(placed.order.display_id))
    await expectText(page.getByTestId("klarna-merchant-reference2"), orderId)
    expect(await page.getByTestId("klarna-merchant-references").innerText()).toContain("Merchant reference 1 (order number)")

    // Amounts, in the order's currency.
    await expectText(page.getByTestId("klarna-amount-authorized"), money(placed.order.total))
    await expectText(page.getByTestId("klarna-amount-captured"), money(remote.captured_amount))
    await expectText(page.getByTestId("klarna-amount-remaining"), money(placed.order.total - remote.captured_amount))

    // One row per capture, named and ordered like the Fulfillment card above it, with its items and each
    // tracking number linked to its tracking page. The refused one is listed too, as not captured.
    const captures = page.getByTestId("klarna-capture")
    const captured = page.locator('[data-testid="klarna-capture"][data-capture-status="captured"]')
    expect(await captured.count()).toBe(2)
    expect(await captures.count()).toBe(3)
    expect(await page.getByTestId("klarna-capture-title").allInnerTexts()).toEqual(["Fulfillment #1", "Fulfillment #2", "Fulfillment #3"])
    const [one, two, three] = [captures.nth(0), captures.nth(1), captures.nth(2)]
    expect(await one.getAttribute("data-capture-status")).toBe("captured")
    expect(await two.getAttribute("data-capture-status")).toBe("captured")
    await expectText(three, "Not captured yet")
    await expectText(one.getByTestId("klarna-order-lines"), "1 × Tomatoes")
    await expectText(one.getByTestId("klarna-order-lines"), "Shipping") // with the first fulfillment
    await expectText(two.getByTestId("klarna-order-lines"), "1 × Tomatoes")
    await expectText(two.getByTestId("klarna-order-lines"), "1 × Rain jacket")
    expect(await one.getByTestId("klarna-carrier").first().innerText()).toBe("PostNord")
    const oneLinks = one.getByTestId("klarna-tracking-link")
    expect(await oneLinks.count()).toBe(1)
    expect(await oneLinks.first().innerText()).toContain("00370712345678901234")
    expect(await oneLinks.first().getAttribute("href")).toBe(`${STORE_TRACKING_URL}00370712345678901234`)
    const twoLinks = two.getByTestId("klarna-tracking-link")
    expect(await twoLinks.count()).toBe(2)
    const hrefs = await twoLinks.evaluateAll((links) => links.map((a) => (a as HTMLAnchorElement).href))
    expect(hrefs.sort()).toEqual([
      "https://www.postnord.se/en/our-tools/track-and-trace?shipmentId=JJD000390007781234",
      "https://www.postnord.se/en/our-tools/track-and-trace?shipmentId=JJD000390007785678",
    ])

    // The error state: Klarna's code, message and correlation id, and a Retry button.
    const failure = page.getByTestId("klarna-failure")
    expect(await failure.count()).toBe(1)
    await expectText(failure, "Capture failed")
    await expectText(failure.getByTestId("klarna-error-code"), REFUSAL.error_code)
    await expectText(failure.getByTestId("klarna-error-message"), REFUSAL.error_messages[0])
    await expectText(failure.getByTestId("klarna-correlation-id"), REFUSAL.correlation_id)
    await expectText(failure, "HTTP 403")
    await widget().screenshot({ path: path.join(ARTIFACTS, "klarna-widget-failed.png") })
    const failedJobId = (await failure.getAttribute("data-job-id")) as string

    await failure.getByTestId("klarna-retry").click()
    // The widget follows the job by itself: the alert goes, the third capture arrives.
    await page.getByTestId("klarna-failure").waitFor({ state: "detached", timeout: 20_000 })
    await eventually(async () => (await captured.count()) === 3, { what: "third capture in the widget" })
    await expectText(page.getByTestId("klarna-status"), "Captured")
    await expectText(page.getByTestId("klarna-amount-captured"), money(placed.order.total))
    await expectText(page.getByTestId("klarna-amount-remaining"), money(0))
    await expectText(page.getByTestId("klarna-release"), "Nothing left to release")
    expect(await page.getByTestId("klarna-release").isDisabled()).toBe(true)
    // The order page's own Payment card follows (Medusa's payment is marked captured with Klarna's order).
    await eventually(async () => (await page.getByText("Awaiting payment").count()) === 0, {
      what: "Medusa's Payment card no longer awaiting payment",
      timeoutMs: 15_000,
    })
    const after = await simOrder(stack.simulator.url, klarnaId)
    expect(after.captures).toHaveLength(3)
    expect(after.captured_amount).toBe(placed.order.total)

    // The sync log folds out: one row per Klarna call, the retried capture among them.
    await page.getByTestId("klarna-sync-log-toggle").click()
    const jobs = page.getByTestId("klarna-job")
    expect(await jobs.count()).toBeGreaterThanOrEqual(3)
    expect(await page.locator('[data-testid="klarna-job"][data-job-state="failed"]').count()).toBe(0)
    // A row folds out into its attempts, with what Klarna answered each time.
    const retried = page.locator(`[data-testid="klarna-job"][data-job-id="${failedJobId}"]`)
    await expectText(retried, "Done")
    await retried.click()
    await expectText(page.getByTestId("klarna-sync-log"), `HTTP 403 · ${REFUSAL.error_code}`)
    await expectText(page.getByTestId("klarna-sync-log"), `correlation id ${REFUSAL.correlation_id}`)
    await page.getByTestId("klarna-sync-log").screenshot({ path: path.join(ARTIFACTS, "klarna-widget-sync-log.png") })
    await page.getByTestId("klarna-sync-log-toggle").click()

    // Resend the customer communication of the first capture.
    const firstCaptureId = (await captures.nth(0).getAttribute("data-capture-id")) as string
    await captures.nth(0).getByTestId("klarna-resend").click()
    await eventually(
      async () => (await simRequests(stack.simulator.url, `/captures/${firstCaptureId}/trigger-send-out`)).some((r) => r.method === "POST"),
      { what: "Klarna's trigger-send-out" },
    )

    await page.mouse.move(0, 0)
    await page.waitForTimeout(500) // let the toasts fade
    await widget().screenshot({ path: path.join(ARTIFACTS, "klarna-widget.png") })
    await page.screenshot({ path: path.join(ARTIFACTS, "klarna-order-page.png") })
    expect(pageErrors.filter((e) => /klarna/i.test(e))).toEqual([])
  })

  test("a refund shows up with its amount and lines", async () => {
    const placed = await klarnaCheckout(stack, [{ product: 0, quantity: 2 }])
    const orderId = placed.order.id
    await createFulfillment(stack.api, orderId, [{ itemId: itemOf(stack, placed, 0).id, quantity: 2 }])
    await viewWhen(stack.api, orderId, (v) => v.status === "CAPTURED", "the full capture")
    // Medusa refunds only a captured payment; the plugin marks it captured once Klarna's order is.
    await eventually(
      async () =>
        (await stack.api.admin<{ order: { payment_status: string } }>("GET", `/orders/${orderId}`)).order.payment_status === "captured",
      {
        what: "Medusa payment captured",
      },
    )
    await createRefund(stack.api, orderId, 500, "discount", "Goodwill")
    await viewWhen(stack.api, orderId, (v) => v.refunds.some((r) => r.status === "refunded"), "the refund")

    await openOrder(orderId)
    await widget().waitFor({ timeout: 20_000 })
    await expectText(page.getByTestId("klarna-refunds"), "Refund 1")
    await expectText(page.getByTestId("klarna-refunds"), money(500))
    await expectText(page.getByTestId("klarna-amount-refunded"), money(500))
    await page.mouse.move(0, 0)
    await widget().screenshot({ path: path.join(ARTIFACTS, "klarna-widget-refund.png") })
  })

  test("Release remaining asks for confirmation, then Klarna releases what will not be captured", async () => {
    const placed = await klarnaCheckout(stack, [
      { product: 0, quantity: 1 },
      { product: 1, quantity: 1 },
    ])
    const orderId = placed.order.id
    const klarnaId = placed.klarnaOrderId as string
    await createFulfillment(stack.api, orderId, [{ itemId: itemOf(stack, placed, 0).id, quantity: 1 }])
    // The capture's job done: the order's amounts are updated too.
    const view = await viewWhen(
      stack.api,
      orderId,
      (v) => v.amounts.captured > 0 && v.jobs.every((j) => j.state !== "pending" && j.state !== "running"),
      "the capture",
    )
    const remaining = view.amounts.remaining
    expect(remaining).toBeGreaterThan(0)

    await openOrder(orderId)
    await widget().waitFor({ timeout: 20_000 })
    const release = page.getByTestId("klarna-release")
    await expectText(release, `Release remaining ${money(remaining)}`)
    await release.click()
    const dialog = page.getByRole("alertdialog")
    await dialog.waitFor()
    await expectText(dialog, money(remaining))
    await dialog.getByRole("button", { name: "Release" }).click()
    await eventually(async () => (await page.getByTestId("klarna-amount-released").innerText()).includes(money(remaining)), {
      what: "released amount in the widget",
      timeoutMs: 20_000,
    })
    await expectText(page.getByTestId("klarna-amount-remaining"), money(0))
    expect((await simOrder(stack.simulator.url, klarnaId)).remaining_authorized_amount).toBe(0)
    await page.mouse.move(0, 0)
    await widget().screenshot({ path: path.join(ARTIFACTS, "klarna-widget-released.png") })
  })

  test("a canceled order that kept its capture says so, and Refund in Klarna refunds it", async () => {
    const placed = await klarnaCheckout(stack, [
      { product: 0, quantity: 1 },
      { product: 1, quantity: 1 },
    ])
    const orderId = placed.order.id
    const klarnaId = placed.klarnaOrderId as string
    const { fulfillment } = await createFulfillment(stack.api, orderId, [{ itemId: itemOf(stack, placed, 0).id, quantity: 1 }])
    const captured = (await viewWhen(stack.api, orderId, (v) => v.amounts.captured > 0, "the partial capture")).amounts.captured
    await stack.api.admin("POST", `/orders/${orderId}/fulfillments/${fulfillment.id}/cancel`)
    await stack.api.admin("POST", `/orders/${orderId}/cancel`)
    await viewWhen(stack.api, orderId, (v) => v.jobs.every((j) => j.state !== "pending" && j.state !== "running"), "the cancel to settle")

    await openOrder(orderId)
    await widget().waitFor({ timeout: 20_000 })
    const notice = page.getByTestId("klarna-canceled-captured")
    await expectText(notice, `This order is canceled, but the customer was charged ${money(captured)} in Klarna`)
    const amount = page.getByTestId("klarna-refund-amount")
    // More than Klarna holds: refused in the widget, nothing sent.
    await amount.fill(minorToDecimalString(captured + 1, 2))
    expect(await page.getByTestId("klarna-refund-in-klarna").isDisabled()).toBe(true)
    await expectText(page.getByTestId("klarna-refund-amount-error"), `Enter an amount up to ${money(captured)}`)
    await amount.fill("10.00")
    await page.getByTestId("klarna-refund-in-klarna").click()
    const dialog = page.getByRole("alertdialog")
    await dialog.waitFor()
    await expectText(dialog, money(1000))
    await dialog.getByRole("button", { name: "Refund" }).click()

    await eventually(async () => (await page.getByTestId("klarna-amount-refunded").innerText()).includes(money(1000)), {
      what: "the refund in the widget's amounts",
      // The refund goes through the outbox worker and the widget's next read: slow on a loaded CI machine.
      timeoutMs: 45_000,
    })
    await expectText(page.getByTestId("klarna-refunds"), money(1000))
    await expectText(notice, `charged ${money(captured - 1000)} in Klarna`)
    const klarna = await simOrder(stack.simulator.url, klarnaId)
    expect(klarna.refunds.map((r) => r.refunded_amount)).toEqual([1000])
    await page.getByTestId("klarna-sync-log-toggle").click()
    await expectText(page.getByTestId("klarna-sync-log"), "Refund")
    await page.mouse.move(0, 0)
    await widget().screenshot({ path: path.join(ARTIFACTS, "klarna-widget-canceled-refund.png") })
    await page.getByTestId("klarna-sync-log-toggle").click()
  })

  test("an order not paid with Klarna shows no Klarna section", async () => {
    const placed = await manualCheckout(stack)
    await openOrder(placed.order.id)
    await page.waitForLoadState("networkidle")
    expect(await widget().count()).toBe(0)
    expect(await page.getByText("Klarna order").count()).toBe(0)
  })
})

/**
 * Issue 13: the widget keeps itself current. The merchant works on the order page as usual (Create
 * fulfillment, Mark shipped, Refund) and the widget shows Klarna's answer within a few seconds, with no
 * reload; when nothing is pending it stops asking the plugin's API.
 */
describe("the widget follows the order page's own actions without a reload", () => {
  const FOLLOW_MS = 12_000
  const ANSWER_SHOWN_MS = 4_000
  let klarnaRequests: number[] = []
  const countKlarnaRequests = (orderId: string) => (request: { method(): string; url(): string }) => {
    if (request.method() === "GET" && request.url().includes(`/admin/klarna/orders/${orderId}`)) klarnaRequests.push(Date.now())
  }

  /** No request to the Klarna view for `ms` once the widget has settled: no timer left running. */
  async function expectIdle(what: string, ms = 6_000): Promise<void> {
    const from = Date.now()
    await page.waitForTimeout(ms)
    const during = klarnaRequests.filter((at) => at >= from)
    if (during.length > 0)
      throw new Error(`${what}: the widget asked for the Klarna view ${during.length} times in ${ms} ms while nothing was pending`)
  }

  /**
   * Waits for `condition` in the page after the merchant's click at `since`. The widget must show Klarna's
   * answer within ANSWER_SHOWN_MS of Klarna having it (`klarnaPath`: the simulator's request of it), and in
   * all within FOLLOW_MS of the click (Medusa's event bus and the worker take their part of that).
   */
  async function followedWithin(since: number, what: string, klarnaPath: string, condition: () => Promise<boolean>): Promise<string> {
    await eventually(condition, { what, timeoutMs: FOLLOW_MS + 5_000, intervalMs: 100 })
    const shown = Date.now()
    // The simulator logs when each request came (`at`).
    const logged = (await simRequests(stack.simulator.url, klarnaPath)) as (Awaited<ReturnType<typeof simRequests>>[number] & {
      at: string
    })[]
    const klarnaCall = logged.filter((r) => r.method === "POST" && Date.parse(r.at) >= since - 1000)
    expect(klarnaCall).not.toHaveLength(0)
    const klarnaAt = Date.parse(klarnaCall[0].at)
    const polls = klarnaRequests.filter((at) => at >= since).map((at) => ((at - since) / 1000).toFixed(1))
    const timeline = `${what}: Klarna called ${klarnaAt - since} ms after the click, shown after ${shown - since} ms; widget reads at ${polls.join(", ")} s`
    console.log(timeline) // eslint-disable-line no-console
    expect(shown - klarnaAt).toBeLessThan(ANSWER_SHOWN_MS)
    expect(shown - since).toBeLessThan(FOLLOW_MS)
    return timeline
  }

  async function markPage(): Promise<void> {
    await page.evaluate(() => ((window as unknown as { klarnaTestMark: number }).klarnaTestMark = 1))
  }
  async function expectSamePage(): Promise<void> {
    expect(await page.evaluate(() => (window as unknown as { klarnaTestMark?: number }).klarnaTestMark)).toBe(1)
  }

  test("Create fulfillment, Mark shipped and Refund show up in the widget; polling stops when idle", async () => {
    const placed = await klarnaCheckout(stack, [{ product: 0, quantity: 2 }])
    const orderId = placed.order.id
    const klarnaId = placed.klarnaOrderId as string
    // The order's merchant references go to Klarna right after order.placed: while that job is pending the
    // widget rightly polls, so the idle check starts once it is done.
    await viewWhen(
      stack.api,
      orderId,
      (v) => v.jobs.some((j) => j.operation === "update_references") && !v.pending,
      "the order's references sent",
    )
    klarnaRequests = []
    const listener = countKlarnaRequests(orderId)
    page.on("request", listener)
    try {
      await openOrder(orderId)
      await widget().waitFor({ timeout: 20_000 })
      await expectText(page.getByTestId("klarna-captures"), "Nothing captured yet")
      await markPage()
      await expectIdle("a fresh authorized order")

      // Create fulfillment, in the admin's own modal (all items by default).
      await page.getByRole("button", { name: "Create Fulfillment" }).click()
      await page.getByText("Items to fulfill").waitFor()
      const clicked = Date.now()
      await page.getByRole("button", { name: "Create fulfillment", exact: true }).click()
      const captured = page.locator('[data-testid="klarna-capture"][data-capture-status="captured"]')
      const tookCapture = await followedWithin(
        clicked,
        "the capture in the widget",
        `${klarnaId}/captures`,
        async () => (await captured.count()) === 1,
      )
      const remote = await simOrder(stack.simulator.url, klarnaId)
      expect(remote.captures).toHaveLength(1)
      await expectText(page.getByTestId("klarna-amount-captured"), money(remote.captured_amount))
      await expectText(page.getByTestId("klarna-status"), "Captured")
      await expectSamePage()
      await page.mouse.move(0, 0)
      await widget().screenshot({ path: path.join(ARTIFACTS, "klarna-widget-live-captured.png") })
      // The order page's Payment card follows (the plugin marks Medusa's payment captured) and the widget
      // re-reads once for that change; then nothing is pending.
      await eventually(async () => (await page.getByRole("button", { name: "Refund" }).count()) > 0, {
        what: "the Refund button of the Payment card",
        timeoutMs: 15_000,
      })
      await page.waitForTimeout(2_500)
      await expectIdle("after the capture")

      // Mark shipped with a tracking number, in the fulfillment's menu.
      const trackingNumber = "LIVE00370712345678"
      await page
        .locator("div.flex.w-full.justify-between")
        .filter({ hasText: "Not shipped" })
        .locator('button[aria-haspopup="menu"]')
        .first()
        .click()
      await page
        .getByRole("menuitem", { name: "Mark Shipped" })
        .or(page.getByRole("button", { name: "Mark Shipped" }))
        .first()
        .click()
      await page.getByPlaceholder("Tracking number...").first().fill(trackingNumber)
      const shipped = Date.now()
      await page.getByRole("button", { name: "Complete" }).click()
      await followedWithin(shipped, "the tracking number in the widget", "/shipping-info", async () =>
        (await page.getByTestId("klarna-captures").innerText()).includes(trackingNumber),
      )
      await expectSamePage()
      await page.waitForTimeout(2_500)
      await expectIdle("after the shipment")

      // Refund 5.00 from the Payment card. The admin's fulfillment menu (a Radix dropdown that opened the Mark
      // shipped modal) leaves `pointer-events: none` on <body> now and then: the merchant's click would land
      // on nothing either; lift it, as moving on in the admin does.
      await page.evaluate(() => document.body.style.removeProperty("pointer-events"))
      await page.getByRole("button", { name: "Refund" }).first().click()
      const refundModal = page.locator("form").filter({ hasText: "Create a refund" })
      await refundModal.waitFor()
      await refundModal.locator("input:not([readonly])").first().fill("5") // the amount (the first input is the currency)
      const refunded = Date.now()
      await refundModal.getByRole("button", { name: "Complete" }).click()
      await followedWithin(refunded, "the refund in the widget", `${klarnaId}/refunds`, async () =>
        (await page.getByTestId("klarna-amount-refunded").innerText()).includes(money(500)),
      )
      await expectText(page.getByTestId("klarna-refunds"), money(500))
      expect((await simOrder(stack.simulator.url, klarnaId)).refunded_amount).toBe(500)
      await expectSamePage()
      await page.mouse.move(0, 0)
      await page.waitForTimeout(500)
      await widget().screenshot({ path: path.join(ARTIFACTS, "klarna-widget-live-refunded.png") })
      await page.waitForTimeout(2_500)
      await expectIdle("after the refund")
      console.log(`${tookCapture}; ${klarnaRequests.length} Klarna view requests in all`) // eslint-disable-line no-console
    } catch (error) {
      await page.screenshot({ path: path.join(ARTIFACTS, "klarna-widget-live-failure.png") })
      throw error
    } finally {
      page.off("request", listener)
    }
  })
})

/** Issue 13: states that explain themselves. */
describe("the widget explains what happened", () => {
  test("Cancel order on the order page: the widget says what Klarna cancelled, without a reload", async () => {
    const placed = await klarnaCheckout(stack, [{ product: 0, quantity: 1 }])
    const orderId = placed.order.id
    await openOrder(orderId)
    await widget().waitFor({ timeout: 20_000 })
    await expectText(page.getByTestId("klarna-status"), "Authorized")
    await page.evaluate(() => ((window as unknown as { klarnaTestMark: number }).klarnaTestMark = 2))

    // The order's own menu (the first "…" of the page, in the order's header card) → Cancel Order.
    await page.locator('button[aria-haspopup="menu"]').first().click()
    await page.getByRole("menuitem", { name: "Cancel Order" }).click()
    const confirmation = `order #${placed.order.display_id}`
    await page.getByPlaceholder(confirmation).fill(confirmation)
    await page.getByRole("button", { name: "Yes, confirm" }).click()

    await expectText(page.getByTestId("klarna-status"), "Cancelled")
    await expectText(page.getByTestId("klarna-settlement"), `Cancelled in Klarna: ${money(placed.order.total)} authorization cancelled`)
    await expectText(page.getByTestId("klarna-no-captures"), "the order was cancelled in Klarna")
    await expectText(page.getByTestId("klarna-amount-released"), "Cancelled")
    await expectText(page.getByTestId("klarna-amount-released"), money(placed.order.total))
    expect(await page.getByTestId("klarna-captures").innerText()).not.toContain("Nothing captured yet")
    expect(await page.evaluate(() => (window as unknown as { klarnaTestMark?: number }).klarnaTestMark)).toBe(2)
    expect((await simOrder(stack.simulator.url, placed.klarnaOrderId as string)).status).toBe("CANCELLED")
    await page.mouse.move(0, 0)
    await page.waitForTimeout(500)
    await widget().screenshot({ path: path.join(ARTIFACTS, "klarna-widget-cancelled.png") })
  })

  test("a skipped call says why in the sync log; a refusal shows Klarna's code, messages and correlation id", async () => {
    const placed = await klarnaCheckout(stack, [{ product: 0, quantity: 1 }])
    const orderId = placed.order.id
    const klarnaId = placed.klarnaOrderId as string
    // The capture is refused and parked; the tracking that comes after it then has no capture to go to:
    // its job is skipped, and the capture (retried) carries the tracking itself.
    await refuseNextCapture(stack.simulator.url, klarnaId)
    const { fulfillment } = await createFulfillment(stack.api, orderId, [{ itemId: itemOf(stack, placed, 0).id, quantity: 1 }])
    await viewWhen(stack.api, orderId, (v) => v.has_failures, "the capture refused")
    await createShipment(stack.api, orderId, fulfillment.id, ["SKIP00370712345678"])
    await viewWhen(
      stack.api,
      orderId,
      (v) => v.jobs.some((j) => j.operation === "shipping_info" && j.state === "skipped"),
      "the tracking job skipped",
    )

    await openOrder(orderId)
    await widget().waitFor({ timeout: 20_000 })
    const failure = page.getByTestId("klarna-failure")
    await expectText(failure.getByTestId("klarna-error-code"), REFUSAL.error_code)
    await expectText(failure.getByTestId("klarna-error-message"), REFUSAL.error_messages[0])
    await expectText(failure.getByTestId("klarna-correlation-id"), REFUSAL.correlation_id)

    await page.getByTestId("klarna-sync-log-toggle").click()
    // The tracking job, skipped. (The automatic release may be skipped too: it never releases while a
    // capture is parked for a Retry, and says so in its own row.)
    const skippedRows = page.locator('[data-testid="klarna-job"][data-job-state="skipped"]')
    const skippedRow = skippedRows.filter({ hasText: "Tracking" })
    expect(await skippedRow.count()).toBe(1)
    for (const text of await skippedRows.allInnerTexts()) expect(text).toMatch(/^(Tracking|Release remaining)/)
    await expectText(skippedRow, "Tracking")
    await expectText(page.getByTestId("klarna-job-reason").filter({ hasText: "Tracking went" }), "Tracking went in the capture itself")
    await skippedRow.click()
    await expectText(page.getByTestId("klarna-sync-log"), "Nothing sent: Tracking went in the capture itself")
    await page.mouse.move(0, 0)
    await page.getByTestId("klarna-sync-log").screenshot({ path: path.join(ARTIFACTS, "klarna-widget-sync-log-skipped.png") })

    // Retry: the capture goes through, with the tracking in it.
    await failure.getByTestId("klarna-retry").click()
    await page.getByTestId("klarna-failure").waitFor({ state: "detached", timeout: 20_000 })
    await expectText(page.getByTestId("klarna-captures"), "SKIP00370712345678")
    const [capture] = (await simOrder(stack.simulator.url, klarnaId)).captures
    expect((capture.shipping_info ?? []).map((info) => info.tracking_number)).toEqual(["SKIP00370712345678"])
  })
})

// Last: it restarts Medusa with the same credentials named Kustom's (provider kustom, still the simulator).
describe("the widget for a Kustom order", () => {
  test("names Kustom, and offers no Resend (Kustom deprecated trigger-send-out)", async () => {
    await stack.medusa.restart({ env: { ...adminEnv, KLARNA_PROVIDER: "kustom" } })
    await login(page)
    const placed = await klarnaCheckout(stack, [{ product: 0, quantity: 1 }])
    const orderId = placed.order.id
    const { fulfillment } = await createFulfillment(stack.api, orderId, [{ itemId: itemOf(stack, placed, 0).id, quantity: 1 }])
    await createShipment(stack.api, orderId, fulfillment.id, ["KUSTOM-1"])
    await viewWhen(
      stack.api,
      orderId,
      (v) => v.captures[0]?.status === "captured" && v.captures[0].shipping_info.length === 1,
      "the capture",
    )

    await openOrder(orderId)
    await widget().waitFor({ timeout: 20_000 })
    await widget().scrollIntoViewIfNeeded()
    await expectText(page.getByTestId("klarna-order-id"), "Kustom order")
    await expectText(page.getByTestId("klarna-order-id"), placed.klarnaOrderId as string)
    const capture = page.locator('[data-testid="klarna-capture"][data-capture-status="captured"]')
    expect(await capture.count()).toBe(1)
    await expectText(capture.getByTestId("klarna-order-lines"), "1 × Tomatoes")
    expect(await page.getByTestId("klarna-resend").count()).toBe(0)
    expect(await page.getByTestId("klarna-reconcile").innerText()).toBe("Check with Kustom")
    expect(await widget().getByText("Klarna order").count()).toBe(0)
    await page.mouse.move(0, 0)
    await widget().screenshot({ path: path.join(ARTIFACTS, "klarna-widget-kustom.png") })
  })
})

async function expectText(locator: ReturnType<Page["getByTestId"]>, text: string): Promise<void> {
  await eventually(async () => (await locator.innerText()).includes(text), { what: `"${text}" in the widget`, timeoutMs: 10_000 }).catch(
    async (error: unknown) => {
      throw new Error(`${(error as Error).message}; text was: ${await locator.innerText().catch(() => "(none)")}`)
    },
  )
}
