/**
 * A minimal Medusa v2 (2.21.2) project, written and installed by hand: create-medusa-app clones its starter
 * from GitHub, which this machine cannot reach; the npm registry is all we need. The install is slow (~2 min,
 * ~730 MB), so the installed (and built) project is cached under the OS temp dir, in a directory named after a
 * hash of its package.json; a second call finds the fingerprint files (.kos-installed: package.json,
 * .kos-built: every file) and reuses the install and the build.
 *
 *   ts-node --transpile-only scripts/medusa-v2-project.ts            # prints the cached project's directory
 *   ts-node --transpile-only scripts/medusa-v2-project.ts --no-build # install only, no `medusa build`
 *
 * Versions are the ones measured in /work/shared/DESIGN.md ("Medusa v2 facts"): draft-order must be a direct
 * dependency (else `db:migrate` cannot resolve the plugin) and @medusajs/ui 4.2.6 (4.2.8 nests its own
 * draft-order and breaks migrate); ts-node and @swc/core let the CLI load medusa-config.ts.
 */
import { spawn } from "node:child_process"
import crypto from "node:crypto"
import fs from "node:fs"
import os from "node:os"
import path from "node:path"
import { buildAndInstallPlugin, pluginFingerprint } from "./medusa-v2-plugin"

export const MEDUSA_V2_VERSION = "2.21.2"

const PACKAGE_JSON = {
  name: "kos-medusa-v2-store",
  version: "0.0.1",
  private: true,
  description: "A Medusa v2 store for klarna-order-sync's tests (written by scripts/medusa-v2-project.ts).",
  scripts: { build: "medusa build", start: "medusa start", dev: "medusa develop" },
  dependencies: {
    "@medusajs/admin-sdk": MEDUSA_V2_VERSION,
    "@medusajs/cli": MEDUSA_V2_VERSION,
    "@medusajs/draft-order": MEDUSA_V2_VERSION,
    "@medusajs/framework": MEDUSA_V2_VERSION,
    "@medusajs/js-sdk": MEDUSA_V2_VERSION,
    "@medusajs/medusa": MEDUSA_V2_VERSION,
    "@medusajs/ui": "4.2.6",
  },
  devDependencies: {
    "@swc/core": "^1.7.28",
    "@types/node": "^20.17.0",
    "@types/react": "^18.3.2",
    "@types/react-dom": "^18.2.25",
    react: "^18.3.1",
    "react-dom": "^18.3.1",
    "ts-node": "^10.9.2",
    typescript: "^5.6.2",
    vite: "^5.4.14",
  },
  engines: { node: ">=20" },
}

/** Everything comes from the environment, so one installed project serves every test database and port. */
const MEDUSA_CONFIG = `import { defineConfig, loadEnv } from "@medusajs/framework/utils"

loadEnv(process.env.NODE_ENV || "development", process.cwd())

const cors = process.env.KOS_CORS || "http://127.0.0.1,http://localhost"
const klarnaOptions = JSON.parse(process.env.KOS_KLARNA_OPTIONS || "{}")
// Medusa's Redis event bus (what multi-server stores run) when KOS_REDIS_URL names a Redis; else the local bus.
const redisUrl = process.env.KOS_REDIS_URL

module.exports = defineConfig({
  projectConfig: {
    databaseUrl: process.env.DATABASE_URL,
    http: {
      storeCors: process.env.STORE_CORS || cors,
      adminCors: process.env.ADMIN_CORS || cors,
      authCors: process.env.AUTH_CORS || cors,
      jwtSecret: process.env.JWT_SECRET || "kos-test-jwt-secret",
      cookieSecret: process.env.COOKIE_SECRET || "kos-test-cookie-secret",
    },
    // The tests serve plain http on 127.0.0.1: NODE_ENV=production would make the session cookie Secure and a
    // browser would drop it (the admin's login). Secure again with KOS_COOKIE_SECURE=true.
    cookieOptions: { secure: process.env.KOS_COOKIE_SECURE === "true" },
  },
  admin: {
    disable: process.env.KOS_ADMIN_DISABLE === "true",
  },
  // klarna-order-sync's v2 plugin (scripts/medusa-v2-plugin.ts installs it) and its Klarna payment provider
  // (pp_klarna_klarna). Options come as JSON from the environment so one build serves every test and port.
  plugins: [{ resolve: "@klarna-order-sync/medusa-v2", options: klarnaOptions }],
  modules: [
    {
      resolve: "@medusajs/medusa/payment",
      options: {
        providers: [{ resolve: "@klarna-order-sync/medusa-v2/providers/klarna", id: "klarna", options: klarnaOptions }],
      },
    },
    // Registered as the event_bus module (Medusa maps this package name to it), replacing event-bus-local.
    ...(redisUrl ? [{ resolve: "@medusajs/medusa/event-bus-redis", options: { redisUrl } }] : []),
  ],
})
`

