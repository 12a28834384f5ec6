/** One JSON object per measure on stdout; progress goes to stderr so stdout stays machine-readable. */

export interface Measure {
  measure: string
  goal: string
  met: boolean
  /** Why a goal was missed and what would fix it (only when missed). */
  note?: string
  [key: string]: unknown
}

// A reader that stops early (`| head -1`) must not crash the run before it stopped what it started.
process.stdout.on("error", () => undefined)

export function emit(measure: Measure): void {
  process.stdout.write(`${JSON.stringify(measure)}\n`)
}

const started = Date.now()

export function progress(message: string): void {
  const seconds = ((Date.now() - started) / 1000).toFixed(1).padStart(6)
  process.stderr.write(`[bench ${seconds}s] ${message}\n`)
}
