/**
 * The demo store's (and the test suite's) Medusa v1 configuration. Everything that differs between
 * runs comes from the environment, so `npm start`, the tests and the benchmarks share this one file:
 *
 *   DATABASE_URL               PostgreSQL of the store (required)
 *   REDIS_URL                  optional; when set, Medusa's Redis event bus is used instead of the local one
 *   KLARNA_BASE_URL            Klarna API base URL (the simulator's URL in the demo and tests)
 *   KLARNA_USERNAME / KLARNA_PASSWORD   Klarna API credentials
 *   KLARNA_PROVIDER            "kustom" for Kustom credentials (Kustom's hosts; no region), default klarna
 *   KLARNA_ENABLE_UI           "false" to leave the admin widget out
 *   KLARNA_WORKER_POLL_MS      how often the sync worker looks for due jobs (default 1000)
 *   KLARNA_PLUGIN_OPTIONS      optional JSON merged over the plugin options below (tests use it)
 *   MEDUSA_ADMIN_SERVE         "true" to serve the built admin at /app
 *   JWT_SECRET / COOKIE_SECRET Medusa's signing secrets. `npm start` passes the ones it generated for its demo
 *                              directory (DEMO_DIR/secrets.json, demo/secrets.ts); without them each process
 *                              draws random ones (never a constant: a token signed with a known value would
 *                              be accepted). A production store sets its own.
 */
const crypto = require("crypto")
const path = require("path")

const pluginRoot = path.resolve(__dirname, "..", "packages", "medusa-v1")
const redisUrl = process.env.REDIS_URL

const klarnaOptions = {
  credentials: [
    {
      username: process.env.KLARNA_USERNAME || "PK_SIMULATOR",
      password: process.env.KLARNA_PASSWORD || "simulator-secret",
      ...(process.env.KLARNA_PROVIDER ? { provider: process.env.KLARNA_PROVIDER } : {}),
      ...(process.env.KLARNA_BASE_URL
        ? { baseUrl: process.env.KLARNA_BASE_URL }
        : {
            // Kustom has one host per environment: no region.
            ...(process.env.KLARNA_PROVIDER === "kustom" ? {} : { region: process.env.KLARNA_REGION || "eu" }),
            environment: process.env.KLARNA_ENVIRONMENT || "playground",
          }),
    },
  ],
  klarnaProviderIds: ["klarna"],
  carrierMapping: { manual: "postnord" },
  captureOn: "fulfillment",
  autoRelease: true,
  enableUI: process.env.KLARNA_ENABLE_UI !== "false",
  purchaseCountry: "SE",
  worker: { pollIntervalMs: Number(process.env.KLARNA_WORKER_POLL_MS || 1000) },
  ...(process.env.KLARNA_PLUGIN_OPTIONS ? JSON.parse(process.env.KLARNA_PLUGIN_OPTIONS) : {}),
}

const plugins = [
  `medusa-fulfillment-manual`,
  `medusa-payment-manual`,
  // KLARNA_PLUGIN_DISABLED=true: the same store without this plugin (the benchmarks' baseline).
  ...(process.env.KLARNA_PLUGIN_DISABLED === "true" ? [] : [{ resolve: pluginRoot, options: klarnaOptions }]),
]

if (process.env.MEDUSA_ADMIN_SERVE === "true") {
  plugins.push({
    resolve: "@medusajs/admin",
    options: { serve: true, autoRebuild: false, path: "/app", outDir: process.env.MEDUSA_ADMIN_BUILD_DIR || "build" },
  })
}

const modules = redisUrl
  ? {
      eventBus: { resolve: "@medusajs/event-bus-redis", options: { redisUrl } },
      cacheService: { resolve: "@medusajs/cache-inmemory" },
    }
  : {
      eventBus: { resolve: "@medusajs/event-bus-local" },
      cacheService: { resolve: "@medusajs/cache-inmemory" },
    }

module.exports = {
  projectConfig: {
    database_url: process.env.DATABASE_URL,
    database_type: "postgres",
    ...(redisUrl ? { redis_url: redisUrl } : {}),
    store_cors: process.env.STORE_CORS || "http://127.0.0.1:8000,http://localhost:8000",
    admin_cors: process.env.ADMIN_CORS || "http://127.0.0.1:7001,http://localhost:7001,http://127.0.0.1:9000",
    jwt_secret: process.env.JWT_SECRET || crypto.randomBytes(32).toString("hex"),
    cookie_secret: process.env.COOKIE_SECRET || crypto.randomBytes(32).toString("hex"),
  },
  plugins,
  modules,
}
