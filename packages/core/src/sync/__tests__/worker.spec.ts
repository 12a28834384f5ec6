import type { SyncEngine } from "../engine"
import type { JobRecord } from "../ports"
import { SyncWorker } from "../worker"

const silent = { debug() {}, info() {}, warn() {}, error() {} }
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** An engine whose outbox is an array: claims take from it, each job runs `runMs`. */
function fakeEngine(jobs: number, runMs: number) {
  const due = Array.from({ length: jobs }, (_, i) => ({ id: `job_${i}` }) as JobRecord)
  const stats = { claims: [] as number[], running: 0, maxRunning: 0, ran: 0 }
  const engine = {
    onEnqueue: () => () => undefined,
    // The store cannot tell when the next job is due: idle lanes poll (every pollIntervalMs).
    nextClaimInMs: () => undefined,
    claimJobs: async (workerId: string, limit: number) => {
      stats.claims.push(limit)
      await sleep(2)
      return due.splice(0, limit).map((job) => ({ ...job, locked_by: workerId }))
    },
    runClaimed: async () => {
      stats.running++
      stats.maxRunning = Math.max(stats.maxRunning, stats.running)
      await sleep(runMs)
      stats.running--
      stats.ran++
    },
  }
  return { engine: engine as unknown as SyncEngine, stats, due }
}

describe("SyncWorker", () => {
  it("runs up to capacity() jobs at once while jobs are due, claiming for several lanes at a time", async () => {
    const { engine, stats } = fakeEngine(60, 30)
    const worker = new SyncWorker(engine, { pollIntervalMs: 60_000, concurrency: 2, capacity: () => 6 }, silent)
    worker.start()
    while (stats.ran < 60) await sleep(10)
    await worker.stop()
    expect(stats.maxRunning).toBe(6)
    expect(stats.claims.some((limit) => limit > 1)).toBe(true)
    // Fewer claims than jobs: lanes that wanted a job at the same moment shared one.
    expect(stats.claims.length).toBeLessThan(60)
  })

  it("without capacity() runs exactly `concurrency` jobs at once", async () => {
    const { engine, stats } = fakeEngine(20, 20)
    const worker = new SyncWorker(engine, { pollIntervalMs: 60_000, concurrency: 3 }, silent)
    worker.start()
    while (stats.ran < 20) await sleep(10)
    await worker.stop()
    expect(stats.maxRunning).toBe(3)
  })

  it("extra lanes leave once no job is due: an idle worker claims no more than its own lanes' polls", async () => {
    const { engine, stats } = fakeEngine(40, 10)
    const worker = new SyncWorker(engine, { pollIntervalMs: 60_000, concurrency: 2, capacity: () => 8 }, silent)
    worker.start()
    while (stats.ran < 40) await sleep(10)
    await sleep(50)
    const claimsWhenDrained = stats.claims.length
    await sleep(300)
    expect(stats.claims.length).toBe(claimsWhenDrained)
    expect(stats.running).toBe(0)
    await worker.stop()
  })

  it("shrinks to capacity() when it drops: no new job starts above it", async () => {
    let capacity = 8
    const { engine, stats } = fakeEngine(200, 15)
    const worker = new SyncWorker(engine, { pollIntervalMs: 60_000, concurrency: 2, capacity: () => capacity }, silent)
    worker.start()
    while (stats.ran < 40) await sleep(5)
    capacity = 3
    await sleep(40) // the jobs already running finish
    stats.maxRunning = stats.running
    while (stats.ran < 120) await sleep(5)
    await worker.stop()
    expect(stats.maxRunning).toBeLessThanOrEqual(3)
  })
})
