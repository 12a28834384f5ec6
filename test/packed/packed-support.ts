/**
 * What both packed-install suites (v1: packed-install.test.ts, v2: packed-v2-install.test.ts) do around the
 * install: run commands with their output kept for the failure message, time the slow steps, find files in a
 * build, and print the timings and remove the temp store at the end.
 */
import { execFile, spawn } from "node:child_process"
import fs from "node:fs"
import { promisify } from "node:util"

const run = promisify(execFile)

/** Step name → milliseconds, printed by reportAndCleanUp. */
export const timings: Record<string, number> = {}

export async function timed<T>(step: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now()
  try {
    return await fn()
  } finally {
    timings[step] = Date.now() - started
  }
}

/** Runs a command; on failure the error carries its output. */
export async function sh(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  try {
    const { stdout } = await run(command, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 })
    return stdout
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string }
    throw new Error(
      `${command} ${args.join(" ")} (in ${cwd}) failed: ${(error as Error).message}\n${stdout ?? ""}\n${stderr ?? ""}`.slice(0, 20_000),
    )
  }
}

export function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = `${dir}/${entry.name}`
    return entry.isDirectory() ? filesUnder(full) : [full]
  })
}

/** The tarball's file list, without npm's `package/` prefix. */
export async function tarballFiles(tarball: string, cwd: string): Promise<string[]> {
  return (await sh("tar", ["-tzf", tarball], cwd))
    .split("\n")
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ""))
}

/**
 * Prints the timings, then removes the temp store in the background (deleting a thousand installed packages
 * takes minutes on a disk that discards on unlink). KOS_KEEP_PACKED_STORE=1 keeps it for a look.
 */
export function reportAndCleanUp(label: string, workDir: string | undefined): void {
  // eslint-disable-next-line no-console
  console.log(
    `${label} timings (s): ${Object.entries(timings)
      .map(([step, ms]) => `${step} ${(ms / 1000).toFixed(1)}`)
      .join(", ")}`,
  )
  if (workDir && process.env.KOS_KEEP_PACKED_STORE !== "1") spawn("rm", ["-rf", workDir], { detached: true, stdio: "ignore" }).unref()
}
