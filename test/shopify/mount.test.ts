/**
 * The two ways to run the adapter besides the harness: its handler mounted in another server (an
 * Express app here, the way a Medusa route mounts it), and `npm run shopify` as a process.
 */
import { spawn, type ChildProcess } from "node:child_process"
import type { AddressInfo } from "node:net"
import path from "node:path"
import express from "express"
import { DataSource } from "typeorm"
import { freePort } from "../../scripts/free-port"
import { startSimulator } from "../../packages/simulator/server"
import { KlarnaClient } from "../../packages/core/src/klarna"
import { KlarnaSyncTables1764000000000 } from "../../packages/medusa-v1/src/migrations/1764000000000-klarna_sync_tables"
import { KlarnaShopifyOrders1764100000000 } from "./support/typeorm-shopify-orders-migration"
import { createShopifySync, type ShopifySync } from "../../packages/shopify/src"
import { typeormSql } from "../../packages/core/src/storage/typeorm-sql"
import { createTestDatabase, uniqueDatabaseName } from "../support/db"
import { simOrder } from "../support/simulator-client"
import { APP_SECRET, createKlarnaOrder, eventually, sampleText, sendWebhook } from "./support/harness"
import { buildFulfillment, buildOrder } from "./support/payloads"

jest.setTimeout(120_000)

describe("mounted in an Express app", () => {
  let dataSource: DataSource
  let sim: Awaited<ReturnType<typeof startSimulator>>
  let sync: ShopifySync
  let server: ReturnType<ReturnType<typeof express>["listen"]>
  let base: string

  beforeAll(async () => {
    sim = await startSimulator()
    dataSource = new DataSource({
      type: "postgres",
      url: await createTestDatabase(uniqueDatabaseName("kos_shopify_mount")),
      migrations: [KlarnaSyncTables1764000000000, KlarnaShopifyOrders1764100000000],
    })
    await dataSource.initialize()
    await dataSource.runMigrations()
    const client = new KlarnaClient({ username: sim.username, password: sim.password, baseUrl: sim.url })
    sync = createShopifySync({
      sql: typeormSql(dataSource.manager),
      apiSecretKey: APP_SECRET,
      klarna: { forCurrency: () => client },
      options: { mode: "direct" },
      worker: { pollIntervalMs: 100 },
    })
    sync.startWorker()
    const app = express()
    // Raw body parser: the handler verifies the exact bytes. A JSON parser would make that impossible.
    app.post("/hooks/shopify", express.raw({ type: "*/*" }), (req, res) => void sync.handler(req, res))
    app.post("/hooks/parsed", express.json(), (req, res) => void sync.handler(req, res))
    await new Promise<void>((resolve) => {
      server = app.listen(0, "127.0.0.1", () => resolve())
    })
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })

  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()))
    await sync?.stopWorker()
    await dataSource?.destroy()
    await sim?.close()
  })

  test("express.raw: verified, stored, captured", async () => {
    const klarnaId = await createKlarnaOrder(sim, 2500)
    const order = buildOrder({
      klarnaOrderId: klarnaId,
      items: [{ title: "Kite", sku: "KITE", quantity: 1, price: "25.00" }],
      totalPrice: "25.00",
    })
    expect((await sendWebhook(`${base}/hooks/shopify`, "orders/create", order.payload)).status).toBe(200)
    expect(
      (
        await sendWebhook(
          `${base}/hooks/shopify`,
          "fulfillments/create",
          buildFulfillment({ orderId: order.id, lines: [{ id: order.items[0].id, quantity: 1 }] }),
        )
      ).status,
    ).toBe(200)
    await eventually(async () => (await simOrder(sim.url, klarnaId)).captured_amount === 2500, "the capture")
    const view = await eventually(async () => {
      const current = await sync.getOrderView(String(order.id))
      return current?.amounts.captured === 2500 ? current : undefined
    }, "the capture recorded")
    expect(view).toMatchObject({ platform: "shopify", klarna_order_id: klarnaId, amounts: { captured: 2500 } })
    expect(await sync.getShopifyOrder(String(order.id))).toMatchObject({ klarna_status: "klarna", last_topic: "FULFILLMENTS_CREATE" })
    expect((await sendWebhook(`${base}/hooks/shopify`, "orders/create", order.payload, { signedBody: "{}" })).status).toBe(401)
  })

  test("behind a JSON body parser the raw body is gone: 500 naming the cause, nothing stored", async () => {
    const response = await sendWebhook(`${base}/hooks/parsed`, "orders/create", sampleText("orders-cancelled"))
    expect(response).toMatchObject({ status: 500, body: { error: "raw_body_unavailable" } })
  })
})

describe("npm run shopify", () => {
  let child: ChildProcess | undefined
  afterEach(() => {
    if (child && child.exitCode === null) child.kill("SIGKILL")
  })

  test("starts from the environment, answers /health and webhooks, stops on SIGTERM", async () => {
    const port = await freePort()
    const databaseUrl = await createTestDatabase(uniqueDatabaseName("kos_shopify_cli"))
    const root = path.resolve(__dirname, "..", "..")
    child = spawn(
      process.execPath,
      [
        require.resolve("ts-node/dist/bin.js"),
        "--transpile-only",
        "-r",
        "./scripts/workspace-sources.js",
        "packages/shopify/src/standalone.ts",
      ],
      {
        cwd: root,
        env: {
          ...process.env,
          DATABASE_URL: databaseUrl,
          SHOPIFY_API_SECRET: APP_SECRET,
          SHOPIFY_WEBHOOK_PORT: String(port),
          SHOPIFY_KLARNA_MODE: "",
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    )
    let output = ""
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()))
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()))
    await eventually(async () => output.includes("Shopify webhooks on"), "the server's start line", 60_000)
    expect(output).toContain(`http://127.0.0.1:${port}/shopify/webhooks (mode record_only)`)
    expect(output).not.toContain(APP_SECRET)
    expect(await (await fetch(`http://127.0.0.1:${port}/health`)).json()).toEqual({ ok: true, mode: "record_only" })
    const response = await sendWebhook(
      `http://127.0.0.1:${port}/shopify/webhooks`,
      "fulfillments/create",
      sampleText("fulfillments-create"),
    )
    expect(response).toMatchObject({
      status: 200,
      body: { status: "recorded", orderId: "820982911946154508", klarnaStatus: "awaiting_order" },
    })
    const exited = new Promise<number | null>((resolve) => child?.once("exit", (code) => resolve(code)))
    child.kill("SIGTERM")
    expect(await exited).toBe(0)
  })
})
