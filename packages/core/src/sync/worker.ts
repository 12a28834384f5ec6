/**
 * The outbox worker: drains due jobs, then sleeps until the next poll or until a job is enqueued in
 * this process. Several workers (in this process or on other servers) may run against one database:
 * claims are exclusive (see SqlSyncStore.claimNextJob).
 */
import { hostname } from "node:os"
import { randomUUID } from "node:crypto"
import type { SyncEngine } from "./engine"
import type { SyncLogger } from "./ports"

export interface SyncWorkerOptions {
  pollIntervalMs: number
  /** Jobs run at once by this process (different orders; one order's jobs never overlap). */
  concurrency: number
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
    while (this.running) {
      let worked = false
      try {
        worked = await this.engine.processNext(workerId)
      } catch (error) {
        // The database may be briefly unreachable: keep the loop alive and try again at the next poll.
        this.logger.error(`klarna-order-sync: worker ${workerId} could not process a job: ${(error as Error).message}`)
      }
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
  }
}