/** The starter's tsconfig (medusa build compiles with it into .medusa/server). */
const TSCONFIG = {
  compilerOptions: {
    target: "ES2021",
    esModuleInterop: true,
    module: "Node16",
    moduleResolution: "Node16",
    emitDecoratorMetadata: true,
    experimentalDecorators: true,
    skipLibCheck: true,
    skipDefaultLibCheck: true,
    declaration: false,
    sourceMap: false,
    inlineSourceMap: true,
    outDir: "./.medusa/server",
    rootDir: "./",
    jsx: "react-jsx",
    baseUrl: ".",
    resolveJsonModule: true,
    checkJs: false,
    strictNullChecks: true,
  },
  "ts-node": { swc: true },
  include: ["**/*", ".medusa/types/*"],
  exclude: ["node_modules", ".medusa/server", ".medusa/admin", ".cache", ".kos-repo"],
}

/** The files of the project, by relative path. */
export function projectFiles(): Record<string, string> {
  return {
    "package.json": `${JSON.stringify(PACKAGE_JSON, null, 2)}\n`,
    "medusa-config.ts": MEDUSA_CONFIG,
    "tsconfig.json": `${JSON.stringify(TSCONFIG, null, 2)}\n`,
    // The CLI loads .env through loadEnv; an empty one keeps a developer's shell from leaking in by surprise.
    ".env": "",
    "src/.gitkeep": "",
  }
}

function shortHash(parts: [string, string][]): string {
  const hash = crypto.createHash("sha256")
  for (const [name, content] of parts) hash.update(`${name}\0${content}\0`)
  return hash.digest("hex").slice(0, 16)
}

/** Hash of package.json: the cache directory's name and the install's fingerprint (a new dependency reinstalls). */
export function installFingerprint(): string {
  return shortHash([["package.json", projectFiles()["package.json"]]])
}

/**
 * Hash of every file and of the plugin: the build's fingerprint (a config or plugin change rebuilds, ~35 s,
 * without reinstalling; the admin bundle includes the plugin's widget).
 */
export function buildFingerprint(): string {
  const files = Object.entries(projectFiles()).sort(([a], [b]) => a.localeCompare(b))
  return shortHash([...files, ["plugin", pluginFingerprint()]])
}

/**
 * The cached project: $KOS_MEDUSA_V2_PROJECT_DIR when set (one per work tree: the build holds that tree's
 * plugin, so two trees sharing a project would rebuild it under each other), else one per install fingerprint.
 */
export function defaultProjectDir(): string {
  return process.env.KOS_MEDUSA_V2_PROJECT_DIR || path.join(os.tmpdir(), `kos-medusa-v2-${installFingerprint()}`)
}

/** Writes the project's files into `dir` (created if missing). Installs nothing. */
export function writeMedusaV2Project(dir: string): void {
  for (const [name, content] of Object.entries(projectFiles())) {
    const file = path.join(dir, name)
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, content)
  }
}

export interface MedusaV2Project {
  dir: string
  /** node_modules/@medusajs/cli/cli.js of the project. */
  medusaBin: string
  /** True when `medusa build` has produced .medusa/server (what `medusa start` runs). */
  built: boolean
  /** What this call did, with timings: for logs and the report. */
  steps: { name: string; ms: number; cached: boolean }[]
}

