/**
 * The plugin as a merchant installs it (issue 14): `npm pack` of the v1 plugin (its prepack script builds
 * dist/ and the admin widget's bundle), installed into a clean Medusa 1.20.8 store in a temp directory
 * (its own package.json and node_modules: nothing from this repository resolves there), then the README's
 * steps: `medusa-admin build` (the widget must be in the built admin), `medusa migrations run` (the
 * plugin's tables come from the packed dist/migrations), boot, a Klarna checkout and a fulfillment whose
 * capture, with its order lines, must reach the simulator.
 *
 * One install and one admin build (the slow parts, minutes); the timings are printed at the end.
 * KOS_KEEP_PACKED_STORE=1 keeps the temp store for a look after the run.
 */
import fs from "node:fs"
import os from "node:os"
import path from "node:path"
import { startSimulator, type RunningSimulator } from "../../packages/simulator/server"
import { createAdminUser, REPO_ROOT, runMedusaCli } from "../../scripts/medusa-cli"
import { createTestDatabase, query, uniqueDatabaseName } from "../support/db"
import { ADMIN_EMAIL, ADMIN_PASSWORD, startMedusa, type MedusaServer } from "../support/medusa"
import { FAST_WORKER } from "../support/medusa-stack"
import { simOrderWhen } from "../support/simulator-client"
import { checkout, connect, createFulfillment, getOrder, seedStore } from "../support/store-api"
import { filesUnder, reportAndCleanUp, sh, tarballFiles, timed, timings } from "./packed-support"

/** The directory `npm pack` runs in: the v1 plugin's package. */
const PACKED_PACKAGE_DIR = path.join(REPO_ROOT, "packages", "medusa-v1")

/** What a clean Medusa 1.20.8 store depends on (the versions this repository develops against). */
const STORE_DEPENDENCIES = {
  "@medusajs/medusa": "1.20.8",
  "@medusajs/medusa-cli": "1.3.23",
  "@medusajs/admin": "7.1.18",
  "@medusajs/event-bus-local": "1.9.9",
  "@medusajs/cache-inmemory": "1.8.11",
  "medusa-fulfillment-manual": "1.1.41",
  typeorm: "0.3.16",
}

/** A string of the widget (packages/admin-widget/src/components/klarna-panel.tsx, bundled into src/admin) that survives minification. */
const WIDGET_MARKER = "The Klarna details of this order could not be loaded"

/** npm's tarball name for a package: `@scope/name` → `scope-name-<version>.tgz`. */
function tarballName(packageDir: string): string {
  const { name, version } = JSON.parse(fs.readFileSync(path.join(packageDir, "package.json"), "utf8")) as { name: string; version: string }
  return `${name.replace(/^@/, "").replace("/", "-")}-${version}.tgz`
}

/** medusa-config.js as the README tells a merchant to write it, with the simulator as Klarna. */
function storeConfig(): string {
  const klarnaOptions = {
    credentials: [{ username: "__KLARNA_USERNAME__", password: "__KLARNA_PASSWORD__", baseUrl: "__KLARNA_BASE_URL__" }],
    carrierMapping: { manual: "postnord" },
    enableUI: true,
    ...FAST_WORKER,
  }
  const options = JSON.stringify(klarnaOptions, null, 2)
    .replace('"__KLARNA_USERNAME__"', "process.env.KLARNA_USERNAME")
    .replace('"__KLARNA_PASSWORD__"', "process.env.KLARNA_PASSWORD")
    .replace('"__KLARNA_BASE_URL__"', "process.env.KLARNA_BASE_URL")
  return `module.exports = {
  projectConfig: {
    database_url: process.env.DATABASE_URL,
    database_type: "postgres",
    store_cors: "http://127.0.0.1:8000",
    admin_cors: "http://127.0.0.1:7001",
    jwt_secret: process.env.JWT_SECRET || require("crypto").randomBytes(32).toString("hex"),
    cookie_secret: process.env.COOKIE_SECRET || require("crypto").randomBytes(32).toString("hex"),
  },
  plugins: [
    "medusa-fulfillment-manual",
    { resolve: "@medusajs/admin", options: { serve: true, autoRebuild: false, path: "/app" } },
    { resolve: "klarna-order-sync", options: ${options.replace(/\n/g, "\n    ")} },
  ],
  modules: {
    eventBus: { resolve: "@medusajs/event-bus-local" },
    cacheService: { resolve: "@medusajs/cache-inmemory" },
  },
}
`
}

jest.setTimeout(15 * 60_000)

let workDir: string
let storeDir: string
let tarball: string
let packedFiles: string[]
let simulator: RunningSimulator | undefined
let medusa: MedusaServer | undefined

