/**
 * An idle worker against a real PostgreSQL: it issues (almost) no statements, yet starts a job queued on
 * another server within a second (LISTEN/NOTIFY), survives its listening connection being killed, and starts
 * a deferred job at its run_at without polling. Two "servers" are two TypeORM DataSources (two pools); the
 * idle one counts every statement it sends through a counting SQL port. Its safety poll is set to 60 s, so a
 * job that starts sooner was started by the notification (or the run_at timer), not by a poll.
 */
import { DataSource } from "typeorm"
import { SqlSyncStore } from "../../packages/core/src/storage/sql-sync-store"
import type { SqlPort } from "../../packages/core/src/storage/sql-port"
import { typeormSql } from "../../packages/core/src/storage/typeorm-sql"
import { SyncEngine } from "../../packages/core/src/sync/engine"
import type { SyncLogger } from "../../packages/core/src/sync/ports"
import { SyncWorker } from "../../packages/core/src/sync/worker"
import { addJob, dataSourceFor, outboxDatabase, sleep, type OutboxDatabase } from "./support"

jest.setTimeout(90_000)

const SAFETY_POLL_MS = 60_000

/** Counts the statements sent through a port: each query, and BEGIN/COMMIT of each transaction. */
function countingSql(inner: SqlPort, counter: { statements: number; texts: string[] }): SqlPort {
  const wrap = (port: SqlPort, outermost: boolean): SqlPort => ({
    query(text, params) {
      counter.statements += 1
      counter.texts.push(text.replace(/\s+/g, " ").slice(0, 60))
      return port.query(text, params)
    },
    transaction(fn) {
      // BEGIN and COMMIT (a savepoint's SAVEPOINT and RELEASE inside).
      counter.statements += 2
      counter.texts.push(outermost ? "BEGIN…COMMIT" : "SAVEPOINT…RELEASE")
      return port.transaction((tx) => fn(wrap(tx, false)))
    },
    ...(port.listen ? { listen: port.listen.bind(port) } : {}),
  })
  return wrap(inner, true)
}

const logs: string[] = []
const logger: SyncLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => void logs.push(`warn ${message}`),
  error: (message: string) => void logs.push(`error ${message}`),
}

let db: OutboxDatabase
let source: DataSource | undefined
let worker: SyncWorker | undefined

beforeEach(async () => {
  logs.length = 0
  db = await outboxDatabase("kos_idle")
})

afterEach(async () => {
  await worker?.stop()
  worker = undefined
  await source?.destroy()
  source = undefined
  await db?.close()
})

/** The idle server: a worker of 4 lanes on its own pool, counting its statements and the jobs it claims. */
async function idleServer(options: { pollIntervalMs?: number; listeningPollIntervalMs?: number } = {}) {
  source = dataSourceFor(db.url, 4)
  await source.initialize()
  const counter = { statements: 0, texts: [] as string[] }
  const claimed = new Map<string, number>()
  /** How many statements had been sent when each job was claimed. */
  const statementsAtClaim = new Map<string, number>()
  const store = new SqlSyncStore(countingSql(typeormSql(source.manager), counter))
  const claim = store.claimNextJob.bind(store)
  store.claimNextJob = async (...args) => {
    const job = await claim(...args)
    if (job) {
      claimed.set(job.job_key, Date.now())
      statementsAtClaim.set(job.job_key, counter.texts.length)
    }
    return job
  }
  const engine = new SyncEngine({
    store,
    // Orders the engine cannot find: each job is claimed, then skipped (what it does is not the point).
    orders: { loadOrder: async () => null },
    klarna: {
      forCurrency: () => {
        throw new Error("no Klarna here")
      },
    },
    logger,
    options: {
      platform: "medusa",
      maxAttempts: 3,
      backoff: { baseMs: 1000, maxMs: 1000 },
      leaseMs: 60_000,
      autoRelease: true,
      captureOn: "fulfillment",
    },
  })
  worker = new SyncWorker(
    engine,
    {
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      listeningPollIntervalMs: "listeningPollIntervalMs" in options ? options.listeningPollIntervalMs : SAFETY_POLL_MS,
      concurrency: 4,
    },
    logger,
  )
  worker.start()
  return { counter, claimed, statementsAtClaim }
}

async function waitFor<T>(what: string, read: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = read()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

/** The backend pids listening on the test database (the idle server's listener). */
async function listeners(): Promise<number[]> {
  const rows = await db.sql<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%' AND pid <> pg_backend_pid()`,
  )
  return rows.map((row) => row.pid)
}

