/**
 * IdleLanes: when sleeping lanes look for work (the statement counted here is `nextClaimInMs`) and which
 * lanes wake. Real timers, short intervals; the database side is tested in test/outbox/idle-wake.test.ts.
 */
import { IdleLanes } from "../idle-lanes"

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined }
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function lanes(answers: () => number | null, options: { pollIntervalMs?: number; listeningPollMs?: number } = {}) {
  const looks: number[] = []
  const started = Date.now()
  const idle = new IdleLanes({
    pollIntervalMs: options.pollIntervalMs ?? 50,
    listeningPollMs: options.listeningPollMs ?? 60_000,
    nextClaimInMs: () => {
      looks.push(Date.now() - started)
      return Promise.resolve(answers())
    },
    logger: quiet,
  })
  return { idle, looks }
}

/** A lane's sleep, and whether (and when) it woke. */
function sleeper(idle: IdleLanes) {
  const started = Date.now()
  const state = { woke: false, afterMs: -1 }
  const done = idle.sleep().then(() => {
    state.woke = true
    state.afterMs = Date.now() - started
  })
  return { state, done }
}

describe("IdleLanes", () => {
  test("while listening, an idle lane looks once and then only at the safety poll; without the listener, every poll interval", async () => {
    const { idle, looks } = lanes(() => null)
    idle.listening = true
    const lane = sleeper(idle)
    await sleep(400)
    expect(looks).toHaveLength(1)
    expect(lane.state.woke).toBe(false)
    // The listener drops: look at once, then at the poll interval (50 ms), not at the 60 s safety poll.
    idle.listening = false
    await sleep(400)
    expect(looks.length).toBeGreaterThanOrEqual(5)
    expect(lane.state.woke).toBe(false)
    idle.stop()
    await lane.done
  })

  test("at the next job's due time one lane wakes; a lane that got work wakes the next", async () => {
    // One job, due 150 ms from now (each look says how long is left).
    const due = Date.now() + 150
    const { idle, looks } = lanes(() => Math.max(0, due - Date.now()))
    idle.listening = true
    const a = sleeper(idle)
    const b = sleeper(idle)
    await sleep(400)
    expect(looks).toHaveLength(2) // the second lane's look ran after the first's
    expect([a.state.woke, b.state.woke].filter(Boolean)).toHaveLength(1)
    const woken = a.state.woke ? a : b
    expect(woken.state.afterMs).toBeGreaterThanOrEqual(145)
    idle.worked()
    await sleep(20)
    expect(a.state.woke && b.state.woke).toBe(true)
    idle.stop()
  })

  test("due now, yet nothing was claimed, twice in a row: the next try waits the poll interval instead of spinning", async () => {
    const { idle, looks } = lanes(() => 0, { pollIntervalMs: 300 })
    idle.listening = true
    const first = sleeper(idle)
    await first.done
    expect(first.state.afterMs).toBeLessThan(100)
    const second = sleeper(idle)
    await second.done
    expect(second.state.afterMs).toBeGreaterThanOrEqual(290)
    expect(looks).toHaveLength(2)
    idle.stop()
  })

  test("a nudge wakes every sleeping lane; stop wakes them for good", async () => {
    const { idle } = lanes(() => null)
    const all = [sleeper(idle), sleeper(idle), sleeper(idle)]
    idle.wakeAll()
    await Promise.all(all.map((lane) => lane.done))
    idle.stop()
    await idle.sleep() // resolves at once once stopped
  })
})
