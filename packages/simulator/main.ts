/**
 * `npm run simulator`: run the Klarna simulator as a standalone process.
 *   KLARNA_SIMULATOR_PORT        default 4010
 *   KLARNA_SIMULATOR_HOST        default 127.0.0.1
 *   KLARNA_SIMULATOR_USERNAME    default PK_SIMULATOR
 *   KLARNA_SIMULATOR_PASSWORD    default simulator-secret
 *   KLARNA_SIMULATOR_ARITHMETIC  "off" (or false/0/no) disables the order-line arithmetic checks
 *   KLARNA_SIMULATOR_STATE_FILE  optional JSON file that keeps the state across restarts (persistence.ts)
 *   KLARNA_SIMULATOR_LATENCY_MS         delay added to every API response (default 0)
 *   KLARNA_SIMULATOR_LATENCY_JITTER_MS  ± uniform jitter around it (default 0; KLARNA_SIMULATOR_JITTER_MS works too)
 *   KLARNA_SIMULATOR_RATE_LIMIT         requests per second per API username, 429 above (default: no limit)
 */
/* eslint-disable no-console -- a command-line entry point: the console is its output */
import { remoteFromEnv } from "./remote"
import { DEFAULT_HOST, DEFAULT_PASSWORD, DEFAULT_USERNAME, startSimulator } from "./server"

export const DEFAULT_PORT = 4010

function arithmeticFromEnv(value: string | undefined): boolean {
  return !["off", "false", "0", "no"].includes((value ?? "").trim().toLowerCase())
}

async function main(): Promise<void> {
  const env = process.env
  const port = env.KLARNA_SIMULATOR_PORT ? Number(env.KLARNA_SIMULATOR_PORT) : DEFAULT_PORT
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid KLARNA_SIMULATOR_PORT ${env.KLARNA_SIMULATOR_PORT}`)
  const sim = await startSimulator({
    port,
    host: env.KLARNA_SIMULATOR_HOST || DEFAULT_HOST,
    username: env.KLARNA_SIMULATOR_USERNAME || DEFAULT_USERNAME,
    password: env.KLARNA_SIMULATOR_PASSWORD || DEFAULT_PASSWORD,
    arithmeticChecks: arithmeticFromEnv(env.KLARNA_SIMULATOR_ARITHMETIC),
    stateFile: env.KLARNA_SIMULATOR_STATE_FILE || undefined,
    ...remoteFromEnv(env),
  })
  console.log(`Klarna simulator listening on ${sim.url}`)
  console.log(`  Order Management: ${sim.url}/ordermanagement/v1   Payments: ${sim.url}/payments/v1`)
  console.log(`  credentials (HTTP Basic): username=${sim.username} password=${sim.password}`)
  if (env.KLARNA_SIMULATOR_STATE_FILE) console.log(`  state kept in ${env.KLARNA_SIMULATOR_STATE_FILE}`)
  const remote = remoteFromEnv(env)
  if (remote.latencyMs || remote.jitterMs) console.log(`  latency: ${remote.latencyMs ?? 0} ms ± ${remote.jitterMs ?? 0} ms per response`)
  if (remote.rateLimit) console.log(`  rate limit: ${remote.rateLimit} requests/s per API username (429 above)`)
  console.log(`  arithmetic checks: ${arithmeticFromEnv(env.KLARNA_SIMULATOR_ARITHMETIC) ? "on" : "off"}   control API: ${sim.url}/__sim`)

  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    console.log(`Klarna simulator: ${signal}, shutting down`)
    sim.close().then(
      () => process.exit(0),
      (err) => {
        console.error(err)
        process.exit(1)
      },
    )
  }
  process.on("SIGINT", () => stop("SIGINT"))
  process.on("SIGTERM", () => stop("SIGTERM"))
}

if (require.main === module) {
  main().catch((err) => {
    console.error("Klarna simulator failed to start:", err)
    process.exit(1)
  })
}
