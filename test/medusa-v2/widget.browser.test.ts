/**
 * Issue 15, the widget in a real browser on Medusa v2: Debian's Chromium (playwright-core) against the v2
 * dashboard built WITH the plugin's widget (medusa build in the cached project) and served at /app by a real
 * Medusa 2.21 server with the plugin, PostgreSQL and the Klarna simulator. The same widget as v1's
 * (packages/admin-widget), as test/admin/widget.browser.test.ts reads it there.
 *
 * The merchant logs in to /app, opens a Klarna order with two shipped captures (tracking on both) and a
 * third capture Klarna refused, reads the widget, presses Retry and sees the capture go through, resends a
 * capture's customer communication; releases the remaining authorization of another order (confirming
 * the dashboard's prompt); and sees no Klarna section on an order paid otherwise. Screenshots go to test/artifacts/.
 */
import fs from "node:fs"
import path from "node:path"
import { chromium, type Browser, type Page } from "playwright-core"
import { formatMoney } from "../../packages/admin-widget/src/lib/money"
import { checkoutV2 } from "../support/medusa-v2-checkout"
import { V2_ADMIN_EMAIL, V2_ADMIN_PASSWORD } from "../support/medusa-v2-stack"
import { startV2SyncStack, type V2SyncStack } from "../support/medusa-v2-sync-stack"
import { simOrder, simRequests } from "../support/simulator-client"
import { eventually } from "../support/store-api"
import { refuseNextCapture, REFUSAL } from "../admin/support"
import { fulfill, placeKlarnaOrder, ship, viewWhenV2 } from "./admin-support"

jest.setTimeout(600_000)

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"
const ARTIFACTS = path.join(__dirname, "..", "artifacts")
const STORE_TRACKING_URL = "https://track.example-3pl.com/parcels/"

let stack: V2SyncStack
let browser: Browser
let page: Page
const pageErrors: string[] = []

