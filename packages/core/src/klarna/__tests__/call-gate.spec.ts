import { KlarnaCallGate, type CallTicket } from "../call-gate"
import { fakeClock } from "./__fixtures__/fake-clock"

/** A gate on a fake clock: timers fire only when the test advances time. */
function gateOnFakeClock(options: { initialInFlight: number; maxInFlight: number }) {
  const clock = fakeClock()
  const gate = new KlarnaCallGate({ ...options, now: clock.now, setTimer: clock.setTimer })
  return { gate, now: clock.now, advance: (ms: number) => clock.advance(ms), flush: clock.flush }
}

/** Requests `count` slots; collects the tickets as they are granted. */
function request(gate: KlarnaCallGate, count: number): CallTicket[] {
  const granted: CallTicket[] = []
  for (let i = 0; i < count; i++) void gate.acquire().then((ticket) => granted.push(ticket))
  return granted
}

const headers = (values: Record<string, string>) => ({ get: (name: string) => values[name.toLowerCase()] ?? null })

describe("KlarnaCallGate", () => {
  it("never lets more calls in flight than its window, and lets the next one go when one returns", async () => {
    const { gate, flush } = gateOnFakeClock({ initialInFlight: 3, maxInFlight: 10 })
    const granted = request(gate, 10)
    await flush()
    expect(granted).toHaveLength(3)
    expect(gate.state()).toMatchObject({ inFlight: 3, window: 3, waiting: 7 })
    gate.release(granted[0], { status: 200, elapsedMs: 150 })
    await flush()
    expect(granted).toHaveLength(4)
    expect(gate.state().inFlight).toBe(3)
  })

  it("lets a shopper's call (checkout) go ahead of the background calls already waiting, in the order shoppers came", async () => {
    const { gate, flush } = gateOnFakeClock({ initialInFlight: 1, maxInFlight: 1 })
    const order: string[] = []
    const tickets: CallTicket[] = []
    const ask = (name: string, priority?: "shopper" | "background") =>
      void gate.acquire(priority).then((ticket) => {
        order.push(name)
        tickets.push(ticket)
      })
    ask("capture-1")
    await flush()
    ask("capture-2")
    ask("capture-3")
    ask("checkout-1", "shopper")
    ask("capture-4", "background")
    ask("checkout-2", "shopper")
    await flush()
    expect(order).toEqual(["capture-1"])
    for (let i = 0; i < 5; i++) {
      gate.release(tickets[i], { status: 200, elapsedMs: 100 })
      await flush()
    }
    expect(order).toEqual(["capture-1", "checkout-1", "checkout-2", "capture-2", "capture-3", "capture-4"])
  })

  it("widens the window by one per window of successes while it is full and the latency holds, up to maxInFlight", async () => {
    const { gate, flush } = gateOnFakeClock({ initialInFlight: 2, maxInFlight: 4 })
    const granted = request(gate, 200)
    await flush()
    let released = 0
    while (released < 100) {
      gate.release(granted[released++], { status: 201, elapsedMs: 150 })
      await flush()
    }
    expect(gate.state().window).toBe(4)
    expect(gate.state().inFlight).toBe(4)
  })

  it("does not widen the window when the latency climbs far above its baseline", async () => {
    const { gate, flush } = gateOnFakeClock({ initialInFlight: 2, maxInFlight: 10 })
    const granted = request(gate, 40)
    await flush()
    gate.release(granted[0], { status: 200, elapsedMs: 100 })
    await flush()
    for (let i = 1; i < 20; i++) {
      gate.release(granted[i], { status: 200, elapsedMs: 400 + i })
      await flush()
    }
    expect(gate.state().window).toBe(2)
  })

  it("on a 429 with Retry-After holds back every waiting call until the wait is over, and halves the window", async () => {
    const { gate, flush, advance } = gateOnFakeClock({ initialInFlight: 4, maxInFlight: 10 })
    const granted = request(gate, 10)
    await flush()
    expect(granted).toHaveLength(4)
    gate.release(granted[0], { status: 429, elapsedMs: 150, headers: headers({ "retry-after": "2" }) })
    gate.release(granted[1], { status: 200, elapsedMs: 150 })
    gate.release(granted[2], { status: 200, elapsedMs: 150 })
    await flush()
    // Two slots are free, but no call leaves during the pause.
    expect(granted).toHaveLength(4)
    await advance(1990)
    expect(granted).toHaveLength(4)
    await advance(20)
    expect(gate.state()).toMatchObject({ window: 2, inFlight: 2, rateLimited: 1 })
    expect(granted).toHaveLength(5)
  })

  it("pauses at most 10 s for a longer Retry-After (the job's own backoff waits the rest; a checkout must not)", async () => {
    const { gate, flush, advance } = gateOnFakeClock({ initialInFlight: 1, maxInFlight: 2 })
    const granted = request(gate, 2)
    await flush()
    gate.release(granted[0], { status: 429, elapsedMs: 10, headers: headers({ "retry-after": "90" }) })
    await advance(9990)
    expect(granted).toHaveLength(1)
    await advance(20)
    expect(granted).toHaveLength(2)
  })

  it("takes the pause from X-Ratelimit-Reset when there is no Retry-After, and 1 s without either", async () => {
    const reset = gateOnFakeClock({ initialInFlight: 1, maxInFlight: 2 })
    let granted = request(reset.gate, 2)
    await reset.flush()
    reset.gate.release(granted[0], { status: 429, elapsedMs: 10, headers: headers({ "x-ratelimit-reset": "3" }) })
    await reset.advance(2990)
    expect(granted).toHaveLength(1)
    await reset.advance(20)
    expect(granted).toHaveLength(2)

    const bare = gateOnFakeClock({ initialInFlight: 1, maxInFlight: 2 })
    granted = request(bare.gate, 2)
    await bare.flush()
    bare.gate.release(granted[0], { status: 429, elapsedMs: 10 })
    await bare.advance(990)
    expect(granted).toHaveLength(1)
    await bare.advance(20)
    expect(granted).toHaveLength(2)
  })

  it("paces at 95% of the limit Klarna announces in X-Ratelimit-Limit", async () => {
    const { gate, flush, advance, now } = gateOnFakeClock({ initialInFlight: 50, maxInFlight: 50 })
    const first = request(gate, 1)
    await flush()
    gate.release(first[0], { status: 200, elapsedMs: 150, headers: headers({ "x-ratelimit-limit": "40, 40;w=1" }) })
    expect(gate.state()).toMatchObject({ announcedLimit: 40, ratePerS: 38 })
    const granted = request(gate, 500)
    const started = now()
    // Every call returns at once: only the pace holds them back.
    const releaseAll = async () => {
      while (granted.length > released) gate.release(granted[released++], { status: 200, elapsedMs: 150 })
      await flush()
    }
    let released = 0
    for (let t = 0; t < 5000; t += 10) {
      await advance(10)
      await releaseAll()
    }
    const perS = granted.length / ((now() - started) / 1000)
    expect(perS).toBeGreaterThan(37)
    expect(perS).toBeLessThanOrEqual(38.5)
  })

  it("after the limit is known, a 429 (another server on the same credentials) cuts the pace, which climbs back slowly", async () => {
    const { gate, flush, advance } = gateOnFakeClock({ initialInFlight: 20, maxInFlight: 20 })
    const granted = request(gate, 1000)
    let released = 0
    const releaseAll = async (result: { status: number; elapsedMs: number; headers?: ReturnType<typeof headers> }) => {
      while (granted.length > released) gate.release(granted[released++], result)
      await flush()
    }
    await flush()
    await releaseAll({ status: 200, elapsedMs: 100, headers: headers({ "x-ratelimit-limit": "50" }) })
    for (let t = 0; t < 1000; t += 10) {
      await advance(10)
      await releaseAll({ status: 200, elapsedMs: 100 })
    }
    expect(gate.state().ratePerS).toBe(47.5)
    while (gate.state().rateLimited === 0) {
      await advance(10)
      await releaseAll({ status: 429, elapsedMs: 100, headers: headers({ "retry-after": "1" }) })
    }
    const cut = gate.state().ratePerS as number
    expect(cut).toBeLessThan(47.5 * 0.75)
    for (let t = 0; t < 3000; t += 10) {
      await advance(10)
      await releaseAll({ status: 200, elapsedMs: 100 })
    }
    const after = gate.state().ratePerS as number
    expect(after).toBeGreaterThan(cut)
    expect(after).toBeLessThan(cut + 3)
  })

  it("sends one probe at a time once Klarna fails five calls in a row, and comes back by slow start", async () => {
    const { gate, flush } = gateOnFakeClock({ initialInFlight: 8, maxInFlight: 16 })
    const granted = request(gate, 100)
    await flush()
    let next = 0
    for (; next < 5; next++) gate.release(granted[next], { status: 503, elapsedMs: 5 })
    await flush()
    expect(gate.state()).toMatchObject({ outage: true, window: 1 })
    // The calls still out fail too (no answer); then one at a time.
    while (gate.state().inFlight > 1 || granted.length === next) {
      gate.release(granted[next++], { status: undefined, elapsedMs: 10_000 })
      await flush()
    }
    expect(gate.state()).toMatchObject({ inFlight: 1, window: 1 })
    gate.release(granted[next++], { status: 201, elapsedMs: 150 })
    await flush()
    expect(gate.state()).toMatchObject({ outage: false, window: 2, inFlight: 2 })
    // Slow start: the window doubles per round trip (2, 4, 8) back to where it was before the outage.
    let rounds = 0
    while (gate.state().window < 8) {
      const out = gate.state().inFlight
      for (let i = 0; i < out; i++) gate.release(granted[next++], { status: 201, elapsedMs: 150 })
      await flush()
      rounds++
    }
    expect(rounds).toBe(2)
  })
})
