/**
 * The outbox's claim protocol against a real PostgreSQL (SqlSyncStore.claimNextJob and the guarded
 * updates), with several connection pools standing in for several servers:
 * - concurrent claimers never get the same job;
 * - one order's jobs never run at the same time, and run oldest first;
 * - a running job whose worker stopped renewing its lease is taken over, its lost attempt logged;
 * - completeJob / failJob / deferJob / saveJobRequest / extendLease only work for the worker holding the job;
 * - the claim is one statement with no lock of its own: a partial unique index makes a second running job of
 *   an order impossible, and a claimer that loses that race claims again (no error, no lost job).
 */
import { Client } from "pg"
import type { SqlSyncStore } from "../../packages/core/src/storage/sql-sync-store"
import type { JobRecord } from "../../packages/core/src/sync/ports"
import { JobNotHeldError } from "../../packages/core/src/sync/errors"
import { addJob, outboxDatabase, sleep, type OutboxDatabase } from "./support"

jest.setTimeout(60_000)

let db: OutboxDatabase

beforeEach(async () => {
  db = await outboxDatabase()
})

afterEach(async () => {
  await db?.close()
})

const HOUR = 3_600_000

describe("claiming jobs", () => {
  test("two servers with four claim loops each never get the same job", async () => {
    const servers = [await db.server(6), await db.server(6)]
    const jobs = 240
    for (let i = 0; i < jobs; i++) await addJob(servers[0], `order_${i}`, `medusa:capture:ful_${i}`)

    const claims: { job: string; worker: string }[] = []
    const loop = async (store: SqlSyncStore, worker: string) => {
      for (;;) {
        const job = await store.claimNextJob(worker, HOUR)
        if (!job) return
        claims.push({ job: job.id, worker })
      }
    }
    await Promise.all(servers.flatMap((store, s) => [0, 1, 2, 3].map((w) => loop(store, `server${s}#${w}`))))

    const ids = claims.map((claim) => claim.job)
    expect(new Set(ids).size).toBe(ids.length) // nobody got a job twice
    expect(ids).toHaveLength(jobs) // and every job was claimed
    expect(new Set(claims.map((claim) => claim.worker)).size).toBeGreaterThan(1) // the work was shared
    const rows = await db.sql<{ state: string; attempts: number; n: string }>(
      `SELECT state, attempts, count(*)::text AS n FROM klarna_sync_job GROUP BY state, attempts`,
    )
    expect(rows).toEqual([{ state: "running", attempts: 1, n: String(jobs) }])
  })

  test("one order's jobs run one at a time, oldest first, across servers", async () => {
    const servers = [await db.server(6), await db.server(6)]
    const orders = 12
    const perOrder = 5
    for (let j = 0; j < perOrder; j++) {
      for (let o = 0; o < orders; o++) await addJob(servers[0], `order_${o}`, `medusa:capture:ful_${o}_${j}`, { payload: { seq: j } })
    }
    const running = new Map<string, string>() // queue -> job running now
    const order = new Map<string, number[]>() // queue -> sequence numbers in the order they ran
    const overlaps: string[] = []
    const loop = async (store: SqlSyncStore, worker: string) => {
      for (let idle = 0; idle < 20;) {
        const job = await store.claimNextJob(worker, HOUR)
        if (!job) {
          idle++
          await sleep(5)
          continue
        }
        idle = 0
        if (running.has(job.queue_key)) overlaps.push(`${job.id} while ${running.get(job.queue_key)}`)
        running.set(job.queue_key, job.id)
        order.set(job.queue_key, [...(order.get(job.queue_key) ?? []), Number(job.payload.seq)])
        await sleep(Math.random() * 8)
        running.delete(job.queue_key)
        expect(await store.completeJob(job.id, worker, "succeeded", {})).toBe(true)
      }
    }
    await Promise.all(servers.flatMap((store, s) => [0, 1, 2].map((w) => loop(store, `server${s}#${w}`))))
    expect(overlaps).toEqual([])
    expect(order.size).toBe(orders)
    for (const sequence of order.values()) expect(sequence).toEqual([0, 1, 2, 3, 4])
  })

  test("a job of an order waits while another job of that order runs, even when it is due", async () => {
    const [a, b] = [await db.server(), await db.server()]
    const first = await addJob(a, "order_1", "medusa:capture:ful_1")
    const second = await addJob(a, "order_1", "medusa:refund:ref_1", { operation: "refund" })
    const other = await addJob(a, "order_2", "medusa:capture:ful_2")
    expect((await a.claimNextJob("a", HOUR))?.id).toBe(first.id)
    expect((await b.claimNextJob("b", HOUR))?.id).toBe(other.id) // order_1 is busy: the next order's job
    expect(await b.claimNextJob("b", HOUR)).toBeNull()
    expect(await a.completeJob(first.id, "a", "succeeded", {})).toBe(true)
    expect((await b.claimNextJob("b", HOUR))?.id).toBe(second.id)
  })

  test("a batched claim takes each order's oldest due job, oldest first, never a second job of an order nor one of a busy order", async () => {
    const store = await db.server()
    const busy = await addJob(store, "order_busy", "medusa:capture:busy")
    expect((await store.claimNextJob("other", HOUR))?.id).toBe(busy.id)
    await addJob(store, "order_busy", "medusa:refund:busy", { operation: "refund" })
    const expected: string[] = []
    for (let o = 0; o < 6; o++) {
      for (let j = 0; j < 3; j++) {
        const job = await addJob(store, `order_${o}`, `medusa:capture:ful_${o}_${j}`, { payload: { seq: j } })
        if (j === 0) expected.push(job.id)
      }
    }
    await addJob(store, "order_later", "medusa:capture:later", { runAt: new Date(Date.now() + HOUR) })

    const first = await store.claimJobs("batch-1", HOUR, 4)
    expect(first.map((job) => job.id)).toEqual(expected.slice(0, 4))
    expect(first.every((job) => job.state === "running" && job.locked_by === "batch-1" && job.attempts === 1)).toBe(true)
    // Asked for more than there are free orders: the two left, one job each.
    const second = await store.claimJobs("batch-2", HOUR, 10)
    expect(second.map((job) => job.id)).toEqual(expected.slice(4))
    expect(await store.claimJobs("batch-3", HOUR, 10)).toEqual([])
    // Every write stays guarded by the claimer.
    expect(await store.completeJob(first[0].id, "batch-2", "succeeded", {})).toBe(false)
    expect(await store.completeJob(first[0].id, "batch-1", "succeeded", {})).toBe(true)
    expect((await store.claimJobs("batch-3", HOUR, 10)).map((job) => job.payload.seq)).toEqual([1])
  })

  test("batched claims from two servers at once never share a job nor run two jobs of one order", async () => {
    const servers = [await db.server(6), await db.server(6)]
    for (let j = 0; j < 3; j++) for (let o = 0; o < 40; o++) await addJob(servers[0], `order_${o}`, `medusa:capture:ful_${o}_${j}`)
    const running = new Set<string>()
    const seen: string[] = []
    const overlaps: string[] = []
    const loop = async (store: SqlSyncStore, worker: string) => {
      for (let idle = 0; idle < 10;) {
        const jobs = await store.claimJobs(worker, HOUR, 7)
        if (jobs.length === 0) {
          idle++
          await sleep(5)
          continue
        }
        idle = 0
        for (const job of jobs) {
          if (running.has(job.queue_key)) overlaps.push(job.queue_key)
          running.add(job.queue_key)
          seen.push(job.id)
        }
        await sleep(Math.random() * 5)
        for (const job of jobs) {
          running.delete(job.queue_key)
          expect(await store.completeJob(job.id, worker, "succeeded", {})).toBe(true)
        }
      }
    }
    await Promise.all(servers.flatMap((store, s) => [0, 1].map((w) => loop(store, `server${s}#${w}`))))
    expect(overlaps).toEqual([])
    expect(new Set(seen).size).toBe(seen.length)
    expect(seen).toHaveLength(120)
  })

  test("jobs that are not due yet, finished or parked are not claimed", async () => {
    const store = await db.server()
    await addJob(store, "order_1", "medusa:capture:later", { runAt: new Date(Date.now() + HOUR) })
    const done = await addJob(store, "order_2", "medusa:capture:done")
    const parked = await addJob(store, "order_3", "medusa:capture:parked")
    await store.claimNextJob("w", HOUR)
    await store.claimNextJob("w", HOUR)
    await store.completeJob(done.id, "w", "succeeded", {})
    await store.failJob(parked.id, "w", { message: "403 Forbidden" }, null)
    expect(await store.claimNextJob("w", HOUR)).toBeNull()
    expect((await store.getJob(parked.id))?.state).toBe("failed")
  })
})

