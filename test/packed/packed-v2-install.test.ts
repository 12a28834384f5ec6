/**
 * The Medusa v2 plugin as a merchant installs it (issue 15): `npm pack` of packages/medusa-v2 (its prepack runs
 * `medusa plugin:build` and bundles the core), installed into a clean Medusa 2.21 project in a temp directory
 * whose medusa-config.ts is written as the README says, then `medusa build` (the widget must be in the built
 * admin), `medusa db:migrate` (the plugin's tables), boot, a checkout through the plugin's Klarna provider and
 * a fulfillment whose capture, with its order lines, must reach the simulator.
 *
 * The plugin is packed where scripts/medusa-v2-plugin.ts stages it (inside the cached v2 project, so its build
 * resolves Medusa v2 from there). One install and one build; timings are printed at the end.
 * KOS_KEEP_PACKED_STORE=1 keeps the temp store.
 */
import fs from "node:fs"
import os from "node:os"
import path from "node:path"
import { startSimulator, type RunningSimulator } from "../../packages/simulator/server"
import { ensureMedusaV2Project, projectFiles, type MedusaV2Project } from "../../scripts/medusa-v2-project"
import { createTestDatabase, query, uniqueDatabaseName } from "../support/db"
import { klarnaCheckoutV2 } from "../support/medusa-v2-klarna-checkout"
import { fulfillV2, getV2Order } from "../support/medusa-v2-orders"
import { seedV2Store } from "../support/medusa-v2-seed"
import { loginV2Admin, prepareV2Database, startMedusaV2, type MedusaV2Server } from "../support/medusa-v2-stack"
import { simOrderWhen } from "../support/simulator-client"
import { filesUnder, reportAndCleanUp, sh, tarballFiles, timed, timings } from "./packed-support"

/** This repository's npm_* / TS_NODE_* variables would redirect npm and Medusa's CLI in the temp store. */
const cleanEnv = (): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm_|TS_NODE_)/i.test(key))),
  MEDUSA_DISABLE_TELEMETRY: "true",
})

/** medusa-config.ts as the README tells a v2 merchant to write it, with the simulator as Klarna. */
const STORE_CONFIG = `import { defineConfig, loadEnv } from "@medusajs/framework/utils"

loadEnv(process.env.NODE_ENV || "development", process.cwd())

const klarna = {
  credentials: [
    { username: process.env.KLARNA_USERNAME, password: process.env.KLARNA_PASSWORD, baseUrl: process.env.KLARNA_BASE_URL },
  ],
  carrierMapping: { manual: "postnord" },
  worker: { pollIntervalMs: 200, baseBackoffMs: 100, maxBackoffMs: 1000 },
}

module.exports = defineConfig({
  projectConfig: {
    databaseUrl: process.env.DATABASE_URL,
    http: {
      storeCors: "http://127.0.0.1:8000",
      adminCors: "http://127.0.0.1:9000",
      authCors: "http://127.0.0.1:9000",
      jwtSecret: process.env.JWT_SECRET || "packed-test-jwt",
      cookieSecret: process.env.COOKIE_SECRET || "packed-test-cookie",
    },
    cookieOptions: { secure: false },
  },
  plugins: [{ resolve: "@klarna-order-sync/medusa-v2", options: klarna }],
  modules: [
    {
      resolve: "@medusajs/medusa/payment",
      options: { providers: [{ resolve: "@klarna-order-sync/medusa-v2/providers/klarna", id: "klarna" }] },
    },
  ],
})
`

/** A string of the widget that survives minification. */
const WIDGET_MARKER = "klarna-order-sync"

jest.setTimeout(15 * 60_000)

let workDir: string
let storeDir: string
let tarball: string
let packedFiles: string[]
let store: MedusaV2Project
let simulator: RunningSimulator | undefined
let medusa: MedusaV2Server | undefined

beforeAll(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "kos-packed-v2-"))
  storeDir = path.join(workDir, "store")
  fs.mkdirSync(storeDir)
})

afterAll(async () => {
  await medusa?.stop().catch(() => undefined)
  await simulator?.close()
  reportAndCleanUp("packed v2 install", workDir)
})

