/**
 * How many Klarna calls one set of credentials has in flight, and how fast they go out: shared by every
 * caller of those credentials in the process (the worker's lanes, the payment provider), so that a 429 one
 * call gets holds all of them back, not just the one that got it.
 *
 * Two controls, because Klarna limits requests per second per merchant, not calls in flight:
 * - a window of calls in flight, AIMD as in TCP: +1 per window of successes while the window is what holds
 *   calls back and the latency stays near its baseline (up to maxInFlight); halved on a 429; down to one
 *   probe at a time after `outageAfter` failures in a row (5xx, timeouts, dropped connections), then slow
 *   start (+1 per success) back to where it was. That lets in as many calls as Klarna's latency needs.
 * - a pace in requests per second (a token bucket), off until Klarna says its limit: `X-Ratelimit-Limit`
 *   (on every response at Klarna, only on 429 at some gateways). The pace is then the limit × `headroom`.
 *   A 429 anyway (another server, or a limit lower than said) cuts the pace to 0.7 × what went out in the
 *   last second; it then climbs back by `rateIncreasePerS` every second without a 429 (AIMD on the rate:
 *   servers sharing credentials converge to equal shares, Chiu and Jain 1989). Without a limit header, the
 *   first 429 starts the pace the same way.
 * Measured (bench `backlog_drain`, 150 ms ± 50 ms, 50 requests/s): AIMD on the window alone overshoots the
 * limit by a window's worth of calls every cycle (each cycle a volley of 429s and a one-second pause); pacing
 * at 0.95 × the announced limit keeps 429s to the first second's volley, or to none when the limit arrives
 * on the first success.
 * - a pause: a 429's Retry-After (or X-Ratelimit-Reset; 1 s without either; at most 10 s) stops every call until it ends.
 * Across servers (shareWith, call-gate-sharing.ts): a 429's pause is written to the shared state at once and
 * honoured by every server's gate on the same credentials; the announced limit is shared, and each busy server
 * paces at its share of it (shareOfLimit). Read at most once a second while calls are queued or in flight,
 * never while idle. Without shared state (or while it fails) the gate works on what it sees itself.
 */
import { randomUUID } from "node:crypto"
import type { HeaderReader } from "./retry"
import { serverRequestedDelayMs } from "./retry"
import { SHARED_STATE_INTERVAL_MS, shareOfLimit, type CallGateSharedState, type SharedGateView } from "./call-gate-sharing"

export interface CallGateOptions {
  /** Calls in flight at the start. */
  initialInFlight: number
  /** The window never grows beyond this. */
  maxInFlight: number
  /** Pace at this share of the limit Klarna announces (room for clocks and the network bunching calls). */
  headroom?: number
  /** Failures in a row (no answer, 5xx) that mean Klarna is down: then one call at a time. */
  outageAfter?: number
  /** Additive increase of the pace, requests/s per second without a 429. */
  rateIncreasePerS?: number
  /** Clock and timers (tests inject fakes). */
  now?: () => number
  setTimer?: (fn: () => void, ms: number) => unknown
}

/** `shopper`: a call a shopper waits for (checkout); `background`: the sync's calls, which can wait. */
export type CallPriority = "shopper" | "background"

export interface CallTicket {
  readonly sentAt: number
  /** The window was full when this call got its slot: a success may widen it. */
  readonly windowLimited: boolean
}

export interface CallResult {
  /** undefined: no answer (network error, timeout). */
  status: number | undefined
  headers?: HeaderReader
  elapsedMs: number
}

export interface CallGateState {
  inFlight: number
  /** Calls allowed in flight now. */
  window: number
  /** Requests per second the calls are paced at; null: not paced (no limit known yet). */
  ratePerS: number | null
  /** Klarna's announced limit, requests/s, if it said one. */
  announcedLimit: number | null
  pausedUntil: number
  waiting: number
  outage: boolean
  /** 429s seen, calls finished. */
  rateLimited: number
  calls: number
  /** This server's share of the announced limit (1 without shared state or other busy servers). */
  share: number
  /** Servers busy on these credentials at the last read of the shared state (1 without it). */
  servers: number
}

const DEFAULT_HEADROOM = 0.95
const DEFAULT_OUTAGE_AFTER = 5
const DEFAULT_RATE_INCREASE = 1
/** Without Retry-After or X-Ratelimit-Reset, a 429 pauses everyone this long. */
const DEFAULT_PAUSE_MS = 1000
/**
 * A longer Retry-After pauses the gate only this long: the job that got it is rescheduled by its own backoff,
 * and every other caller of the credentials (a shopper's checkout among them) must not wait minutes behind
 * it. If Klarna still limits when the pause ends, the next 429 pauses again.
 */
