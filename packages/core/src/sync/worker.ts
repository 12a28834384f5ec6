/**
 * The outbox worker: drains due jobs, then sleeps (idle-lanes.ts) until a job is enqueued on any server
 * (LISTEN/NOTIFY, or in this process), the next job is due, or a slow safety poll. While jobs are due it runs
 * as many at once as Klarna's pace allows (`capacity`, from the call gate). Several workers (in this process
 * or on other servers) may run against one database: claims are exclusive (see SqlSyncStore.claimJobs);
 * notifications are only hints.
 */
import { hostname } from "node:os"
import { randomUUID } from "node:crypto"
import type { SyncEngine } from "./engine"
import { IdleLanes } from "./idle-lanes"
import type { JobRecord, SyncLogger } from "./ports"

export interface SyncWorkerOptions {
  /** How often an idle worker looks for due jobs when nothing can wake it (not listening). */
  pollIntervalMs: number
  /**
   * Listen for jobs enqueued by any server (LISTEN/NOTIFY, when the store can) and then look only this often
   * while idle (a safety net for a lost notification). Undefined: no listening, poll every pollIntervalMs.
   */
  listeningPollIntervalMs?: number
  /** Jobs run at once by this process (different orders; one order's jobs never overlap). */
  concurrency: number
  /**
   * Jobs worth running at once now (default: concurrency), read after each job: e.g. what Klarna's pace
   * allows (KlarnaCallGate). Above `concurrency`, extra lanes join while jobs are due and leave as soon as
   * they find none, so they never poll.
   */
  capacity?: () => number
  /**
   * A periodic catch-up (e.g. the Medusa adapter's sweep for orders whose events were lost): run once when
   * the worker starts, then every intervalMs. Runs never overlap.
   */
  sweep?: { intervalMs: number; run: () => Promise<void> }
}

export class SyncWorker {
  readonly id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
  private running = false
  private readonly idle: IdleLanes
  private listener: Promise<(() => Promise<void>) | null> | null = null
  private loops: Promise<void>[] = []
  /** Lanes running (the fixed ones and the extra ones), and the extra ones' promises. */
  private lanes = 0
  private readonly extraLanes = new Set<Promise<void>>()
  private extraLaneSeq = 0
  /** Lanes waiting for the claim in flight (takeJob). */
  private waitingLanes: { resolve: (job: JobRecord | null) => void; reject: (error: unknown) => void }[] = []
  private claiming = false
  private unsubscribe: (() => void) | null = null
  private sweepTimer: ReturnType<typeof setTimeout> | null = null
  private sweeping: Promise<void> | null = null

  constructor(
    private readonly engine: SyncEngine,
    private readonly options: SyncWorkerOptions,
    private readonly logger: SyncLogger,
  ) {
    this.idle = new IdleLanes({
      pollIntervalMs: options.pollIntervalMs,
      listeningPollMs: options.listeningPollIntervalMs ?? options.pollIntervalMs,
      nextClaimInMs: () => engine.nextClaimInMs(),
      logger,
    })
  }

  start(): void {
    if (this.running) return
    this.running = true
    this.idle.resume()
    // While listening, this process's own jobs arrive as notifications too (at commit): waking on both
    // would claim twice for each.
    this.unsubscribe = this.engine.onEnqueue(() => {
      if (!this.idle.listening) this.idle.wakeOne()
    })
    if (this.options.listeningPollIntervalMs !== undefined) this.listener = this.listen()
    for (let i = 0; i < Math.max(1, this.options.concurrency); i++) this.loops.push(this.loop(`${this.id}#${i}`))
    if (this.options.sweep) this.scheduleSweep(0)
  }

  async stop(): Promise<void> {
    this.running = false
    this.unsubscribe?.()
    if (this.sweepTimer) clearTimeout(this.sweepTimer)
    this.sweepTimer = null
    this.idle.stop()
    const stopListening = await this.listener
    this.listener = null
    await Promise.all([...this.loops, this.sweeping, stopListening?.()])
    await Promise.all([...this.extraLanes])
    this.loops = []
  }