describe("claims racing without a lock", () => {
  test("two claimers racing on one order, round after round, never run two of its jobs", async () => {
    const servers = [await db.server(4), await db.server(4)]
    for (let round = 0; round < 25; round++) {
      const orderId = `order_race_${round}`
      for (let j = 0; j < 3; j++) await addJob(servers[0], orderId, `medusa:capture:race_${round}_${j}`, { payload: { seq: j } })
      const claimed = (await Promise.all(servers.map((store, s) => store.claimJobs(`server${s}`, HOUR, 2)))).flat()
      // Never two jobs of one order (earlier rounds' orders still have jobs left), and of the new order its oldest.
      const queues = claimed.map((job) => job.queue_key)
      expect(new Set(queues).size).toBe(queues.length)
      expect(claimed.filter((job) => job.platform_order_id === orderId).map((job) => job.payload.seq)).toEqual([0])
      const running = await db.sql(`SELECT queue_key FROM klarna_sync_job WHERE state = 'running' GROUP BY queue_key HAVING count(*) > 1`)
      expect(running).toEqual([])
      for (const job of claimed) expect(await servers[0].completeJob(job.id, job.locked_by as string, "succeeded", {})).toBe(true)
    }
  })

  test("a claimer whose UPDATE meets another's running job of the same order claims again: no error, no lost job", async () => {
    const store = await db.server()
    // order_1's older job was parked; its retry is claimed by another server in a transaction still open
    // while this claimer looks: it sees the order free and picks the younger job.
    const parked = await addJob(store, "order_1", "medusa:capture:parked")
    await store.claimNextJob("w", HOUR)
    await store.failJob(parked.id, "w", { message: "503" }, null)
    const younger = await addJob(store, "order_1", "medusa:refund:ref_1", { operation: "refund" })
    const other = await addJob(store, "order_2", "medusa:capture:ful_2")
    const otherServer = new Client({ connectionString: db.url })
    await otherServer.connect()
    try {
      await otherServer.query("BEGIN")
      await otherServer.query(`UPDATE klarna_sync_job SET state = 'running', locked_at = now(), locked_by = 'other' WHERE id = $1`, [
        parked.id,
      ])
      const claiming = store.claimJobs("claimer", HOUR, 2)
      // The claim's UPDATE of `younger` waits on the index for the open transaction, which then commits.
      await sleep(300)
      await otherServer.query("COMMIT")
      const claimed = await claiming
      // The retried claim: order_1 is busy now, order_2's job is not lost with the failed statement.
      expect(claimed.map((job) => job.id)).toEqual([other.id])
      expect(await store.getJob(younger.id)).toMatchObject({ state: "pending", attempts: 0, locked_by: null })
      const running = await db.sql(`SELECT id FROM klarna_sync_job WHERE queue_key = $1 AND state = 'running'`, [younger.queue_key])
      expect(running).toEqual([{ id: parked.id }])
    } finally {
      await otherServer.end()
    }
  })

  test("a running job whose lease ran out holds its order: it is taken over before the order's pending jobs", async () => {
    const store = await db.server()
    const first = await addJob(store, "order_1", "medusa:capture:ful_1")
    await store.claimNextJob("dead-worker", HOUR)
    const second = await addJob(store, "order_1", "medusa:refund:ref_1", { operation: "refund" })
    expect(await store.claimJobs("w", HOUR, 4)).toEqual([]) // live lease: the order is busy
    await db.sql(`UPDATE klarna_sync_job SET locked_at = now() - interval '2 hours' WHERE id = $1`, [first.id])
    const taken = await store.claimJobs("w", HOUR, 4)
    expect(taken.map((job) => [job.id, job.attempts, job.locked_by])).toEqual([[first.id, 2, "w"]])
    expect((await store.listAttempts([first.id])).map((a) => [a.attempt, a.worker_id, a.outcome])).toEqual([[1, "dead-worker", "retry"]])
    expect(await store.completeJob(first.id, "w", "succeeded", {})).toBe(true)
    expect((await store.claimJobs("w", HOUR, 4)).map((job) => job.id)).toEqual([second.id])
  })

  test("a claimed job comes with its order's mapping row, read in the same statement", async () => {
    const store = await db.server()
    const mapping = await store.ensureMapping({
      platform: "medusa",
      platform_order_id: "order_1",
      klarna_order_id: "kl_1",
      currency: "SEK",
      authorized_amount: 5000,
    })
    await addJob(store, "order_1", "medusa:capture:ful_1")
    await addJob(store, "order_no_mapping", "medusa:capture:ful_2")
    const claimed = await store.claimJobs("w", HOUR, 2)
    expect(claimed.map((job) => job.klarnaOrder ?? null)).toEqual([mapping, null])
  })
})

