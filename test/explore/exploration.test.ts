/**
 * `npm test` part of the exploration: a few hundred random sequences against the real engine, worker and
 * store on PostgreSQL and the simulator over HTTP (see explore.ts). A failure prints the shrunk sequence
 * and its seed; `npm run explore -- --runs N --seed S` replays and extends it.
 * EXPLORE_RUNS / EXPLORE_SEED override the defaults; EXPLORE_ODD_TRACKING=0 leaves out the tracking values
 * at and past Klarna's length limits.
 */
import { startExploreEnvironment, type ExploreEnvironment } from "./environment"
import { runExploration, summaryLine } from "./explore"

jest.setTimeout(600_000)

let env: ExploreEnvironment
beforeAll(async () => {
  env = await startExploreEnvironment()
})
afterAll(async () => {
  await env?.close()
})

test("random sequences of merchant moves, duplicate events, Klarna faults and dying workers keep Klarna exactly in step", async () => {
  const report = await runExploration(env, {
    runs: Number(process.env.EXPLORE_RUNS ?? 200),
    seed: process.env.EXPLORE_SEED ? Number(process.env.EXPLORE_SEED) : undefined,
  })
  console.log(summaryLine(report)) // eslint-disable-line no-console
  if (report.failure) throw new Error(report.failure)
  expect(report.violations).toBe(0)
  expect(report.sequences).toBeGreaterThanOrEqual(Number(process.env.EXPLORE_RUNS ?? 200))
})