const MAX_PAUSE_MS = 10_000
/** Latency above this multiple of the baseline: Klarna is queueing our calls, the window stops growing. */
const LATENCY_TOLERANCE = 2

export class KlarnaCallGate {
  private window: number
  private ssthresh: number
  private inFlight = 0
  private rate: number | null = null
  private announced: number | null = null
  private tokens = 0
  private tokensAt = 0
  private pausedUntil = 0
  private failuresInRow = 0
  private lastDecreaseAt = -Infinity
  private lastIncreaseAt = 0
  private baselineMs: number | null = null
  private readonly recentSends: number[] = []
  private readonly waiters: { resolve: (ticket: CallTicket) => void; priority: CallPriority }[] = []
  private timerDue: number | null = null
  private rateLimited = 0
  private calls = 0
  private share = 1
  private servers = 1
  private shared: { state: CallGateSharedState; key: string; onError: (error: Error) => void } | null = null
  private readonly serverId = randomUUID()
  private exchanging = false
  private lastExchangeAt = -Infinity
  private exchangeDue: number | null = null
  /** The end of the last pause written to the shared state (a volley of 429s writes once). */
  private pauseWrittenUntil = 0
  private sharedFailing = false
  private readonly now: () => number
  private readonly setTimer: (fn: () => void, ms: number) => unknown
  private readonly headroom: number
  private readonly outageAfter: number
  private readonly rateIncrease: number
  private readonly maxInFlight: number

  constructor(options: CallGateOptions) {
    this.maxInFlight = Math.max(1, Math.floor(options.maxInFlight))
    this.window = Math.min(Math.max(1, options.initialInFlight), this.maxInFlight)
    this.ssthresh = this.window
    this.headroom = options.headroom ?? DEFAULT_HEADROOM
    this.outageAfter = options.outageAfter ?? DEFAULT_OUTAGE_AFTER
    this.rateIncrease = options.rateIncreasePerS ?? DEFAULT_RATE_INCREASE
    this.now = options.now ?? (() => performance.now())
    this.setTimer =
      options.setTimer ??
      ((fn, ms) => {
        const timer = setTimeout(fn, ms)
        timer.unref?.()
        return timer
      })
  }

  /**
   * Shares what this gate learns with the gates of other servers on the same credentials (call-gate-sharing.ts).
   * `credentialsKey` is sharedStateKey(the gate's key): a hash, never the username. Once per gate; later calls
   * are ignored. `onError` hears of a failed read or write (the gate then goes on with what it sees itself).
   */
  shareWith(state: CallGateSharedState, credentialsKey: string, onError: (error: Error) => void = () => undefined): void {
    if (this.shared) return
    this.shared = { state, key: credentialsKey, onError }
  }

  /** Whether shareWith was called: the gate talks to other servers' gates. */
  get isShared(): boolean {
    return this.shared !== null
  }

  /**
   * Waits for a slot (and the pace, and any pause), then the call may go. Every ticket must be released.
   * A shopper's call goes ahead of every waiting background call (a backlog of captures must not keep a
   * checkout waiting); it still keeps the pace and any 429 pause, which are Klarna's.
   */
  acquire(priority: CallPriority = "background"): Promise<CallTicket> {
    return new Promise((resolve) => {
      const waiter = { resolve, priority }
      const firstBackground = priority === "shopper" ? this.waiters.findIndex((w) => w.priority === "background") : -1
      if (firstBackground === -1) this.waiters.push(waiter)
      else this.waiters.splice(firstBackground, 0, waiter)
      this.pump()
      this.exchangeIfDue()
    })
  }

  release(ticket: CallTicket, result: CallResult): void {
    const now = this.now()
    this.inFlight = Math.max(0, this.inFlight - 1)
    this.calls++
    const knewLimit = this.announced !== null
    this.learnLimit(result.headers)
    if (result.status === 429) this.onRateLimited(ticket, result, now, knewLimit)
    else if (result.status === undefined || result.status >= 500 || result.status === 408) this.onFailure()
    else this.onAnswer(ticket, result, now)
    this.pump()
    this.exchangeIfDue()
  }

  /** Jobs worth running at once for these credentials: the calls the window lets in. */
  get inFlightLimit(): number {
    return Math.floor(this.window)
  }

  state(): CallGateState {
    return {
      inFlight: this.inFlight,
      window: Math.floor(this.window),
      ratePerS: this.rate,
      announcedLimit: this.announced,
      pausedUntil: this.pausedUntil,
      waiting: this.waiters.length,
      outage: this.failuresInRow >= this.outageAfter,
      rateLimited: this.rateLimited,
      calls: this.calls,
      share: this.share,
      servers: this.servers,
    }
  }

  // ---- Signals ------------------------------------------------------------------------------------

