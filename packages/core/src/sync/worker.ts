/**
 * The outbox worker: drains due jobs, then sleeps (idle-lanes.ts) until a job is enqueued on any server
 * (LISTEN/NOTIFY, or in this process), the next job is due, or a slow safety poll. Several workers (in this
 * process or on other servers) may run against one database: claims are exclusive (see
 * SqlSyncStore.claimNextJob); notifications are only hints.
 */
import { hostname } from "node:os"
import { randomUUID } from "node:crypto"
import type { SyncEngine } from "./engine"
import { IdleLanes } from "./idle-lanes"
import type { SyncLogger } from "./ports"

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
    while (this.running) {
      let worked = false
      try {
        worked = await this.engine.processNext(workerId)
      } catch (error) {
        // The database may be briefly unreachable: keep the loop alive and try again at the next poll.
        this.logger.error(`klarna-order-sync: worker ${workerId} could not process a job: ${(error as Error).message}`)
      }
      if (!this.running) continue
      if (worked) this.idle.worked()
      else await this.idle.sleep()
    }
  }
}
