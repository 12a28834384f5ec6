/**
 * The Shopify server's tables come from plain SQL migrations (src/shopify/schema.ts) through pg, with no
 * TypeORM: a first start creates them, a restart applies nothing, and a database the server's TypeORM
 * DataSource migrated before is taken over as it is (its data kept).
 */
import { DataSource } from "typeorm"
import { KlarnaOrderMerchantReferences1764300000000 } from "../../packages/medusa-v1/src/migrations/1764300000000-klarna_order_merchant_references"
import { KlarnaShopifyOrders1764100000000 } from "./support/typeorm-shopify-orders-migration"
import { KlarnaSyncTables1764000000000 } from "../../packages/medusa-v1/src/migrations/1764000000000-klarna_sync_tables"
import { startShopifyServer } from "../../packages/shopify/src/standalone"
import { createTestDatabase, dropTestDatabase, query, uniqueDatabaseName } from "../support/db"
import { APP_SECRET, sendWebhook } from "./support/harness"
import { buildOrder } from "./support/payloads"

jest.setTimeout(60_000)

const SHOPIFY_NAMES = [
  "KlarnaSyncTables1764000000000",
  "KlarnaShopifyOrders1764100000000",
  "KlarnaOrderMerchantReferences1764300000000",
  "KlarnaRateState1764400000000",
  "KlarnaSyncJobRunningIndex1764500000000",
]

let name: string
let url: string

beforeEach(async () => {
  name = uniqueDatabaseName("kos_shopify_server_migrations")
  url = await createTestDatabase(name)
})

afterEach(async () => {
  await dropTestDatabase(name)
})

const start = () => startShopifyServer({ databaseUrl: url, apiSecretKey: APP_SECRET, port: 0, options: { mode: "record_only" } })
const migrations = async () => (await query<{ name: string }>(url, `SELECT name FROM "migrations" ORDER BY id`)).map((row) => row.name)

test("first start creates the tables; a restart applies nothing and keeps what was stored", async () => {
  const first = await start()
  try {
    expect(await migrations()).toEqual(SHOPIFY_NAMES)
    const order = buildOrder({
      klarnaOrderId: null,
      items: [{ title: "Kite", sku: "KITE", quantity: 1, price: "25.00" }],
      totalPrice: "25.00",
    })
    expect((await sendWebhook(first.webhookUrl, "orders/create", order.payload)).status).toBe(200)
  } finally {
    await first.close()
  }
  const second = await start()
  try {
    expect(await migrations()).toEqual(SHOPIFY_NAMES)
    expect(await second.sql.query(`SELECT count(*)::int AS orders FROM klarna_shopify_order`)).toEqual([{ orders: 1 }])
  } finally {
    await second.close()
  }
})

test("a database migrated by the server's former TypeORM DataSource is taken over as it is", async () => {
  const dataSource = new DataSource({
    type: "postgres",
    url,
    migrations: [KlarnaSyncTables1764000000000, KlarnaShopifyOrders1764100000000, KlarnaOrderMerchantReferences1764300000000],
    migrationsTableName: "migrations",
    logging: false,
  })
  await dataSource.initialize()
  try {
    await dataSource.runMigrations({ transaction: "each" })
    await dataSource.query(`INSERT INTO klarna_shopify_order (order_id, shop_domain) VALUES ('1', 'a.myshopify.com')`)
  } finally {
    await dataSource.destroy()
  }
  const server = await start()
  try {
    expect(await migrations()).toEqual(SHOPIFY_NAMES)
    expect(await server.sql.query(`SELECT order_id FROM klarna_shopify_order`)).toEqual([{ order_id: "1" }])
  } finally {
    await server.close()
  }
})