describe("leases", () => {
  test("a job whose worker stopped renewing its lease is taken over, and the lost attempt is logged", async () => {
    const [a, b] = [await db.server(), await db.server()]
    const job = await addJob(a, "order_1", "medusa:capture:ful_1")
    const claimed = (await a.claimNextJob("worker-a", 400)) as JobRecord
    expect(claimed).toMatchObject({ id: job.id, state: "running", attempts: 1, locked_by: "worker-a" })
    expect(await b.claimNextJob("worker-b", 400)).toBeNull() // still leased

    await sleep(600) // worker-a is gone: no heartbeat
    const taken = (await b.claimNextJob("worker-b", 400)) as JobRecord
    expect(taken).toMatchObject({ id: job.id, state: "running", attempts: 2, locked_by: "worker-b" })
    expect(Object.keys(taken).some((key) => key.startsWith("__"))).toBe(false)
    const attempts = await b.listAttempts([job.id])
    expect(attempts).toHaveLength(1)
    expect(attempts[0]).toMatchObject({ attempt: 1, worker_id: "worker-a", outcome: "retry" })
    expect(attempts[0].error).toMatch(/Interrupted: worker worker-a stopped before finishing \(lease expired\); taken over by worker-b/)

    // worker-a comes back (it was only slow): nothing it does to the job counts any more.
    await expect(a.saveJobRequest(job.id, "worker-a", { captured_amount: 1 })).rejects.toThrow(JobNotHeldError)
    expect(await a.extendLease(job.id, "worker-a")).toBe(false)
    expect(await a.completeJob(job.id, "worker-a", "succeeded", { capture_id: "from-a" })).toBe(false)
    expect(await a.failJob(job.id, "worker-a", { message: "boom" }, null)).toBe(false)
    expect(await a.deferJob(job.id, "worker-a", new Date(), "later")).toBe(false)
    expect(await b.getJob(job.id)).toMatchObject({ state: "running", locked_by: "worker-b", request: null, result: null })

    expect(await b.completeJob(job.id, "worker-b", "succeeded", { capture_id: "from-b" })).toBe(true)
    expect(await b.getJob(job.id)).toMatchObject({ state: "succeeded", result: { capture_id: "from-b" } })
    expect(await b.completeJob(job.id, "worker-b", "succeeded", {})).toBe(false) // finished jobs stay finished
  })

  test("a worker that renews its lease keeps its job however long the call takes", async () => {
    const [a, b] = [await db.server(), await db.server()]
    const job = await addJob(a, "order_1", "medusa:capture:ful_1")
    await a.claimNextJob("worker-a", 400)
    for (let i = 0; i < 8; i++) {
      await sleep(130)
      expect(await a.extendLease(job.id, "worker-a")).toBe(true)
      expect(await b.claimNextJob("worker-b", 400)).toBeNull()
    }
    expect(await b.extendLease(job.id, "worker-b")).toBe(false)
    expect(await a.completeJob(job.id, "worker-a", "succeeded", {})).toBe(true)
    expect(await b.listAttempts([job.id])).toEqual([])
  })

  test("failJob reschedules or parks, deferJob does not count an attempt, resetJob only revives parked jobs", async () => {
    const store = await db.server()
    const job = await addJob(store, "order_1", "medusa:capture:ful_1", { maxAttempts: 3 })
    await store.claimNextJob("w", HOUR)
    const retryAt = new Date(Date.now() + 50)
    expect(await store.failJob(job.id, "w", { message: "503", httpStatus: 503, correlationId: "corr-1" }, retryAt)).toBe(true)
    expect(await store.getJob(job.id)).toMatchObject({
      state: "pending",
      attempts: 1,
      last_http_status: 503,
      last_correlation_id: "corr-1",
    })
    expect(await store.resetJob(job.id)).toBeNull() // not parked

    await sleep(80)
    await store.claimNextJob("w", HOUR)
    expect(await store.deferJob(job.id, "w", new Date(), "waiting")).toBe(true)
    expect((await store.getJob(job.id))?.attempts).toBe(1)

    expect((await store.claimNextJob("w", HOUR))?.attempts).toBe(2)
    expect(await store.failJob(job.id, "w", { message: "403", httpStatus: 403, errorCode: "NOT_ALLOWED" }, null)).toBe(true)
    expect(await store.getJob(job.id)).toMatchObject({ state: "failed", attempts: 2, last_error_code: "NOT_ALLOWED" })
    expect(await store.claimNextJob("w", HOUR)).toBeNull()

    const revived = await store.resetJob(job.id)
    expect(revived).toMatchObject({ id: job.id, state: "pending", attempts: 0, locked_by: null })
    expect((await store.claimNextJob("w", HOUR))?.id).toBe(job.id)
  })

  test("the same job key enqueued twice (two events, two servers) is one job", async () => {
    const [a, b] = [await db.server(), await db.server()]
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => addJob(i % 2 ? a : b, "order_1", "medusa:capture:ful_1")))
    expect(new Set(results.map((job) => job.id)).size).toBe(1)
    expect(await db.sql(`SELECT id FROM klarna_sync_job`)).toHaveLength(1)
  })
})
