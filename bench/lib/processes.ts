/**
 * Everything the benchmark starts is registered here and stopped at the end, also on Ctrl-C / SIGTERM
 * and on a crash: child processes by their own pid (never by name), PostgreSQL through its stop().
 */
import { type ChildProcess, spawn, type SpawnOptions } from "node:child_process"

type Cleanup = () => Promise<void> | void

const cleanups: { name: string; fn: Cleanup }[] = []
const children = new Set<ChildProcess>()
let installed = false
let cleaning: Promise<void> | null = null

/** Registers a cleanup step; steps run last-registered first. */
export function onCleanup(name: string, fn: Cleanup): void {
  installHooks()
  cleanups.push({ name, fn })
}

/** Runs every cleanup step once (idempotent). */
export function cleanupAll(): Promise<void> {
  if (!cleaning) {
    cleaning = (async () => {
      for (const { name, fn } of cleanups.reverse()) {
        try {
          await withTimeout(Promise.resolve(fn()), 30_000, name)
        } catch (error) {
          process.stderr.write(`bench: cleanup "${name}" failed: ${(error as Error).message}\n`)
        }
      }
      for (const child of children) killHard(child)
    })()
  }
  return cleaning
}

function killHard(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return
  try {
    child.kill("SIGKILL")
  } catch {
    /* gone */
  }
}

function installHooks(): void {
  if (installed) return
  installed = true
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`bench: ${signal}, stopping everything it started\n`)
    void cleanupAll().finally(() => process.exit(130))
  }
  process.once("SIGINT", onSignal)
  process.once("SIGTERM", onSignal)
  // Last resort (synchronous): no child outlives the benchmark.
  process.on("exit", () => {
    for (const child of children) killHard(child)
  })
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish in ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

export interface TrackedProcess {
  child: ChildProcess
  pid: number
  output(): string
  /** Resolves with the first match of `pattern` in stdout/stderr; rejects if the process exits first or after timeoutMs. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>
  /** SIGTERM, then SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<void>
}

/** Spawns a child that is killed with the benchmark. */
export function spawnTracked(command: string, args: string[], options: SpawnOptions & { name: string }): TrackedProcess {
  installHooks()
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...options })
  children.add(child)
  let output = ""
  const listeners = new Set<() => void>()
  const append = (chunk: Buffer) => {
    output += chunk.toString()
    if (output.length > 200_000) output = output.slice(-100_000)
    for (const listener of listeners) listener()
  }
  child.stdout?.on("data", append)
  child.stderr?.on("data", append)
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => {
      children.delete(child)
      for (const listener of listeners) listener()
      resolve()
    })
    child.once("error", (error) => {
      output += `\nspawn error: ${error.message}\n`
      children.delete(child)
      resolve()
    })
  })
  const tracked: TrackedProcess = {
    child,
    pid: child.pid ?? -1,
    output: () => output,
    waitFor(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check)
          reject(new Error(`${options.name}: no ${pattern} within ${timeoutMs} ms. Output:\n${output.slice(-4000)}`))
        }, timeoutMs)
        const check = () => {
          const match = pattern.exec(output)
          if (match) {
            clearTimeout(timer)
            listeners.delete(check)
            resolve(match)
          } else if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer)
            listeners.delete(check)
            reject(new Error(`${options.name} exited (${child.exitCode ?? child.signalCode}). Output:\n${output.slice(-4000)}`))
          }
        }
        listeners.add(check)
        check()
      })
    },
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill("SIGTERM")
      const timer = setTimeout(() => killHard(child), graceMs)
      await exited
      clearTimeout(timer)
    },
  }
  onCleanup(options.name, () => tracked.stop())
  return tracked
}