async function theListener(): Promise<number> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const [pid] = await listeners()
    if (pid !== undefined) return pid
    if (Date.now() > deadline) throw new Error("the worker is not listening")
    await sleep(50)
  }
}

describe("an idle worker", () => {
  test("starts a job queued on another server within 1 s (the notification, not a poll)", async () => {
    const other = await db.server(2)
    const { claimed } = await idleServer()
    await theListener()
    await sleep(1500) // idle: the lanes found nothing and sleep
    for (let i = 0; i < 3; i++) {
      const queued = Date.now()
      await addJob(other, `order_${i}`, `medusa:capture:ful_${i}`)
      const started = await waitFor(`job ${i} to start`, () => claimed.get(`medusa:capture:ful_${i}`), 5000)
      expect(started - queued).toBeLessThan(1000)
      await sleep(300)
    }
    expect(logs).toEqual([])
  })

  test("issues at most 2 statements a minute with nothing to do (counted over 20 s)", async () => {
    const { counter } = await idleServer()
    await sleep(2000) // start: the lanes' first claims, then one look for the next due job
    const before = counter.statements
    const texts = counter.texts.length
    await sleep(20_000)
    const idleStatements = counter.statements - before
    // 20 s with a 60 s safety poll: nothing at all is due; the budget for 20 s is 2 × 20/60 < 1.
    expect({ idleStatements, texts: counter.texts.slice(texts) }).toEqual({ idleStatements: 0, texts: [] })
    // Before: a claim per lane and one after the listener came up (BEGIN, lock, claim, COMMIT each), and a few
    // looks for the next due job; then nothing.
    expect(before).toBeLessThanOrEqual(5 * 4 + 5)
  })

  test("reconnects after its listening connection is killed, and still starts a job queued elsewhere", async () => {
    const other = await db.server(2)
    const { claimed } = await idleServer()
    const pid = await theListener()
    await db.sql(`SELECT pg_terminate_backend($1)`, [pid])
    // The listener notices, warns once (no credentials), reconnects after 0.5 s.
    const reconnected = await (async () => {
      const deadline = Date.now() + 10_000
      for (;;) {
        const now = await listeners()
        if (now.length === 1 && now[0] !== pid) return now[0]
        if (Date.now() > deadline) throw new Error("no new listener")
        await sleep(100)
      }
    })()
    expect(reconnected).not.toBe(pid)
    expect(logs).toHaveLength(1)
    expect(logs[0]).toMatch(/^warn klarna-order-sync: worker .* is not listening for jobs \(.*\); polling until it reconnects$/)
    expect(logs[0]).not.toMatch(/postgres:\/\/|password/i)
    await sleep(500)
    const queued = Date.now()
    await addJob(other, "order_after", "medusa:capture:ful_after")
    const started = await waitFor("the job queued after the reconnection", () => claimed.get("medusa:capture:ful_after"), 5000)
    expect(started - queued).toBeLessThan(1000)
  })

  test("starts a job deferred to now + 3 s at about 3 s, with a single look and no polling", async () => {
    const other = await db.server(2)
    const { claimed, counter, statementsAtClaim } = await idleServer()
    await sleep(1500)
    const queued = Date.now()
    const from = counter.texts.length
    await addJob(other, "order_later", "medusa:capture:ful_later", { runAt: new Date(queued + 3000) })
    const started = await waitFor("the deferred job", () => claimed.get("medusa:capture:ful_later"), 8000)
    const untilClaimed = counter.texts.slice(from, statementsAtClaim.get("medusa:capture:ful_later"))
    expect(started - queued).toBeGreaterThanOrEqual(2900)
    expect(started - queued).toBeLessThan(4000)
    // From the notification to the claim: one lane's claim (BEGIN, lock, claim, COMMIT) and one look, then
    // nothing while the timer waits for run_at, then the claim that got it (on a loaded machine a timer may
    // fire a little before the database's now() reaches run_at: one more claim and look).
    expect(untilClaimed.filter((text) => text.includes("SELECT ceil(EXTRACT")).length).toBeLessThanOrEqual(2)
    expect(untilClaimed.filter((text) => text === "BEGIN…COMMIT").length).toBeLessThanOrEqual(3)
  })

  test("without listening, it looks once per poll interval (one statement), not once per lane", async () => {
    const { counter } = await idleServer({ pollIntervalMs: 1000, listeningPollIntervalMs: undefined })
    await sleep(1500)
    const before = counter.statements
    await sleep(5000)
    const statements = counter.statements - before
    expect(statements).toBeGreaterThanOrEqual(4)
    expect(statements).toBeLessThanOrEqual(6)
    expect(await listeners()).toEqual([])
  })
})