beforeAll(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "kos-packed-"))
  storeDir = path.join(workDir, "store")
  fs.mkdirSync(storeDir)
})

afterAll(async () => {
  await medusa?.stop().catch(() => undefined)
  await simulator?.close()
  reportAndCleanUp("packed install", workDir)
})

describe("the packed v1 plugin in a clean Medusa 1.20.8 store", () => {
  test("npm pack builds dist/, the widget's bundle and the package's entry into the tarball", async () => {
    await timed("npm pack", () => sh("npm", ["pack", "--pack-destination", workDir], PACKED_PACKAGE_DIR))
    tarball = path.join(workDir, tarballName(PACKED_PACKAGE_DIR))
    expect(fs.existsSync(tarball)).toBe(true)
    packedFiles = await tarballFiles(tarball, workDir)

    const manifest = JSON.parse(await sh("tar", ["-xzOf", tarball, "package/package.json"], workDir)) as { main: string; types: string }
    expect(packedFiles).toContain(manifest.main)
    expect(packedFiles).toContain(manifest.types)
    expect(packedFiles).toContain("dist/admin/_virtual_entry.js")
    expect(packedFiles).toContain("medusa-plugin.json")
    expect(packedFiles).toContain("dist/services/klarna-sync.js")
    expect(packedFiles.filter((f) => /^dist\/migrations\/.*\.js$/.test(f)).length).toBeGreaterThan(0)
    expect(packedFiles.filter((f) => /^(src|test|demo|simulator)\//.test(f) || /\.test\.js$/.test(f))).toEqual([])
    // The core travels inside (bundleDependencies) until it is published; the Shopify adapter does not.
    expect(packedFiles).toContain("node_modules/@klarna-order-sync/core/dist/index.js")
    expect(packedFiles.filter((f) => /shopify/i.test(f))).toEqual([])
    const dependencies = Object.keys((manifest as { dependencies?: Record<string, string> }).dependencies ?? {})
    expect(dependencies.filter((name) => name.startsWith("@shopify/") || name.startsWith("@medusajs/"))).toEqual([])
  })

  test("npm install of the tarball into a store of its own; require() finds the entry", async () => {
    const manifest = {
      name: "clean-medusa-store",
      private: true,
      dependencies: { ...STORE_DEPENDENCIES, "klarna-order-sync": `file:../${path.basename(tarball)}` },
      // @medusajs/admin 7.1.18 fails with a newer webpack (README, Installing).
      overrides: { webpack: "5.96.1" },
    }
    fs.writeFileSync(path.join(storeDir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`)
    fs.writeFileSync(path.join(storeDir, "medusa-config.js"), storeConfig())
    await timed("npm install", () => sh("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], storeDir))

    const installed = fs.realpathSync(path.join(storeDir, "node_modules", "klarna-order-sync"))
    expect(installed.startsWith(storeDir)).toBe(true) // a copy from the tarball, not a link to this repository

    const entry = await sh(
      process.execPath,
      [
        "-e",
        `const k = require("klarna-order-sync"); console.log(JSON.stringify({ exports: Object.keys(k).sort(), services: k.SERVICE_NAMES, provider: k.KLARNA_PROVIDER_ID, sync: typeof k.KlarnaSyncService }))`,
      ],
      storeDir,
    )
    expect(JSON.parse(entry)).toEqual({
      exports: expect.arrayContaining([
        "KlarnaPaymentProcessor",
        "KlarnaSyncService",
        "PLUGIN_NAME",
        "PluginOptionsError",
        "SERVICE_NAMES",
        "parsePluginOptions",
      ]),
      services: { sync: "klarnaSyncService", payment: "klarnaPaymentService" },
      provider: "klarna",
      sync: "function",
    })
  })

  test("medusa-admin build puts the Klarna widget in the store's admin", async () => {
    const built = await timed("medusa-admin build", () =>
      runMedusaCli(["build"], {
        cwd: storeDir,
        medusaBin: path.join(storeDir, "node_modules", ".bin", "medusa-admin"),
        env: { NODE_ENV: "production" },
        timeoutMs: 10 * 60_000,
      }),
    )
    if (built.code !== 0) throw new Error(`medusa-admin build failed (exit ${built.code}):\n${built.output.slice(-8000)}`)
    const buildDir = path.join(storeDir, "build")
    expect(fs.existsSync(path.join(buildDir, "index.html"))).toBe(true)
    const withWidget = filesUnder(buildDir).filter((file) => file.endsWith(".js") && fs.readFileSync(file, "utf8").includes(WIDGET_MARKER))
    expect(withWidget.length).toBeGreaterThan(0)
  })

  test("migrates, boots and sends a fulfillment's capture with its order lines to Klarna", async () => {
    const databaseUrl = await createTestDatabase(uniqueDatabaseName("kos_packed"))
    const medusaBin = path.join(storeDir, "node_modules", ".bin", "medusa")
    const migrated = await timed("medusa migrations run", () =>
      runMedusaCli(["migrations", "run"], { cwd: storeDir, medusaBin, env: { DATABASE_URL: databaseUrl } }),
    )
    if (migrated.code !== 0) throw new Error(`medusa migrations run failed (exit ${migrated.code}):\n${migrated.output.slice(-8000)}`)
    // Medusa's CLI ran the packed plugin's own migrations (dist/migrations of the installed copy).
    // TypeORM records a migration by its class name, which ends in the file's timestamp.
    const packedTimestamps = packedFiles.filter((f) => /^dist\/migrations\/.*\.js$/.test(f)).map((f) => path.basename(f).split("-")[0])
    const applied = (await query<{ name: string }>(databaseUrl, `SELECT name FROM migrations`)).map((row) => row.name)
    expect(packedTimestamps.filter((timestamp) => !applied.some((name) => name.endsWith(timestamp)))).toEqual([])
    const tables = await query<{ job: string | null; order: string | null }>(
      databaseUrl,
      `SELECT to_regclass('klarna_sync_job')::text AS job, to_regclass('klarna_order')::text AS order`,
    )
    expect(tables).toEqual([{ job: "klarna_sync_job", order: "klarna_order" }])
    // `medusa user` runs every loader, the plugin's option check included: it needs the Klarna credentials.
    simulator = await startSimulator({ port: 0 })
    const klarnaEnv = { KLARNA_BASE_URL: simulator.url, KLARNA_USERNAME: simulator.username, KLARNA_PASSWORD: simulator.password }
    await createAdminUser(databaseUrl, ADMIN_EMAIL, ADMIN_PASSWORD, { cwd: storeDir, medusaBin, env: klarnaEnv })

    medusa = await timed("boot", () =>
      startMedusa({
        databaseUrl,
        directory: storeDir,
        klarnaBaseUrl: simulator?.url,
        klarnaUsername: simulator?.username,
        klarnaPassword: simulator?.password,
        startTimeoutMs: 180_000,
      }),
    )
    const admin = await fetch(`${medusa.url}/app`)
    expect(admin.status).toBe(200)

    const api = await connect(medusa.url)
    const store = await seedStore(api, {
      currency: "sek",
      paymentProviders: ["klarna"],
      taxRate: 25,
      shippingPrice: 4900,
      products: [
        { title: "Tomatoes", price: 1200, sku: "TOM-1" },
        { title: "Rain jacket", price: 89900, sku: "JKT-1" },
      ],
    })
    const placed = await checkout(api, {
      regionId: store.regionId,
      shippingOptionId: store.shippingOptionId,
      items: [
        { variantId: store.products[0].variantId, quantity: 2 },
        { variantId: store.products[1].variantId, quantity: 1 },
      ],
      provider: "klarna",
      simulatorUrl: simulator.url,
    })
    const klarnaOrderId = placed.klarnaOrderId as string
    expect(klarnaOrderId).toBeTruthy()

    const fulfilledAt = Date.now()
    const { fulfillment } = await createFulfillment(
      api,
      placed.order.id,
      placed.order.items.map((item) => ({ itemId: item.id, quantity: item.quantity })),
    )
    const captured = await simOrderWhen(
      simulator.url,
      klarnaOrderId,
      (order) => order.captures.length === 1,
      "the fulfillment's capture",
      60_000,
    )
    timings["fulfillment → capture"] = Date.now() - fulfilledAt

    expect(captured.status).toBe("CAPTURED")
    const [capture] = captured.captures
    expect(capture.reference).toBe(fulfillment.id)
    expect(capture.captured_amount).toBe((await getOrder(api, placed.order.id)).total)
    // Prices 1200 and 89900 and shipping 4900, plus 25 % tax: Klarna's unit prices include it.
    const lines = capture.order_lines ?? []
    expect(lines).toHaveLength(3)
    expect(lines.find((line) => line.reference === "JKT-1")).toMatchObject({
      type: "physical",
      name: "Rain jacket",
      quantity: 1,
      unit_price: 112375,
      tax_rate: 2500,
      total_amount: 112375,
      total_tax_amount: 22475,
    })
    expect(lines.find((line) => line.reference === "TOM-1")).toMatchObject({
      type: "physical",
      name: "Tomatoes",
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
    expect(lines.reduce((sum, line) => sum + line.total_amount, 0)).toBe(capture.captured_amount)
  })
})