  private onRateLimited(ticket: CallTicket, result: CallResult, now: number, knewLimit: boolean): void {
    this.rateLimited++
    this.failuresInRow = 0
    const waitMs = Math.min(serverRequestedDelayMs(429, result.headers, Date.now()) ?? DEFAULT_PAUSE_MS, MAX_PAUSE_MS)
    this.pausedUntil = Math.max(this.pausedUntil, now + waitMs)
    this.writePause(now, waitMs)
    // When the pause ends, one call may go at once; the pace spaces out the rest.
    this.tokens = 1
    this.tokensAt = this.pausedUntil
    // One decrease per volley: the calls sent before the first 429 came back were sent at the old pace.
    if (ticket.sentAt < this.lastDecreaseAt) return
    this.lastDecreaseAt = now
    this.window = Math.max(1, this.window / 2)
    this.ssthresh = this.window
    this.lastIncreaseAt = now + waitMs
    // The 429 that first told us the limit: pace at it (set by learnLimit), the overshoot was our not knowing.
    if (!knewLimit && this.announced !== null) return
    const sentLastSecond = this.sendsSince(now - 1000)
    const base = this.rate === null ? sentLastSecond : Math.min(this.rate, Math.max(sentLastSecond, 1))
    this.rate = Math.min(Math.max(1, base * 0.7), this.ceiling())
  }

  private onFailure(): void {
    this.failuresInRow++
    if (this.failuresInRow === this.outageAfter) {
      // Klarna is down: keep what the window was for the way back, and send one probe at a time.
      this.ssthresh = Math.max(this.ssthresh, this.window)
      this.window = 1
    }
  }

  private onAnswer(ticket: CallTicket, result: CallResult, now: number): void {
    this.failuresInRow = 0
    const latency = result.elapsedMs
    // The baseline follows the lowest latency seen, drifting up slowly so a lasting change is learnt.
    this.baselineMs = this.baselineMs === null || latency < this.baselineMs ? latency : this.baselineMs + (latency - this.baselineMs) * 0.01
    if (this.window < this.ssthresh) {
      this.window = Math.min(this.ssthresh, this.window + 1)
    } else if (ticket.windowLimited && latency <= LATENCY_TOLERANCE * Math.max(this.baselineMs, 1)) {
      this.window = Math.min(this.maxInFlight, this.window + 1 / this.window)
    }
    if (this.rate !== null && now > this.lastIncreaseAt) {
      const seconds = Math.min(now - this.lastIncreaseAt, 1000) / 1000
      this.rate = Math.min(this.ceiling(), this.rate + this.rateIncrease * seconds)
      this.lastIncreaseAt = now
    }
  }

  /** X-Ratelimit-Limit: "50" or "50, 50;w=1" (IETF RateLimit draft): requests per window of w seconds. */
  private learnLimit(headers: HeaderReader | undefined): void {
    const value = headers?.get("x-ratelimit-limit")
    if (!value) return
    const match = /^\s*(\d+(?:\.\d+)?)/.exec(value)
    if (!match) return
    const windowMatch = /;\s*w=(\d+(?:\.\d+)?)/.exec(value)
    const perS = Number(match[1]) / (windowMatch ? Math.max(Number(windowMatch[1]), 1) : 1)
    if (perS > 0) this.adoptLimit(perS)
  }

  private adoptLimit(perS: number): void {
    const first = this.announced === null
    this.announced = perS
    const ceiling = this.ceiling()
    if (first && this.rate === null) {
      this.rate = ceiling
      this.lastIncreaseAt = this.now()
      this.tokens = Math.min(this.tokens, this.burst())
    } else if (this.rate !== null && this.rate > ceiling) this.rate = ceiling
  }

  /** The most this gate paces at: its share of the announced limit, less the headroom (no limit known: none). */
  private ceiling(): number {
    return this.announced !== null ? this.announced * this.headroom * this.share : Infinity
  }

  // ---- Shared state (other servers on the same credentials) ---------------------------------------

  /** A 429: every server's gate pauses too. Written once per pause that ends later than the one written. */
  private writePause(now: number, waitMs: number): void {
    if (!this.shared || now + waitMs <= this.pauseWrittenUntil + 100) return
    this.pauseWrittenUntil = now + waitMs
    const { state, key } = this.shared
    state.pause(key, waitMs).then(
      () => (this.sharedFailing = false),
      (error: Error) => this.sharedFailed(error),
    )
  }

