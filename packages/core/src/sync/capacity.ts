/**
 * How many jobs the worker runs at once when its Klarna calls go through call gates (KlarnaCallGate): the
 * calls the gates let in, twice over, plus the worker's own lanes. A job spends time in the database before
 * and after its call (claim, order and mapping, frozen request, capture row, totals, completion): on a busy
 * database about as long as Klarna's answer, so a job per call slot would leave slots empty. A job that
 * waits at the gate costs only its lease. Never below `concurrency`, never above `maxConcurrency`.
 */
export function workerCapacity(options: { concurrency: number; maxConcurrency: number }, klarnaCallsAllowed: number): number {
  const ceiling = Math.max(options.concurrency, options.maxConcurrency)
  return Math.min(ceiling, options.concurrency + 2 * klarnaCallsAllowed)
}
