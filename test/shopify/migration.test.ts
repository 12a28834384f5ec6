/** The Shopify migration: up creates klarna_shopify_order, down removes it, up works again. */
import { DataSource } from "typeorm"
import { KlarnaSyncTables1764000000000 } from "../../packages/medusa-v1/src/migrations/1764000000000-klarna_sync_tables"
import { KlarnaShopifyOrders1764100000000 } from "./support/typeorm-shopify-orders-migration"
import { createTestDatabase, dropTestDatabase, query, uniqueDatabaseName } from "../support/db"

jest.setTimeout(60_000)

test("klarna_shopify_orders: up, down, up", async () => {
  const name = uniqueDatabaseName("kos_shopify_migration")
  const url = await createTestDatabase(name)
  const dataSource = new DataSource({
    type: "postgres",
    url,
    migrations: [KlarnaSyncTables1764000000000, KlarnaShopifyOrders1764100000000],
  })
  await dataSource.initialize()
  const exists = async () =>
    (await query(url, `SELECT 1 FROM information_schema.tables WHERE table_name = 'klarna_shopify_order'`)).length === 1
  try {
    expect((await dataSource.runMigrations({ transaction: "each" })).map((m) => m.name)).toEqual([
      "KlarnaSyncTables1764000000000",
      "KlarnaShopifyOrders1764100000000",
    ])
    expect(await exists()).toBe(true)
    await dataSource.undoLastMigration({ transaction: "each" })
    expect(await exists()).toBe(false)
    expect((await dataSource.runMigrations({ transaction: "each" })).map((m) => m.name)).toEqual(["KlarnaShopifyOrders1764100000000"])
    expect(await exists()).toBe(true)
    await query(url, `INSERT INTO klarna_shopify_order (order_id, shop_domain) VALUES ('1', 'a.myshopify.com')`)
    expect(await query(url, `SELECT klarna_status, fulfillments FROM klarna_shopify_order`)).toEqual([
      { klarna_status: "awaiting_order", fulfillments: {} },
    ])
    await expect(query(url, `UPDATE klarna_shopify_order SET klarna_status = 'maybe'`)).rejects.toThrow(/CHK_klarna_shopify_order_status/)
    await expect(query(url, `INSERT INTO klarna_shopify_order (order_id, shop_domain) VALUES ('1', 'b.myshopify.com')`)).rejects.toThrow(
      /PK_klarna_shopify_order/,
    )
  } finally {
    await dataSource.destroy()
    await dropTestDatabase(name)
  }
})
