/**
 * The plugin's migration against a real PostgreSQL: up creates the tables with the constraints the
 * exactly-once machinery relies on, down removes every trace, and up works again after down.
 */
import { dataSourceFor } from "./support"
import { createTestDatabase, dropTestDatabase, query, uniqueDatabaseName } from "../support/db"

jest.setTimeout(60_000)

const TABLES = ["klarna_capture", "klarna_order", "klarna_refund", "klarna_sync_attempt", "klarna_sync_job", "klarna_webhook_receipt"]

test("migration up, down, up", async () => {
  const name = uniqueDatabaseName("kos_migration")
  const url = await createTestDatabase(name)
  const dataSource = dataSourceFor(url)
  await dataSource.initialize()
  try {
    const tables = async () =>
      (
        await query<{ table_name: string }>(
          url,
          `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name LIKE 'klarna_%' ORDER BY 1`,
        )
      ).map((row) => row.table_name)
    const constraints = async () =>
      (
        await query<{ conname: string }>(url, `SELECT conname FROM pg_constraint WHERE conrelid::regclass::text LIKE 'klarna_%' ORDER BY 1`)
      ).map((row) => row.conname)

    const applied = (await dataSource.runMigrations({ transaction: "each" })).map((m) => m.name)
    expect(applied).toEqual([
      "KlarnaSyncTables1764000000000",
      "KlarnaOrderMerchantReferences1764300000000",
      "KlarnaSyncJobRunningIndex1764500000000",
    ])
    expect(await tables()).toEqual(TABLES)
    const first = await constraints()
    expect(first).toEqual(
      expect.arrayContaining([
        "UQ_klarna_sync_job_key",
        "UQ_klarna_capture_source",
        "UQ_klarna_capture_capture_id",
        "UQ_klarna_refund_source",
        "UQ_klarna_order_platform_order",
        "CHK_klarna_sync_job_state",
        "FK_klarna_sync_attempt_job",
      ]),
    )
    expect(await dataSource.runMigrations()).toEqual([]) // already applied

    for (let i = 0; i < applied.length; i++) await dataSource.undoLastMigration({ transaction: "each" })
    expect(await tables()).toEqual([])
    expect(await query(url, `SELECT name FROM migrations`)).toEqual([])

    await dataSource.runMigrations({ transaction: "each" })
    expect(await tables()).toEqual(TABLES)
    expect(await constraints()).toEqual(first)
    // The tables work: the job key is unique.
    await query(
      url,
      `INSERT INTO klarna_sync_job (id, platform_order_id, queue_key, job_key, operation, idempotency_key) VALUES ('a', 'o', 'q', 'k', 'capture', 'i')`,
    )
    await expect(
      query(
        url,
        `INSERT INTO klarna_sync_job (id, platform_order_id, queue_key, job_key, operation, idempotency_key) VALUES ('b', 'o', 'q', 'k', 'capture', 'i')`,
      ),
    ).rejects.toThrow(/UQ_klarna_sync_job_key/)
  } finally {
    await dataSource.destroy()
    await dropTestDatabase(name)
  }
})