const INSTALLED_MARK = ".kos-installed"
const BUILT_MARK = ".kos-built"

function readMark(dir: string, mark: string): string | undefined {
  try {
    return fs.readFileSync(path.join(dir, mark), "utf8").trim()
  } catch {
    return undefined
  }
}

/** npm without the npm_* variables an enclosing `npm run`/`npx` sets (a workspace or prefix would redirect it). */
function cleanNpmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key)) env[key] = value
  }
  return { ...env, MEDUSA_DISABLE_TELEMETRY: "true", NODE_ENV: "development" }
}

export function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = cleanNpmEnv()): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] })
    let output = ""
    child.stdout.on("data", (d: Buffer) => (output += d.toString()))
    child.stderr.on("data", (d: Buffer) => (output += d.toString()))
    child.on("error", reject)
    child.on("close", (code) => {
      if (code === 0) resolve(output)
      else reject(new Error(`${command} ${args.join(" ")} failed in ${cwd} (exit ${String(code)}):\n${output.slice(-8000)}`))
    })
  })
}

async function timed(steps: MedusaV2Project["steps"], name: string, fn: () => Promise<unknown>): Promise<void> {
  const started = Date.now()
  await fn()
  steps.push({ name, ms: Date.now() - started, cached: false })
}

/**
 * The installed (and, unless build is false, built) project, from the cache when its fingerprint matches.
 * A fresh install goes into a staging directory renamed into place at the end, so an interrupted install is
 * never mistaken for a finished one and two concurrent callers do not install into the same directory.
 */
export async function ensureMedusaV2Project(options: { dir?: string; build?: boolean } = {}): Promise<MedusaV2Project> {
  const dir = options.dir ?? defaultProjectDir()
  const fingerprint = installFingerprint()
  const steps: MedusaV2Project["steps"] = []
  const medusaBin = path.join(dir, "node_modules", "@medusajs", "cli", "cli.js")

  if (readMark(dir, INSTALLED_MARK) === fingerprint) {
    steps.push({ name: "npm install", ms: 0, cached: true })
  } else {
    const staging = `${dir}.staging-${process.pid}`
    fs.rmSync(staging, { recursive: true, force: true })
    writeMedusaV2Project(staging)
    await timed(steps, "npm install", () => run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], staging))
    fs.writeFileSync(path.join(staging, INSTALLED_MARK), `${fingerprint}\n`)
    if (readMark(dir, INSTALLED_MARK) === fingerprint) {
      // Another process finished first and may be using its copy: keep it, drop ours.
      fs.rmSync(staging, { recursive: true, force: true })
    } else {
      fs.rmSync(dir, { recursive: true, force: true })
      fs.renameSync(staging, dir)
    }
  }

  const buildPrint = buildFingerprint()
  let built = readMark(dir, BUILT_MARK) === buildPrint
  if (built) steps.push({ name: "medusa build", ms: 0, cached: true })
  else if (options.build !== false) {
    writeMedusaV2Project(dir) // the files may have changed since the install (same package.json)
    await timed(steps, "plugin build", () => buildAndInstallPlugin(dir, medusaBin, (command, args, cwd) => run(command, args, cwd)))
    await timed(steps, "medusa build", () => run(process.execPath, [medusaBin, "build"], dir))
    fs.writeFileSync(path.join(dir, BUILT_MARK), `${buildPrint}\n`)
    built = true
  }
  return { dir, medusaBin, built, steps }
}

if (require.main === module) {
  const args = process.argv.slice(2)
  const dirArg = args.find((a) => !a.startsWith("--"))
  ensureMedusaV2Project({ dir: dirArg ? path.resolve(dirArg) : undefined, build: !args.includes("--no-build") }).then(
    (project) => {
      for (const step of project.steps) process.stdout.write(`${step.name}: ${step.cached ? "cached" : `${step.ms} ms`}\n`)
      process.stdout.write(`${project.dir}\n`)
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`)
      process.exit(1)
    },
  )
}
