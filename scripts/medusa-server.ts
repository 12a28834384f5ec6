/**
 * Our own launcher of a Medusa v1 server, used instead of `medusa start` (which listens on every interface
 * and ignores -H). It does what @medusajs/medusa/dist/commands/start.js does, minus telemetry:
 * run Medusa's loaders for a project directory, listen on --host (default 127.0.0.1) and --port, and shut
 * down gracefully on SIGTERM/SIGINT (stop accepting connections, prepareShutdown, shutdown, exit 0).
 *
 *   node -r ts-node/register/transpile-only scripts/medusa-server.ts --directory demo --port 9000
 *
 * Prints "Server is ready on http://HOST:PORT" once listening. Exits 1 with the error when loading fails
 * (e.g. invalid plugin options), so a supervisor (the test harness) sees why.
 */
import path from "node:path"

process.env.MEDUSA_DISABLE_TELEMETRY = "true"
// Jest exports NODE_ENV=test, which makes Medusa's loaders register mock services; we run the real thing.
if (process.env.NODE_ENV === "test") process.env.NODE_ENV = "development"

interface ServerArgs {
  directory: string
  host: string
  port: number
}

function parseArgs(argv: string[]): ServerArgs {
  const args: ServerArgs = {
    directory: process.cwd(),
    host: process.env.HOST || "127.0.0.1",
    port: Number(process.env.PORT || 9000),
  }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]
    const value = argv[i + 1]
    switch (flag) {
      case "--directory":
      case "-d":
        args.directory = path.resolve(String(value))
        i++
        break
      case "--host":
      case "-H":
        args.host = String(value)
        i++
        break
      case "--port":
      case "-p":
        args.port = Number(value)
        i++
        break
      default:
        throw new Error(`medusa-server: unknown argument ${flag}`)
    }
  }
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) {
    throw new Error(`medusa-server: invalid --port ${String(args.port)}`)
  }
  return args
}

/** Loads a module from the project's node_modules (the Medusa the project depends on). */
function requireFromProject<T>(directory: string, id: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(require.resolve(id, { paths: [directory] })) as T
}

type Loaders = (options: { directory: string; expressApp: unknown; isTest: boolean }) => Promise<{
  shutdown: () => Promise<void>
  prepareShutdown: () => Promise<void>
}>

interface GracefulServer {
  shutdown(): Promise<void>
}

export async function startServer(args: ServerArgs): Promise<void> {
  const startedAt = Date.now()
  // Medusa's own start command loads these polyfills first.
  requireFromProject(args.directory, "core-js/stable")
  requireFromProject(args.directory, "regenerator-runtime/runtime")
  const express = requireFromProject<() => { listen: (...a: unknown[]) => import("node:http").Server }>(args.directory, "express")
  const loaders = requireFromProject<{ default: Loaders }>(args.directory, "@medusajs/medusa/dist/loaders").default
  const { GracefulShutdownServer } = requireFromProject<{
    GracefulShutdownServer: { create(server: import("node:http").Server): GracefulServer }
  }>(args.directory, "medusa-core-utils")

  const app = express()
  let loaded: Awaited<ReturnType<Loaders>>
  try {
    loaded = await loaders({ directory: args.directory, expressApp: app, isTest: false })
  } catch (err) {
    const message = err instanceof Error ? err.stack || err.message : String(err)
    process.stderr.write(`Error starting server: ${message}\n`)
    process.exit(1)
  }

  const httpServer = await new Promise<import("node:http").Server>((resolve, reject) => {
    const s = app.listen(args.port, args.host)
    s.once("listening", () => resolve(s))
    s.once("error", reject)
  })
  const address = httpServer.address()
  const port = typeof address === "object" && address ? address.port : args.port
  const server = GracefulShutdownServer.create(httpServer)
  process.stdout.write(`Server is ready on http://${args.host}:${port} (pid ${process.pid}, started in ${Date.now() - startedAt} ms)\n`)

  let shuttingDown = false
  const gracefulShutdown = (signal: string): void => {
    if (shuttingDown) return
    shuttingDown = true
    process.stdout.write(`Received ${signal}: gracefully shutting down server\n`)
    server
      .shutdown()
      .then(() => loaded.prepareShutdown())
      .then(() => loaded.shutdown())
      .then(() => process.exit(0))
      .catch((e: unknown) => {
        process.stderr.write(`Error received when shutting down the server: ${String(e)}\n`)
        process.exit(1)
      })
  }
  process.on("SIGTERM", () => gracefulShutdown("SIGTERM"))
  process.on("SIGINT", () => gracefulShutdown("SIGINT"))
}

if (require.main === module) {
  let args: ServerArgs
  try {
    args = parseArgs(process.argv.slice(2))
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`)
    process.exit(2)
  }
  startServer(args).catch((err: unknown) => {
    process.stderr.write(`Error starting server: ${err instanceof Error ? err.stack || err.message : String(err)}\n`)
    process.exit(1)
  })
}
