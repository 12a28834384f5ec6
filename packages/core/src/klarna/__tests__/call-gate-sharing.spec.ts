import { KlarnaCallGate, type CallTicket } from "../call-gate"
import {
  ACTIVE_SERVER_MS,
  shareOfLimit,
  sharedStateKey,
  type CallGateSharedState,
  type GateServerReport,
  type SharedGateView,
} from "../call-gate-sharing"
import { fakeClock, type FakeClock } from "./__fixtures__/fake-clock"

/** The shared state in memory, on the fake clock (the database's clock in production), as the SQL implements it. */
class FakeSharedState implements CallGateSharedState {
  pausedUntil = 0
  limitPerS: number | null = null
  servers = new Map<string, GateServerReport & { at: number }>()
  exchanges: { at: number; serverId: string }[] = []
  pauses: number[] = []
  constructor(private readonly clock: FakeClock) {}

  async pause(_key: string, ms: number): Promise<void> {
    this.pauses.push(ms)
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms)
  }

  async exchange(_key: string, report: GateServerReport, limitPerS: number | null): Promise<SharedGateView> {
    const now = this.clock.now()
    this.exchanges.push({ at: now, serverId: report.serverId })
    if (limitPerS !== null) this.limitPerS = limitPerS
    for (const [id, server] of this.servers) if (server.at <= now - ACTIVE_SERVER_MS) this.servers.delete(id)
    this.servers.set(report.serverId, { ...report, at: now })
    return {
      pausedForMs: Math.max(0, this.pausedUntil - now),
      limitPerS: this.limitPerS,
      servers: [...this.servers.values()].map(({ serverId, sentPerS, backlogged }) => ({ serverId, sentPerS, backlogged })),
    }
  }
}

const headers = (values: Record<string, string>) => ({ get: (name: string) => values[name.toLowerCase()] ?? null })

/** A gate ("server") on the shared clock and state, with a Klarna that answers every call `latencyMs` after it went. */
function server(clock: FakeClock, state: CallGateSharedState | null, options: { initialInFlight: number; maxInFlight: number }) {
  const gate = new KlarnaCallGate({ ...options, now: clock.now, setTimer: clock.setTimer })
  if (state) gate.shareWith(state, sharedStateKey("merchant@api.klarna.com"))
  const grants: number[] = []
  const out: { ticket: CallTicket; answerAt: number }[] = []
  let answer: { status: number; headers?: ReturnType<typeof headers> } = { status: 200 }
  const latencyMs = 100
  return {
    gate,
    grants,
    /** Queues `count` calls. */
    request(count: number) {
      for (let i = 0; i < count; i++)
        void gate.acquire().then((ticket) => {
          grants.push(clock.now())
          out.push({ ticket, answerAt: clock.now() + latencyMs })
        })
    },
    answerWith(next: typeof answer) {
      answer = next
    },
    /** Answers the calls whose latency is over. */
    tick() {
      const now = clock.now()
      for (let i = 0; i < out.length;) {
        if (out[i].answerAt <= now) {
          gate.release(out[i].ticket, { status: answer.status, headers: answer.headers, elapsedMs: latencyMs })
          out.splice(i, 1)
        } else i++
      }
    },
    grantsBetween: (from: number, to: number) => grants.filter((at) => at >= from && at < to).length,
  }
}

describe("shareOfLimit", () => {
  const view = (servers: GateServerReport[]): SharedGateView => ({ pausedForMs: 0, limitPerS: 50, servers })
  it("is the whole limit alone, an equal part among backlogged servers", () => {
    expect(shareOfLimit(view([{ serverId: "a", sentPerS: 10, backlogged: true }]), "a", 50)).toBe(1)
    const two = view([
      { serverId: "a", sentPerS: 20, backlogged: true },
      { serverId: "b", sentPerS: 25, backlogged: true },
    ])
    expect(shareOfLimit(two, "a", 50)).toBe(0.5)
  })

  it("leaves a server that is not backlogged what it sends (a checkout now and then), never less than an equal part", () => {
    const quiet = view([
      { serverId: "a", sentPerS: 30, backlogged: true },
      { serverId: "b", sentPerS: 2, backlogged: false },
    ])
    expect(shareOfLimit(quiet, "a", 50)).toBeCloseTo(48 / 50)
    const greedy = view([
      { serverId: "a", sentPerS: 0, backlogged: true },
      { serverId: "b", sentPerS: 49, backlogged: false },
    ])
    expect(shareOfLimit(greedy, "a", 50)).toBe(0.5)
  })
})

