/**
 * Smoke test of the Medusa v2 harness (issue #15's groundwork): a real Medusa 2.21.2 server from the cached
 * project of scripts/medusa-v2-project.ts, on a fresh database of the suite's PostgreSQL, answers the admin API
 * to a logged-in admin and refuses it without a token. The first run installs the project (~2 min).
 */
import { startMedusaV2Stack, type MedusaV2Stack } from "../support/medusa-v2-stack"

jest.setTimeout(600_000)

let stack: MedusaV2Stack

beforeAll(async () => {
  stack = await startMedusaV2Stack({ name: "v2_boot" })
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
