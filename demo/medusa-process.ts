/**
 * The demo's Medusa server: scripts/medusa-server.ts (our launcher, bound to 127.0.0.1) as a child process
 * running the demo project (demo/medusa-config.js), its output appended to a log file. The child is
 * started with demo/exit-with-parent.js preloaded, so it shuts itself down if the demo launcher dies.
 */
import { type ChildProcess, spawn } from "node:child_process"
import fs from "node:fs"
import path from "node:path"
import { DEMO_DIR, medusaChildEnv, REPO_ROOT } from "../scripts/medusa-cli"
import { sleep } from "./processes"
import { isHealthy } from "../scripts/http-health"

const SERVER_SCRIPT = path.join(REPO_ROOT, "scripts", "medusa-server.ts")
const EXIT_WITH_PARENT = path.join(REPO_ROOT, "demo", "exit-with-parent.js")

export interface MedusaProcessOptions {
  port: number
  env: Record<string, string | undefined>
  logFile: string
  /** Also write the output here (the terminal with DEMO_LOGS=1). */
  echo?: (text: string) => void
  startTimeoutMs?: number
}

export interface MedusaProcess {
  url: string
  port: number
  pid: number
  startupMs: number
  running(): boolean
  /** SIGTERM (graceful), SIGKILL after timeoutMs. */
  stop(timeoutMs?: number): Promise<void>
  /** Resolves when the process exits. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

export class MedusaStartFailed extends Error {
  override readonly name = "MedusaStartFailed"
  constructor(
    message: string,
    readonly tail: string,
  ) {
    super(message)
  }
}

export async function startMedusaProcess(options: MedusaProcessOptions): Promise<MedusaProcess> {
  const started = Date.now()
  fs.mkdirSync(path.dirname(options.logFile), { recursive: true })
  const log = fs.createWriteStream(options.logFile, { flags: "a" })
  log.write(`\n===== ${new Date().toISOString()} medusa-server on 127.0.0.1:${options.port} =====\n`)
  let tail = ""
  const record = (text: string): void => {
    log.write(text)
    options.echo?.(text)
    tail = (tail + text).slice(-8000)
  }

  const child: ChildProcess = spawn(
    process.execPath,
    [
      "-r",
      "ts-node/register/transpile-only",
      "-r",
      EXIT_WITH_PARENT,
      SERVER_SCRIPT,
      "--directory",
      DEMO_DIR,
      "--host",
      "127.0.0.1",
      "--port",
      String(options.port),
    ],
    { cwd: DEMO_DIR, env: medusaChildEnv(options.env), stdio: ["pipe", "pipe", "pipe"] },
  )
  let ready = false
  child.stdout?.on("data", (d: Buffer) => {
    const text = d.toString()
    record(text)
    if (text.includes("Server is ready on")) ready = true
  })
  child.stderr?.on("data", (d: Buffer) => record(d.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      record(`===== medusa-server exited: code ${code} signal ${signal} =====\n`)
      log.end()
      resolve({ code, signal })
    })
  })
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined
  void exited.then((e) => (exitInfo = e))
  const running = (): boolean => exitInfo === undefined && child.exitCode === null && child.signalCode === null

  const url = `http://127.0.0.1:${options.port}`
  const stop = async (timeoutMs = 20_000): Promise<void> => {
    if (!running()) return
    child.kill("SIGTERM")
    const timer = setTimeout(() => {
      if (running()) child.kill("SIGKILL")
    }, timeoutMs)
    await exited
    clearTimeout(timer)
  }

  const deadline = started + (options.startTimeoutMs ?? 120_000)
  while (Date.now() < deadline && running()) {
    if (ready && (await isHealthy(url))) {
      return { url, port: options.port, pid: child.pid ?? -1, startupMs: Date.now() - started, running, stop, exited }
    }
    await sleep(100)
  }
  const why = running()
    ? `did not answer GET /health in ${Date.now() - started} ms`
    : `exited (code ${exitInfo?.code}, signal ${exitInfo?.signal})`
  await stop(5_000)
  throw new MedusaStartFailed(`Medusa ${why}; its output is in ${options.logFile}`, tail)
}