describe("KlarnaCallGate with shared state", () => {
  it("a 429 on one server holds the other's calls from its next read (within a second) until the pause ends", async () => {
    const clock = fakeClock()
    const state = new FakeSharedState(clock)
    const a = server(clock, state, { initialInFlight: 1, maxInFlight: 2 })
    const b = server(clock, state, { initialInFlight: 2, maxInFlight: 4 })
    b.request(400)
    await clock.advance(500, () => b.tick())
    expect(b.grants.length).toBeGreaterThan(5)

    a.request(1)
    a.answerWith({ status: 429, headers: headers({ "retry-after": "3" }) })
    while (a.gate.state().rateLimited === 0) await clock.advance(1, () => a.tick())
    const limitedAt = clock.now()
    expect(state.pauses).toEqual([3000])

    await clock.advance(3500, () => b.tick())
    // B read the pause within a second, then sent nothing until it ended, and sent again after.
    expect(b.grantsBetween(limitedAt + 1000, limitedAt + 3000)).toBe(0)
    expect(b.grantsBetween(limitedAt + 3000, limitedAt + 3500)).toBeGreaterThan(0)
    expect(b.gate.state().rateLimited).toBe(0)
  })

  it("without shared state, the other server's calls go on through a 429 elsewhere (what the shared state fixes)", async () => {
    const clock = fakeClock()
    const a = server(clock, null, { initialInFlight: 1, maxInFlight: 2 })
    const b = server(clock, null, { initialInFlight: 2, maxInFlight: 4 })
    b.request(400)
    a.request(1)
    a.answerWith({ status: 429, headers: headers({ "retry-after": "3" }) })
    await clock.advance(100, () => {
      a.tick()
      b.tick()
    })
    const limitedAt = clock.now()
    await clock.advance(2000, () => b.tick())
    expect(b.grantsBetween(limitedAt + 1000, limitedAt + 2000)).toBeGreaterThan(5)
  })

  it("two busy servers split the announced limit; when one goes idle the other takes the whole of it back", async () => {
    const clock = fakeClock()
    const state = new FakeSharedState(clock)
    const a = server(clock, state, { initialInFlight: 10, maxInFlight: 10 })
    const b = server(clock, state, { initialInFlight: 10, maxInFlight: 10 })
    const limit = headers({ "x-ratelimit-limit": "40, 40;w=1" })
    a.answerWith({ status: 200, headers: limit })
    b.answerWith({ status: 200, headers: limit })
    a.request(1000)
    b.request(200)
    const both = () => {
      a.tick()
      b.tick()
    }
    await clock.advance(2000, both)
    const from = clock.now()
    await clock.advance(3000, both)
    expect(a.gate.state()).toMatchObject({ announcedLimit: 40, servers: 2, share: 0.5, ratePerS: 19 })
    expect(b.gate.state()).toMatchObject({ share: 0.5, ratePerS: 19 })
    // Together at 95% of the limit, not each at it.
    const together = (a.grantsBetween(from, from + 3000) + b.grantsBetween(from, from + 3000)) / 3
    expect(together).toBeGreaterThan(36)
    expect(together).toBeLessThanOrEqual(38.5)

    // B's 200 calls are done by now; it stops reporting, and after ACTIVE_SERVER_MS A paces at the whole limit.
    await clock.advance(8000, both)
    expect(b.gate.state()).toMatchObject({ waiting: 0, inFlight: 0 })
    expect(a.gate.state()).toMatchObject({ servers: 1, share: 1, ratePerS: 38 })
  })

  it("a server that never saw Klarna's limit header paces at its share of the limit another server learnt", async () => {
    const clock = fakeClock()
    const state = new FakeSharedState(clock)
    const a = server(clock, state, { initialInFlight: 10, maxInFlight: 10 })
    const b = server(clock, state, { initialInFlight: 10, maxInFlight: 10 })
    a.answerWith({ status: 200, headers: headers({ "x-ratelimit-limit": "50" }) })
    a.request(1000)
    b.request(1000)
    await clock.advance(4000, () => {
      a.tick()
      b.tick()
    })
    expect(b.gate.state()).toMatchObject({ announcedLimit: 50, share: 0.5, ratePerS: 23.75 })
  })

  it("reads the shared state at most once a second while calls are queued or in flight, and never while idle", async () => {
    const clock = fakeClock()
    const state = new FakeSharedState(clock)
    const a = server(clock, state, { initialInFlight: 2, maxInFlight: 4 })
    await clock.advance(10_000)
    expect(state.exchanges).toHaveLength(0)

    a.request(200)
    const busyFrom = clock.now()
    await clock.advance(5000, () => a.tick())
    expect(a.gate.state().waiting).toBeGreaterThan(0)
    const busy = state.exchanges.filter((exchange) => exchange.at >= busyFrom)
    expect(busy.length).toBeGreaterThanOrEqual(5)
    expect(busy.length).toBeLessThanOrEqual(6)
    for (let i = 1; i < busy.length; i++) expect(busy[i].at - busy[i - 1].at).toBeGreaterThanOrEqual(1000)

    // Done: nothing queued, nothing in flight, nothing read.
    await clock.advance(20_000, () => a.tick())
    expect(a.gate.state()).toMatchObject({ waiting: 0, inFlight: 0 })
    const count = state.exchanges.length
    await clock.advance(10_000)
    expect(state.exchanges).toHaveLength(count)
  })

  it("when the shared state fails, the gate goes on alone and reports the failure once per run of failures", async () => {
    const clock = fakeClock()
    const errors: string[] = []
    const broken: CallGateSharedState = {
      pause: () => Promise.reject(new Error('relation "klarna_rate_state" does not exist')),
      exchange: () => Promise.reject(new Error('relation "klarna_rate_state" does not exist')),
    }
    const gate = new KlarnaCallGate({ initialInFlight: 2, maxInFlight: 2, now: clock.now, setTimer: clock.setTimer })
    gate.shareWith(broken, "key", (error) => errors.push(error.message))
    const granted: CallTicket[] = []
    for (let i = 0; i < 50; i++) void gate.acquire().then((ticket) => granted.push(ticket))
    let released = 0
    await clock.advance(5000, () => {
      while (released < granted.length) gate.release(granted[released++], { status: 200, elapsedMs: 10 })
    })
    expect(granted).toHaveLength(50)
    expect(errors).toEqual(['relation "klarna_rate_state" does not exist'])
  })

  it("keys the shared state by a hash: the API username is not in it", () => {
    const key = sharedStateKey("PK12345_abcdef@api.klarna.com")
    expect(key).toMatch(/^[0-9a-f]{64}$/)
    expect(key).not.toContain("PK12345")
    expect(sharedStateKey("PK12345_abcdef@api.playground.klarna.com")).not.toBe(key)
  })
})
