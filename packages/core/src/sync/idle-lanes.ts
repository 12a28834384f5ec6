/**
 * Where a worker's lanes wait when there is nothing to claim, so that an idle server costs the database
 * (almost) nothing: no lane polls on its own. When a lane runs out of work, one statement asks when the next
 * job could be claimed (SyncStore.nextClaimInMs); the lanes then sleep until
 *   - a notification (a job enqueued on any server: LISTEN/NOTIFY) or an in-process nudge: one lane wakes,
 *     and each lane that finds a job wakes one more, so a lone job costs one or two claims, not one per lane;
 *   - the next job's run_at (a retry's backoff, a deferred job) or a running job's lease expiry;
 *   - at the latest, the safety poll: one look (the same statement) in case a notification was lost. Every
 *     `listeningPollMs` while the listener is up, every `pollIntervalMs` when it is not (the database
 *     adapter cannot listen, or the connection is down and reconnecting).
 */
import type { SyncLogger } from "./ports"

const DUE_MARGIN_MS = 10

export interface IdleLanesOptions {
  /** How often to look for due jobs when nothing can wake the lanes (no listener). */
  pollIntervalMs: number
  /** How often to look anyway while the listener is up. */
  listeningPollMs: number
  /** ms until a job could be claimed (0: now; null: none); undefined: the store cannot tell (plain polling). */
  nextClaimInMs: () => Promise<number | null> | undefined
  logger: SyncLogger
}

export class IdleLanes {
  private sleepers: (() => void)[] = []
  private timer: ReturnType<typeof setTimeout> | null = null
  private looking = false
  private lookAgain = false
  /** Looks in a row that said "due now" (see plan()). */
  private dueNowStreak = 0
  private stopped = false
  private listening_ = false

  constructor(private readonly options: IdleLanesOptions) {}

  /** Whether the listener is up (then notifications wake the lanes and the safety poll is slow). */
  get listening(): boolean {
    return this.listening_
  }

  set listening(up: boolean) {
    const lost = this.listening_ && !up
    this.listening_ = up
    // The timer may be the slow safety poll: plan again, polling at pollIntervalMs until the listener is back.
    if (lost && this.sleepers.length > 0) this.look()
  }

  /** A lane found nothing to claim: wait until there may be something. */
  sleep(): Promise<void> {
    if (this.stopped) return Promise.resolve()
    const woken = new Promise<void>((resolve) => this.sleepers.push(resolve))
    this.look()
    return woken
  }

  /** Wakes one sleeping lane (a new job: the lane that gets it wakes the next, see worked()). */
  wakeOne(): void {
    this.sleepers.shift()?.()
    if (this.sleepers.length === 0) this.clearTimer()
  }

  /** Wakes every sleeping lane. */
  wakeAll(): void {
    this.clearTimer()
    const sleepers = this.sleepers
    this.sleepers = []
    for (const wake of sleepers) wake()
  }

  /** A lane claimed a job: there may be more, so one more lane looks. */
  worked(): void {
    this.dueNowStreak = 0
    if (this.sleepers.length > 0) this.wakeOne()
  }

  resume(): void {
    this.stopped = false
  }

  stop(): void {
    this.stopped = true
    this.wakeAll()
  }

  /** When the next job could be due: one statement, never two at once (a second request runs after). */
  private look(): void {
    if (this.looking) {
      this.lookAgain = true
      return
    }
    const asked = this.options.nextClaimInMs()
    if (!asked) {
      this.arm(this.options.pollIntervalMs, "wake")
      return
    }
    this.looking = true
    asked
      .then(
        (ms) => this.plan(ms),
        (error: unknown) => {
          // The database may be briefly unreachable: look again at the poll interval.
          this.options.logger.error(`klarna-order-sync: the worker could not read when the next job is due: ${(error as Error).message}`)
          this.arm(this.options.pollIntervalMs, "look")
        },
      )
      .finally(() => {
        this.looking = false
        if (this.lookAgain) {
          this.lookAgain = false
          if (this.sleepers.length > 0) this.look()
        }
      })
  }

  private plan(ms: number | null): void {
    // Lanes woke meanwhile (a nudge): they look again themselves when they run out of work.
    if (this.sleepers.length === 0 || this.stopped) return
    const safetyMs = this.listening ? this.options.listeningPollMs : this.options.pollIntervalMs
    if (ms === 0) {
      this.dueNowStreak += 1
      // Due, yet a lane just found nothing to claim: normally a job that became due in between (wake now);
      // twice in a row, something the claim skips (a row locked by a statement in flight): look again after
      // the poll interval rather than in a loop.
      if (this.dueNowStreak === 1) this.wakeOne()
      else this.arm(Math.min(this.options.pollIntervalMs, safetyMs), "wake")
      return
    }
    this.dueNowStreak = 0
    // A few ms late rather than early: Node's timers count from the event loop's cached time, and a lane
    // that wakes before run_at (the database's clock) claims nothing and looks again.
    if (ms !== null && ms < safetyMs) this.arm(ms + DUE_MARGIN_MS, "wake")
    else this.arm(safetyMs, "look")
  }

  /** One timer for all lanes: at a job's due time wake a lane; at the safety poll, look first (one statement). */
  private arm(ms: number, then: "wake" | "look"): void {
    this.clearTimer()
    if (this.stopped) return
    this.timer = setTimeout(() => {
      this.timer = null
      if (then === "wake") this.wakeOne()
      else if (this.sleepers.length > 0) this.look()
    }, ms)
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }
}
