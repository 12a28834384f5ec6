/** A fake clock for call gates: timers fire only when the test advances time. One clock can drive several gates. */
export function fakeClock() {
  let now = 1000
  let timers: { at: number; fn: () => void }[] = []
  const flush = async () => {
    for (let i = 0; i < 8; i++) await Promise.resolve()
  }
  return {
    now: () => now,
    setTimer: (fn: () => void, ms: number) => void timers.push({ at: now + ms, fn }),
    flush,
    /** Moves the clock forward in 1 ms steps, firing due timers; `each` runs every step (Klarna answering). */
    async advance(ms: number, each?: () => void) {
      const end = now + ms
      while (now < end) {
        now = Math.min(end, now + 1)
        const due = timers.filter((timer) => timer.at <= now)
        timers = timers.filter((timer) => timer.at > now)
        for (const timer of due) timer.fn()
        await flush()
        if (each) {
          each()
          await flush()
        }
      }
    },
  }
}

export type FakeClock = ReturnType<typeof fakeClock>