describe("the packed v2 plugin in a clean Medusa 2.21 project", () => {
  test("npm pack builds the plugin with medusa plugin:build and bundles the core", async () => {
    const project = await timed("v2 project (cached)", () => ensureMedusaV2Project())
    const stagedPlugin = path.join(project.dir, ".kos-repo", "packages", "medusa-v2")
    const output = await timed("npm pack", () => sh("npm", ["pack", "--pack-destination", workDir], stagedPlugin, cleanEnv()))
    tarball = path.join(workDir, output.trim().split("\n").pop() as string)
    expect(fs.existsSync(tarball)).toBe(true)
    packedFiles = await tarballFiles(tarball, workDir)
    for (const built of [
      ".medusa/server/src/modules/klarna-sync/index.js",
      ".medusa/server/src/providers/klarna/index.js",
      ".medusa/server/src/admin/index.js",
      "node_modules/@klarna-order-sync/core/dist/index.js",
    ]) {
      expect(packedFiles).toContain(built)
    }
    expect(packedFiles.filter((f) => /\/migrations\/Migration\d+\.js$/.test(f)).length).toBeGreaterThan(0)
    expect(
      packedFiles.filter((f) => /(^|\/)(test|demo|__tests__)\//.test(f) || /\.(spec|test)\.js$/.test(f) || /shopify/i.test(f)),
    ).toEqual([])
    const manifest = JSON.parse(await sh("tar", ["-xzOf", tarball, "package/package.json"], workDir)) as {
      dependencies?: Record<string, string>
      peerDependencies?: Record<string, string>
    }
    // Medusa is the store's: peer dependencies on the 2.x line, never a dependency of the plugin.
    expect(Object.keys(manifest.dependencies ?? {}).filter((name) => name.startsWith("@medusajs/"))).toEqual([])
    expect(Object.values(manifest.peerDependencies ?? {}).every((range) => /^\^[24]\./.test(range))).toBe(true)
  })

  test("npm install of the tarball into a project of its own, then medusa build with the widget", async () => {
    const files = projectFiles()
    const manifest = JSON.parse(files["package.json"]) as { dependencies: Record<string, string> }
    manifest.dependencies["@klarna-order-sync/medusa-v2"] = `file:../${path.basename(tarball)}`
    for (const [name, content] of Object.entries({
      ...files,
      "package.json": `${JSON.stringify(manifest, null, 2)}\n`,
      "medusa-config.ts": STORE_CONFIG,
    })) {
      fs.mkdirSync(path.dirname(path.join(storeDir, name)), { recursive: true })
      fs.writeFileSync(path.join(storeDir, name), content)
    }
    await timed("npm install", () =>
      sh("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], storeDir, cleanEnv()),
    )
    const installed = fs.realpathSync(path.join(storeDir, "node_modules", "@klarna-order-sync", "medusa-v2"))
    expect(installed.startsWith(storeDir)).toBe(true) // a copy from the tarball, not a link to this repository
    expect(fs.existsSync(path.join(installed, "node_modules", "@klarna-order-sync", "core", "dist", "index.js"))).toBe(true)

    const medusaBin = path.join(storeDir, "node_modules", "@medusajs", "cli", "cli.js")
    await timed("medusa build", () => sh(process.execPath, [medusaBin, "build"], storeDir, cleanEnv()))
    store = { dir: storeDir, medusaBin, built: true, steps: [] }
    const adminDir = path.join(storeDir, ".medusa", "server", "public", "admin")
    const withWidget = filesUnder(adminDir).filter((file) => file.endsWith(".js") && fs.readFileSync(file, "utf8").includes(WIDGET_MARKER))
    expect(withWidget.length).toBeGreaterThan(0)
  })

  test("migrates, boots and sends a fulfillment's capture with its order lines to Klarna", async () => {
    const databaseUrl = await createTestDatabase(uniqueDatabaseName("kos_packed_v2"))
    simulator = await startSimulator({ port: 0 })
    const klarnaEnv = { KLARNA_BASE_URL: simulator.url, KLARNA_USERNAME: simulator.username, KLARNA_PASSWORD: simulator.password }
    await timed("db:migrate + user", () => prepareV2Database(store, databaseUrl, undefined, { env: klarnaEnv }))
    const tables = await query<{ job: string | null; order: string | null }>(
      databaseUrl,
      `SELECT to_regclass('klarna_sync_job')::text AS job, to_regclass('klarna_order')::text AS order`,
    )
    expect(tables).toEqual([{ job: "klarna_sync_job", order: "klarna_order" }])

    medusa = await timed("boot", () => startMedusaV2(store, { databaseUrl, admin: true, env: klarnaEnv, startTimeoutMs: 180_000 }))
    expect((await fetch(`${medusa.url}/app`)).status).toBe(200)
    const admin = await loginV2Admin(medusa.url)
    const seeded = await seedV2Store(admin, { paymentProviders: ["pp_klarna_klarna"] })
    const placed = await klarnaCheckoutV2({ server: medusa, admin }, seeded, simulator.url, {
      items: [
        { sku: "TOM-1", quantity: 2 },
        { sku: "JKT-1", quantity: 1 },
      ],
    })
    const order = await getV2Order(admin, placed.orderId)
    const fulfilledAt = Date.now()
    const fulfillmentId = await fulfillV2(
      admin,
      order.id,
      seeded.stockLocationId,
      order.items.map((item) => ({ id: item.id, quantity: item.quantity })),
    )
    const captured = await simOrderWhen(
      simulator.url,
      placed.klarnaOrderId,
      (o) => o.captures.length === 1,
      "the fulfillment's capture",
      60_000,
    )
    timings["fulfillment → capture"] = Date.now() - fulfilledAt

    expect(captured.status).toBe("CAPTURED")
    const [capture] = captured.captures
    expect(capture.reference).toBe(fulfillmentId)
    // Prices 12 and 899 SEK and shipping 49 SEK, tax-exclusive in v2, plus 25 %: Klarna's unit prices include it.
    const lines = capture.order_lines ?? []
    expect(lines).toHaveLength(3)
    expect(lines.find((line) => line.reference === "JKT-1")).toMatchObject({
      quantity: 1,
      unit_price: 112375,
      tax_rate: 2500,
      total_amount: 112375,
      total_tax_amount: 22475,
    })
    expect(lines.find((line) => line.reference === "TOM-1")).toMatchObject({
      quantity: 2,
      unit_price: 1500,
      tax_rate: 2500,
      total_amount: 3000,
      total_tax_amount: 600,
    })
    expect(lines.find((line) => line.type === "shipping_fee")).toMatchObject({
      quantity: 1,
      unit_price: 6125,
      tax_rate: 2500,
      total_amount: 6125,
      total_tax_amount: 1225,
    })
    expect(capture.captured_amount).toBe(112375 + 3000 + 6125)
    expect(lines.reduce((sum, line) => sum + line.total_amount, 0)).toBe(capture.captured_amount)
  })
})