  /** Reads (and reports to) the shared state, at most once a second, only while calls are queued or in flight. */
  private exchangeIfDue(): void {
    if (!this.shared || this.exchanging || !this.busy()) return
    const now = this.now()
    const dueAt = this.lastExchangeAt + SHARED_STATE_INTERVAL_MS
    if (now < dueAt) {
      if (this.exchangeDue === null) {
        this.exchangeDue = dueAt
        this.setTimer(
          () => {
            this.exchangeDue = null
            this.exchangeIfDue()
          },
          Math.ceil(dueAt - now),
        )
      }
      return
    }
    this.exchanging = true
    this.lastExchangeAt = now
    const { state, key } = this.shared
    const report = { serverId: this.serverId, sentPerS: this.sendsSince(now - 1000), backlogged: this.waiters.length > 0 }
    state
      .exchange(key, report, this.announced)
      .then((view) => {
        this.sharedFailing = false
        this.adopt(view)
      })
      .catch((error: Error) => this.sharedFailed(error))
      .finally(() => {
        this.exchanging = false
        // Still busy: read again in a second (a pause or a new neighbour may come meanwhile).
        this.exchangeIfDue()
      })
  }

  private busy(): boolean {
    return this.waiters.length > 0 || this.inFlight > 0
  }

  private adopt(view: SharedGateView): void {
    const now = this.now()
    if (view.pausedForMs > 0 && now + view.pausedForMs > this.pausedUntil + 50) {
      // Another server got a 429: hold every call until its pause ends, then restart the pace from one call.
      this.pausedUntil = now + view.pausedForMs
      this.tokens = Math.min(this.tokens, 1)
      this.tokensAt = this.pausedUntil
    }
    if (view.limitPerS !== null && view.limitPerS > 0 && this.announced === null) this.adoptLimit(view.limitPerS)
    const previousCeiling = this.ceiling()
    this.servers = Math.max(1, view.servers.length)
    this.share = this.announced !== null ? shareOfLimit(view, this.serverId, this.announced) : 1 / this.servers
    // The pace keeps its place under the ceiling (a 429's cut stays a cut): scaled with the share.
    if (this.rate !== null && Number.isFinite(previousCeiling) && previousCeiling > 0) {
      this.rate = Math.min(this.ceiling(), (this.rate * this.ceiling()) / previousCeiling)
      this.tokens = Math.min(this.tokens, this.burst())
    }
    this.pump()
  }

  private sharedFailed(error: Error): void {
    // Reported once per run of failures: the gate goes on alone meanwhile.
    const first = !this.sharedFailing
    this.sharedFailing = true
    try {
      if (first) this.shared?.onError(error)
    } catch {
      // A failing error handler must not take the gate down with it.
    }
  }

  // ---- Dispatch -----------------------------------------------------------------------------------

  private pump(): void {
    for (;;) {
      if (this.waiters.length === 0) return
      const now = this.now()
      if (now < this.pausedUntil) return this.wakeAt(this.pausedUntil)
      if (this.inFlight >= Math.floor(this.window)) return
      if (this.rate !== null) {
        this.refill(now)
        if (this.tokens < 1) return this.wakeAt(now + ((1 - this.tokens) / this.rate) * 1000)
        this.tokens -= 1
      }
      const waiter = this.waiters.shift()!
      this.inFlight++
      const windowLimited = this.inFlight >= Math.floor(this.window)
      this.recordSend(now)
      waiter.resolve({ sentAt: now, windowLimited })
    }
  }

  private refill(now: number): void {
    const rate = this.rate as number
    if (this.tokensAt === 0) this.tokensAt = now
    this.tokens = Math.min(this.burst(), this.tokens + ((now - this.tokensAt) / 1000) * rate)
    this.tokensAt = now
  }

  /** A few tens of ms worth of calls: absorbs late timers without bunching calls into one of Klarna's windows. */
  private burst(): number {
    return Math.max(1, (this.rate ?? 0) * 0.05)
  }

  private wakeAt(at: number): void {
    if (this.timerDue !== null && this.timerDue <= at) return
    this.timerDue = at
    this.setTimer(
      () => {
        if (this.timerDue === at) this.timerDue = null
        this.pump()
      },
      Math.max(0, Math.ceil(at - this.now())),
    )
  }

  private recordSend(now: number): void {
    this.recentSends.push(now)
    while (this.recentSends.length > 0 && this.recentSends[0] < now - 2000) this.recentSends.shift()
  }

  private sendsSince(since: number): number {
    return this.recentSends.filter((at) => at >= since).length
  }
}

/** Gates per credentials key (API username + host), process-wide: every client of the same credentials shares one. */
const gates = new Map<string, KlarnaCallGate>()

export function callGateKey(username: string, baseUrl: string): string {
  return `${username}@${new URL(baseUrl).host}`
}

export function sharedCallGate(key: string, options: CallGateOptions): KlarnaCallGate {
  let gate = gates.get(key)
  if (!gate) {
    gate = new KlarnaCallGate(options)
    gates.set(key, gate)
  }
  return gate
}
