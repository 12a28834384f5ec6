/**
 * Smoke test of the Medusa v2 harness (issue #15's groundwork): a real Medusa 2.21.2 server from the cached
 * project of scripts/medusa-v2-project.ts, on a fresh database of the suite's PostgreSQL, answers the admin API
 * to a logged-in admin and refuses it without a token. The first run installs the project (~2 min).
 */
import { checkoutV2 } from "../support/medusa-v2-checkout"
import { seedV2Store } from "../support/medusa-v2-seed"
import { startMedusaV2Stack, type MedusaV2Stack } from "../support/medusa-v2-stack"

jest.setTimeout(600_000)

let stack: MedusaV2Stack

beforeAll(async () => {
  stack = await startMedusaV2Stack({ name: "v2_boot", admin: true })
  // The figures the harness is measured by (install cached or cold, migrate, boot, memory).
  // eslint-disable-next-line no-console
  console.log(
    JSON.stringify({ ...stack.timings, rssMb: Math.round(stack.server.rssBytes() / 1024 / 1024), url: stack.server.url }, null, 2),
  )
})

afterAll(async () => {
  await stack?.close()
})

test("the server is Medusa 2.21.2 and healthy", async () => {
  const res = await fetch(`${stack.server.url}/health`)
  expect(res.status).toBe(200)
  const installed = (await import(`${stack.project.dir}/node_modules/@medusajs/medusa/package.json`)) as { version: string }
  expect(installed.version).toBe("2.21.2")
})

test("the built admin dashboard is served at /app", async () => {
  const res = await fetch(`${stack.server.url}/app`)
  expect(res.status).toBe(200)
  expect(await res.text()).toMatch(/<div id="medusa"/)
})

test("GET /admin/orders answers 200 with an empty list to the logged-in admin", async () => {
  const res = await stack.admin.request<{ orders: unknown[]; count: number }>("GET", "/admin/orders")
  expect(res.status).toBe(200)
  expect(res.body.orders).toEqual([])
  expect(res.body.count).toBe(0)
})

test("the admin API refuses a request without a token", async () => {
  const res = await fetch(`${stack.server.url}/admin/orders`)
  expect(res.status).toBe(401)
})

test("the admin's session cookie works over plain http (not Secure, though the server runs in production)", async () => {
  const session = await fetch(`${stack.server.url}/auth/session`, {
    method: "POST",
    headers: { authorization: `Bearer ${stack.admin.token}` },
  })
  expect(session.status).toBe(200)
  const cookie = session.headers.get("set-cookie") ?? ""
  expect(cookie).toMatch(/^connect\.sid=/)
  expect(cookie).not.toMatch(/;\s*Secure/i)
  const me = await fetch(`${stack.server.url}/admin/users/me`, { headers: { cookie: cookie.split(";")[0] } })
  expect(me.status).toBe(200)
})

test("a seeded store checks out through the store API, and the admin sees the order with its lines", async () => {
  const started = Date.now()
  const store = await seedV2Store(stack.admin)
  const seededMs = Date.now() - started
  const { orderId } = await checkoutV2(stack.server.url, store, {
    items: [
      { sku: "TOM-1", quantity: 3 },
      { sku: "JKT-1", quantity: 1 },
    ],
  })
  // eslint-disable-next-line no-console
  console.log(JSON.stringify({ seededMs, checkoutMs: Date.now() - started - seededMs }))

  // Prices are tax-exclusive (the region's default): 25 % VAT comes on top, in major units.
  const { order } = await stack.admin.get<{
    order: {
      currency_code: string
      total: number
      shipping_subtotal: number
      shipping_total: number
      items: { variant_sku: string; quantity: number; unit_price: number; tax_lines: { rate: number }[] }[]
    }
  }>(`/admin/orders/${orderId}?fields=currency_code,total,shipping_subtotal,shipping_total,*items,items.tax_lines.rate`)
  expect(order.currency_code).toBe("sek")
  expect(order.shipping_subtotal).toBe(49)
  expect(order.shipping_total).toBe(61.25)
  expect(order.total).toBe(1230) // (3 × 12 + 899 + 49) × 1.25
  expect(order.items.map((i) => i.tax_lines.map((t) => t.rate))).toEqual([[25], [25]])
  const lines = order.items.map((i) => ({ sku: i.variant_sku, quantity: i.quantity, unit_price: i.unit_price }))
  expect(lines.sort((a, b) => a.sku.localeCompare(b.sku))).toEqual([
    { sku: "JKT-1", quantity: 1, unit_price: 899 },
    { sku: "TOM-1", quantity: 3, unit_price: 12 },
  ])
  const list = await stack.admin.get<{ orders: { id: string }[] }>("/admin/orders")
  expect(list.orders.map((o) => o.id)).toEqual([orderId])
})
