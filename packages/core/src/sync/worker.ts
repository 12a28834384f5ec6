/**
 * The outbox worker: drains due jobs, then sleeps until the next poll or until a job is enqueued in
 * this process. Several workers (in this process or on other servers) may run against one database:
 * claims are exclusive (see SqlSyncStore.claimJobs).
 */
import { hostname } from "node:os"
import { randomUUID } from "node:crypto"
import type { SyncEngine } from "./engine"
import type { JobRecord, SyncLogger } from "./ports"

export interface SyncWorkerOptions {
  pollIntervalMs: number
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
  private wake: (() => void) | null = null
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
  ) {}

  start(): void {
    if (this.running) return
    this.running = true
    this.unsubscribe = this.engine.onEnqueue(() => this.nudge())
    for (let i = 0; i < Math.max(1, this.options.concurrency); i++) this.loops.push(this.loop(`${this.id}#${i}`))
    if (this.options.sweep) this.scheduleSweep(0)
  }

  async stop(): Promise<void> {
    this.running = false
    this.unsubscribe?.()
    if (this.sweepTimer) clearTimeout(this.sweepTimer)
    this.sweepTimer = null
    this.nudge()
    await Promise.all([...this.loops, this.sweeping])
    await Promise.all([...this.extraLanes])
    this.loops = []
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
    const wake = this.wake
    this.wake = null
    wake?.()
  }

  private async loop(workerId: string): Promise<void> {
    this.lanes++
    while (this.running) {
      const worked = await this.processNext(workerId)
      if (worked) this.addLanes()
      if (worked || !this.running) continue
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.pollIntervalMs)
        const previous = this.wake
        this.wake = () => {
          clearTimeout(timer)
          previous?.()
          resolve()
        }
      })
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