const money = (minor: number) => formatMoney(minor, "SEK", "en-US")

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true })
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (see .ci/run)`)
  // Tracking numbers without a URL go to PostNord's tracking page (v1's widget test does the same).
  stack = await startV2SyncStack({ name: "v2_widget", admin: true, pluginOptions: { defaultShippingCompany: "postnord" } })
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-dev-shm-usage"] })
  const context = await browser.newContext({ viewport: { width: 1440, height: 2400 }, locale: "en-US", timezoneId: "Europe/Stockholm" })
  // Chromium's HTTP cache off (routing every request through Playwright turns it off), as in v1's widget test:
  // with it on, an admin page load now and then stayed on its spinner on a busy machine.
  await context.route("**/*", (route) => route.continue())
  page = await context.newPage()
  page.on("pageerror", (error) => pageErrors.push(error.message))
  await login()
})

afterAll(async () => {
  await browser?.close()
  await stack?.close()
  if (pageErrors.length > 0) console.warn(`errors in the admin page:\n${pageErrors.join("\n")}`) // eslint-disable-line no-console
})

async function login(): Promise<void> {
  await page.goto(`${stack.server.url}/app/login`)
  await page.locator('input[name="email"]').fill(V2_ADMIN_EMAIL)
  await page.locator('input[name="password"]').fill(V2_ADMIN_PASSWORD)
  await page.locator('button[type="submit"]').click()
  await page.waitForURL((url) => url.pathname.startsWith("/app") && !url.pathname.startsWith("/app/login"), { timeout: 30_000 })
}

async function openOrder(orderId: string): Promise<void> {
  await page.goto(`${stack.server.url}/app/orders/${orderId}`)
  // The order page is there when its own Summary section is.
  try {
    await page.getByRole("heading", { name: "Summary" }).first().waitFor({ timeout: 30_000 })
  } catch (error) {
    await page.screenshot({ path: path.join(ARTIFACTS, `v2-order-page-not-loaded-${Date.now()}.png`) })
    throw new Error(`${(error as Error).message}\nurl: ${page.url()}\npage errors: ${pageErrors.join("\n")}`)
  }
}

async function expectText(locator: ReturnType<Page["getByTestId"]>, text: string): Promise<void> {
  await eventually(async () => (await locator.innerText()).includes(text), { what: `"${text}" shown`, timeoutMs: 15_000 })
}

const widget = () => page.getByTestId("klarna-widget")

describe("the Klarna widget on the v2 order page", () => {
  test("shows amounts, captures with lines and tracking, Klarna's refusal; Retry gets the capture through", async () => {
    const placed = await placeKlarnaOrder(stack, [
      { sku: "TOM-1", quantity: 3 },
      { sku: "JKT-1", quantity: 1 },
    ])
    const { orderId, klarnaOrderId } = placed
    const tomato = placed.items["TOM-1"].id
    const jacket = placed.items["JKT-1"].id

    const first = await fulfill(stack, orderId, [{ id: tomato, quantity: 1 }])
    await ship(
      stack,
      orderId,
      first,
      [{ id: tomato, quantity: 1 }],
      [{ tracking_number: "00370712345678901234", tracking_url: `${STORE_TRACKING_URL}00370712345678901234` }],
    )
    const second = await fulfill(stack, orderId, [
      { id: tomato, quantity: 1 },
      { id: jacket, quantity: 1 },
    ])
    await ship(
      stack,
      orderId,
      second,
      [
        { id: tomato, quantity: 1 },
        { id: jacket, quantity: 1 },
      ],
      [{ tracking_number: "JJD000390007781234" }, { tracking_number: "JJD000390007785678" }],
    )
    await viewWhenV2(
      stack.admin,
      orderId,
      (v) =>
        v.captures.length === 2 &&
        v.captures.every((c) => c.status === "captured") &&
        v.captures.reduce((n, c) => n + c.shipping_info.length, 0) === 3,
      "two captures with their tracking",
    )
    await refuseNextCapture(stack.simulator.url, klarnaOrderId)
    await fulfill(stack, orderId, [{ id: tomato, quantity: 1 }])
    await viewWhenV2(stack.admin, orderId, (v) => v.has_failures, "the third capture refused")
    const remote = await simOrder(stack.simulator.url, klarnaOrderId)
    const authorized = remote.order_amount

    await openOrder(orderId)
    await widget().waitFor({ timeout: 20_000 })
    await widget().scrollIntoViewIfNeeded()

    // Header: Klarna's order id and status; the references Klarna knows the order by.
    await expectText(page.getByTestId("klarna-order-id"), klarnaOrderId)
    await expectText(page.getByTestId("klarna-status"), "Partly captured")
    await expectText(page.getByTestId("klarna-merchant-reference2"), orderId)

    // Amounts, in the order's currency.
    await expectText(page.getByTestId("klarna-amount-authorized"), money(authorized))
    await expectText(page.getByTestId("klarna-amount-captured"), money(remote.captured_amount))
    await expectText(page.getByTestId("klarna-amount-remaining"), money(authorized - remote.captured_amount))

    // One row per capture, named like the page's own Fulfillment sections, with its items and tracking.
    const captures = page.getByTestId("klarna-capture")
    const captured = page.locator('[data-testid="klarna-capture"][data-capture-status="captured"]')
    expect(await captured.count()).toBe(2)
    expect(await captures.count()).toBe(3)
    expect(await page.getByTestId("klarna-capture-title").allInnerTexts()).toEqual(["Fulfillment #1", "Fulfillment #2", "Fulfillment #3"])
    const [one, two, three] = [captures.nth(0), captures.nth(1), captures.nth(2)]
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
    const hrefs = await two.getByTestId("klarna-tracking-link").evaluateAll((links) => links.map((a) => (a as HTMLAnchorElement).href))
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
    await widget().screenshot({ path: path.join(ARTIFACTS, "v2-klarna-widget-failed.png") })
    const failedJobId = (await failure.getAttribute("data-job-id")) as string

    await failure.getByTestId("klarna-retry").click()
    // The widget follows the job by itself: the alert goes, the third capture arrives.
    await page.getByTestId("klarna-failure").waitFor({ state: "detached", timeout: 20_000 })
    await eventually(async () => (await captured.count()) === 3, { what: "third capture in the widget" })
    await expectText(page.getByTestId("klarna-status"), "Captured")
    await expectText(page.getByTestId("klarna-amount-captured"), money(authorized))
    await expectText(page.getByTestId("klarna-amount-remaining"), money(0))
    await expectText(page.getByTestId("klarna-release"), "Nothing left to release")
    const after = await simOrder(stack.simulator.url, klarnaOrderId)
    expect(after.captures).toHaveLength(3)
    expect(after.captured_amount).toBe(authorized)

    // The sync log folds out: the retried capture, with what Klarna answered each time.
    await page.getByTestId("klarna-sync-log-toggle").click()
    const retried = page.locator(`[data-testid="klarna-job"][data-job-id="${failedJobId}"]`)
    await expectText(retried, "Done")
    await retried.click()
    await expectText(page.getByTestId("klarna-sync-log"), `HTTP 403 · ${REFUSAL.error_code}`)
    await expectText(page.getByTestId("klarna-sync-log"), `correlation id ${REFUSAL.correlation_id}`)
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
    await widget().screenshot({ path: path.join(ARTIFACTS, "v2-klarna-widget.png") })
    await page.screenshot({ path: path.join(ARTIFACTS, "v2-klarna-order-page.png"), fullPage: true })
    expect(pageErrors.filter((e) => /klarna/i.test(e))).toEqual([])
  })

  test("Release remaining asks for confirmation, then Klarna releases what will not be captured", async () => {
    const placed = await placeKlarnaOrder(stack, [
      { sku: "TOM-1", quantity: 1 },
      { sku: "JKT-1", quantity: 1 },
    ])
    const { orderId, klarnaOrderId } = placed
    await fulfill(stack, orderId, [{ id: placed.items["TOM-1"].id, quantity: 1 }])
    const view = await viewWhenV2(
      stack.admin,
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
    expect(await dialog.innerText()).toContain(money(remaining))
    await dialog.getByRole("button", { name: "Release" }).click()
    await eventually(async () => (await page.getByTestId("klarna-amount-released").innerText()).includes(money(remaining)), {
      what: "released amount in the widget",
      timeoutMs: 20_000,
    })
    await expectText(page.getByTestId("klarna-amount-remaining"), money(0))
    expect((await simOrder(stack.simulator.url, klarnaOrderId)).remaining_authorized_amount).toBe(0)
    await page.mouse.move(0, 0)
    await widget().screenshot({ path: path.join(ARTIFACTS, "v2-klarna-widget-released.png") })
  })

  test("an order not paid with Klarna shows no Klarna section", async () => {
    const { orderId } = await checkoutV2(stack.server.url, stack.store, { items: [{ sku: "TOM-1", quantity: 1 }] })
    await openOrder(orderId)
    await page.waitForLoadState("networkidle")
    expect(await widget().count()).toBe(0)
    expect(await page.getByText("Klarna order").count()).toBe(0)
  })
})
