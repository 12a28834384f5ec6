/**
 * A throwaway redis-server (the Debian package's binary) on a free port on 127.0.0.1, for the Redis event
 * bus tests and the soak run: no persistence, its own working directory, stopped with the returned stop().
 *
 *   const redis = await startRedis()       // redis.url = "redis://127.0.0.1:PORT"
 *   ...
 *   await redis.stop()
 *
 * `ts-node scripts/redis.ts` starts one and prints its URL until interrupted.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import fs from "node:fs"
import net from "node:net"
import os from "node:os"
import path from "node:path"
import { freePort } from "./free-port"

export interface RunningRedis {
  url: string
  port: number
  pid: number
  stop(): Promise<void>
}

export interface StartRedisOptions {
  /** Default: a free port. */
  port?: number
  /** Path of redis-server. Default: $REDIS_SERVER or `redis-server` on PATH. */
  binary?: string
  startTimeoutMs?: number
}

/** The redis-server binary, or undefined when none is installed (`apt-get install -y redis-server`). */
export function findRedisServer(binary = process.env.REDIS_SERVER ?? "redis-server"): string | undefined {
  const found = spawnSync(binary, ["--version"], { encoding: "utf8" })
  return found.status === 0 ? binary : undefined
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port })
    let answer = ""
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(500, () => done(false))
    socket.once("error", () => done(false))
    socket.once("connect", () => socket.write("PING\r\n"))
    socket.on("data", (data) => {
      answer += data.toString()
      if (answer.includes("\r\n")) done(answer.startsWith("+PONG"))
    })
  })
}

export async function startRedis(options: StartRedisOptions = {}): Promise<RunningRedis> {
  const binary = findRedisServer(options.binary)
  if (!binary) throw new Error("redis-server is not installed (Debian: apt-get install -y redis-server)")
  const port = options.port ?? (await freePort())
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kos-redis-"))
  const child: ChildProcess = spawn(
    binary,
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      dir,
      "--daemonize",
      "no",
      "--loglevel",
      "warning",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  )
  let output = ""
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()))
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()))
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true })
  const onExit = () => child.kill("SIGKILL")
  process.once("exit", onExit)

  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000)
  while (!(await ping(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL")
      cleanup()
      throw new Error(`redis-server did not start on port ${port}: ${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: child.pid ?? -1,
    async stop() {
      process.removeListener("exit", onExit)
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM")
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000)
        await exited
        clearTimeout(timer)
      }
      cleanup()
    },
  }
}

if (require.main === module) {
  startRedis().then(
    (redis) => {
      process.stdout.write(`${redis.url}\n`)
      const stop = () => void redis.stop().then(() => process.exit(0))
      process.once("SIGINT", stop)
      process.once("SIGTERM", stop)
    },
    (error: unknown) => {
      process.stderr.write(`${(error as Error).message}\n`)
      process.exit(1)
    },
  )
}