  /** One listening connection per worker; every notification or reconnection wakes a lane. */
  private async listen(): Promise<(() => Promise<void>) | null> {
    let warned = false
    try {
      return await this.engine.listenForJobs({
        notification: () => this.idle.wakeOne(),
        listening: () => {
          warned = false
          this.idle.listening = true
          // Notifications may have been missed before (or while not) listening: look once.
          this.idle.wakeOne()
        },
        lost: (error) => {
          // Once per outage: the listener retries with a growing pause, and the lanes poll meanwhile.
          if (!warned)
            this.logger.warn(
              `klarna-order-sync: worker ${this.id} is not listening for jobs (${error.message}); polling until it reconnects`,
            )
          warned = true
          this.idle.listening = false
        },
      })
    } catch (error) {
      this.logger.warn(`klarna-order-sync: worker ${this.id} cannot listen for jobs (${(error as Error).message}); polling instead`)
      return null
    }
  }

  private scheduleSweep(delayMs: number): void {
    const sweep = this.options.sweep
    if (!sweep || !this.running) return
    this.sweepTimer = setTimeout(() => {
      this.sweepTimer = null
      this.sweeping = sweep
        .run()
        .catch((error: unknown) => this.logger.error(`klarna-order-sync: sweep failed: ${(error as Error).message}`))
        .finally(() => {
          this.sweeping = null
          this.scheduleSweep(sweep.intervalMs)
        })
    }, delayMs)
    this.sweepTimer.unref?.()
  }

  /** Run now rather than at the next poll. */
  nudge(): void {
    this.idle.wakeAll()
  }

  private async loop(workerId: string): Promise<void> {
    this.lanes++
    while (this.running) {
      const worked = await this.processNext(workerId)
      if (!this.running) continue
      if (worked) {
        this.idle.worked()
        this.addLanes()
      } else await this.idle.sleep()
    }
    this.lanes--
  }

  /** Claims a job (together with the other lanes waiting for one) and runs it. False when none was due. */
  private async processNext(workerId: string): Promise<boolean> {
    try {
      const job = await this.takeJob(workerId)
      if (!job) return false
      await this.engine.runClaimed(job)
      return true
    } catch (error) {
      // The database may be briefly unreachable: keep the loop alive and try again at the next poll.
      this.logger.error(`klarna-order-sync: worker ${workerId} could not process a job: ${(error as Error).message}`)
      return false
    }
  }

  /**
   * Lanes that want a job at the same moment share one claim of as many jobs (SqlSyncStore.claimJobs): with
   * many lanes, one claim transaction instead of one each. Lanes that ask while a claim is out wait for the
   * next one.
   */
  private takeJob(laneId: string): Promise<JobRecord | null> {
    return new Promise((resolve, reject) => {
      this.waitingLanes.push({ resolve, reject })
      if (!this.claiming) void this.claimForWaitingLanes(laneId)
    })
  }

  private async claimForWaitingLanes(laneId: string): Promise<void> {
    this.claiming = true
    try {
      while (this.waitingLanes.length > 0) {
        const lanes = this.waitingLanes.splice(0)
        try {
          const jobs = await this.engine.claimJobs(laneId, lanes.length)
          lanes.forEach((lane, i) => lane.resolve(jobs[i] ?? null))
        } catch (error) {
          for (const lane of lanes) lane.reject(error)
        }
      }
    } finally {
      this.claiming = false
    }
  }

  /** Jobs were due: lanes up to capacity(). */
  private addLanes(): void {
    const capacity = this.options.capacity
    if (!capacity) return
    while (this.running && this.lanes < capacity()) {
      this.lanes++
      const lane: Promise<void> = this.extraLane(`${this.id}#+${++this.extraLaneSeq}`).finally(() => {
        this.lanes--
        this.extraLanes.delete(lane)
      })
      this.extraLanes.add(lane)
    }
  }

  /** An extra lane: runs due jobs while there are some and the capacity holds it, then ends (it never sleeps). */
  private async extraLane(workerId: string): Promise<void> {
    await Promise.resolve()
    while (this.running && this.lanes <= (this.options.capacity?.() ?? 0)) {
      if (!(await this.processNext(workerId))) return
      this.addLanes()
    }
  }
}
