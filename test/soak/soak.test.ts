/**
 * The exactly-once soak, small enough for the suite (about 1.5 minutes on two cores): 24 orders, each with
 * two fulfillments, tracking and one or two refunds, through two real Medusa servers on one database
 * (local event bus), every event staged twice, ~20 % of Klarna calls faulted (5xx, 429, hung connections,
 * applied-then-dropped), and Medusa A killed with SIGKILL in the middle and started again.
 * `npm run soak -- --orders 1000` runs the same at full size (test/soak/run-soak.ts).
 */
import { formatCounts, formatReport, runSoak, soakPassed, type SoakReport } from "./soak"

jest.setTimeout(300_000)

let report: SoakReport

beforeAll(async () => {
  report = await runSoak({ orders: 24, concurrency: 4, log: (line) => process.stdout.write(`[soak] ${line}\n`) })
  process.stdout.write(`[soak] ${formatReport(report)}[soak] ${formatCounts(report)}\n`)
})

describe("soak: faults, duplicate events, a SIGKILL and a second server", () => {
  test("Klarna holds exactly one capture per fulfillment and one refund per refund", () => {
    expect(report.captures).toEqual({ expected: 48, mirrored: 48, doubled: 0, lost: 0 })
    expect(report.refunds.expected).toBe(32)
    expect(report.refunds).toEqual({ expected: 32, mirrored: 32, doubled: 0, lost: 0 })
  })

  test("amounts match Medusa's, tracking reached its capture once, the plugin's tables mirror Klarna", () => {
    expect(report.amountMismatches).toEqual([])
    expect(report.trackingMismatches).toEqual([])
    expect(report.mirrorMismatches).toEqual([])
    expect(report.problems).toEqual([])
  })

  test("no job is stuck or parked, and every attempt is accounted for", () => {
    expect(report.stuckJobs).toBe(0)
    expect(report.failedJobs).toBe(0)
    expect(report.attempts.unaccounted).toEqual([])
    expect(report.klarna.unknownKeys).toBe(0)
    expect(report.klarna.overSent).toEqual([])
  })

  test("the run really was hostile", () => {
    expect(report.klarna.faulted).toBeGreaterThan(0)
    expect(report.duplicatedEvents).toBeGreaterThanOrEqual(24 * 4) // fulfillments, shipments, refunds, at least
    expect(report.crash.killedPid).not.toBeNull()
    expect(report.crash.restartMs).not.toBeNull()
    expect(soakPassed(report)).toBe(true)
  })
})
