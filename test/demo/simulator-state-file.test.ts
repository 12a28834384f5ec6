/**
 * The simulator's optional state file (simulator/persistence.ts), which the demo relies on: what Klarna
 * holds (orders, captures, idempotency keys) survives a restart; a reset is persisted too.
 */
import fs from "node:fs"
import os from "node:os"
import path from "node:path"
import { startSimulator, type RunningSimulator } from "../../packages/simulator/server"

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kos-sim-state-"))
const file = path.join(dir, "simulator-state.json")
const running: RunningSimulator[] = []

async function start(): Promise<RunningSimulator> {
  const sim = await startSimulator({ port: 0, stateFile: file })
  running.push(sim)
  return sim
}

function auth(sim: RunningSimulator): Record<string, string> {
  return { Authorization: `Basic ${Buffer.from(`${sim.username}:${sim.password}`).toString("base64")}` }
}

async function capture(sim: RunningSimulator, orderId: string, key: string): Promise<Response> {
  return fetch(`${sim.url}/ordermanagement/v1/orders/${orderId}/captures`, {
    method: "POST",
    headers: { ...auth(sim), "Content-Type": "application/json", "Klarna-Idempotency-Key": key },
    body: JSON.stringify({ captured_amount: 1000, reference: "ful_1" }),
  })
}

afterAll(async () => {
  for (const sim of running) await sim.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

test("orders, captures and idempotency keys survive a restart", async () => {
  const first = await start()
  const created = await fetch(`${first.url}/__sim/orders`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ order_amount: 2500, purchase_currency: "SEK", purchase_country: "SE" }),
  })
  expect(created.status).toBe(201)
  const { order_id: orderId } = (await created.json()) as { order_id: string }
  const captured = await capture(first, orderId, "key-1")
  expect(captured.status).toBe(201)
  const captureId = captured.headers.get("capture-id")
  await first.close()
  expect(fs.existsSync(file)).toBe(true)

  const second = await start()
  const order = (await (await fetch(`${second.url}/ordermanagement/v1/orders/${orderId}`, { headers: auth(second) })).json()) as {
    status: string
    captured_amount: number
    captures: { capture_id: string }[]
  }
  expect(order).toMatchObject({ status: "PART_CAPTURED", captured_amount: 1000 })
  expect(order.captures.map((c) => c.capture_id)).toEqual([captureId])

  // The same key after the restart replays the first answer instead of capturing again.
  const replay = await capture(second, orderId, "key-1")
  expect(replay.status).toBe(201)
  expect(replay.headers.get("capture-id")).toBe(captureId)
  const after = (await (await fetch(`${second.url}/__sim/orders/${orderId}`)).json()) as { captures: unknown[] }
  expect(after.captures).toHaveLength(1)

  // Reset forgets everything, also on disk.
  expect((await fetch(`${second.url}/__sim/reset`, { method: "POST" })).status).toBe(204)
  await second.close()
  const third = await start()
  expect(((await (await fetch(`${third.url}/__sim/orders`)).json()) as unknown[]).length).toBe(0)
})

test("without a state file nothing is written", async () => {
  const before = fs.readdirSync(dir).length
  const sim = await startSimulator({ port: 0 })
  running.push(sim)
  await fetch(`${sim.url}/__sim/orders`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ order_amount: 100, purchase_currency: "SEK", purchase_country: "SE" }),
  })
  await sim.close()
  expect(fs.readdirSync(dir).length).toBe(before)
})
