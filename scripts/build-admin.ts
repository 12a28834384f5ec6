/**
 * Builds the Medusa admin WITH this plugin's widget, once, into a directory that the demo store and the
 * browser test both serve (demo/medusa-config.js: MEDUSA_ADMIN_SERVE=true, MEDUSA_ADMIN_BUILD_DIR=<dir>).
 *
 *   npm run build:admin                      # build/admin, skipped when up to date
 *   npm run build:admin -- --force           # always rebuild
 *   npm run build:admin -- --out-dir /tmp/x  # another directory
 *
 * Two steps, both Medusa's own CLI (@medusajs/admin 7.x):
 *   1. `medusa-admin bundle` in the plugin package (packages/medusa-v1): src/admin → dist/admin/_virtual_entry.js, the extension
 *      bundle a published plugin ships (the admin build looks for it in every plugin with enableUI: true).
 *   2. `medusa-admin build` in demo/: the admin app (webpack, ~30 s, ~1.5 GB of memory) with the bundle in.
 * Each step is skipped when its output was built from the same inputs: the widget sources (src/admin/**),
 * the admin packages' versions and the public path. The fingerprint is stored next to the output, so a
 * `git checkout` that only touches mtimes does not force a rebuild and an edited widget always does.
 */
import { spawn } from "node:child_process"
import { createHash } from "node:crypto"
import fs from "node:fs"
import path from "node:path"
import { DEMO_DIR, medusaChildEnv, PLUGIN_ROOT, REPO_ROOT } from "./medusa-cli"

export const ADMIN_SOURCE_DIR = path.join(PLUGIN_ROOT, "src", "admin")
/** The widget's presentation, shared with the Medusa v2 plugin (bundled into each admin build). */
export const ADMIN_WIDGET_DIR = path.join(REPO_ROOT, "packages", "admin-widget", "src")
/** Plain modules of the engine the widget imports too (one table for both): part of the fingerprint. */
export const ADMIN_SHARED_SOURCES = ["currency.ts", "carriers.ts"].map((name) =>
  path.join(REPO_ROOT, "packages", "core", "src", "sync", name),
)
export const ADMIN_BUNDLE_DIR = path.join(PLUGIN_ROOT, "dist", "admin")
/** Where the built admin goes unless told otherwise; shared by `npm start` and the tests. */
export const DEFAULT_ADMIN_BUILD_DIR = path.join(REPO_ROOT, "build", "admin")
/** The path the admin is served on (demo/medusa-config.js). */
export const ADMIN_PATH = "/app"

const MEDUSA_ADMIN_BIN = path.join(REPO_ROOT, "node_modules", "@medusajs", "admin", "bin", "medusa-admin.js")
const BUNDLE_ENTRY = path.join(ADMIN_BUNDLE_DIR, "_virtual_entry.js")
const BUNDLE_STAMP = path.join(ADMIN_BUNDLE_DIR, ".klarna-admin-bundle.json")
const BUILD_STAMP_NAME = ".klarna-admin-build.json"
const STALE_LOCK_MS = 10 * 60_000

export interface AdminBuildOptions {
  /** Default DEFAULT_ADMIN_BUILD_DIR. */
  outDir?: string
  /** Rebuild even when up to date. */
  force?: boolean
  /** Progress lines; default: none. */
  log?: (line: string) => void
}

export interface AdminBuildResult {
  outDir: string
  /** false: the existing build was up to date. */
  built: boolean
  bundled: boolean
  ms: number
  /** Size of outDir in bytes. */
  bytes: number
  fingerprint: string
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  const out: string[] = []
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) out.push(...filesUnder(full))
    else if (entry.isFile()) out.push(full)
  }
  return out.sort()
}

function packageVersion(name: string): string {
  try {
    const file = require.resolve(`${name}/package.json`, { paths: [REPO_ROOT] })
    return String((JSON.parse(fs.readFileSync(file, "utf8")) as { version?: string }).version)
  } catch {
    return "missing"
  }
}

/** What the admin build depends on that can change in this repository. */
export function adminFingerprint(): string {
  const hash = createHash("sha256")
  hash.update(`path=${ADMIN_PATH}\n`)
  for (const name of ["@medusajs/admin", "@medusajs/admin-ui", "@medusajs/ui", "@medusajs/icons"]) {
    hash.update(`${name}@${packageVersion(name)}\n`)
  }
  for (const file of [
    ...filesUnder(ADMIN_SOURCE_DIR),
    ...filesUnder(ADMIN_WIDGET_DIR),
    ...ADMIN_SHARED_SOURCES.filter((f) => fs.existsSync(f)),
  ]) {
    hash.update(`${path.relative(REPO_ROOT, file)}\n`)
    hash.update(fs.readFileSync(file))
  }
  return hash.digest("hex")
}

function readStamp(file: string): string | undefined {
  try {
    return (JSON.parse(fs.readFileSync(file, "utf8")) as { fingerprint?: string }).fingerprint
  } catch {
    return undefined
  }
}

function writeStamp(file: string, fingerprint: string, ms: number): void {
  fs.writeFileSync(file, `${JSON.stringify({ fingerprint, ms, built_at: new Date().toISOString() }, null, 2)}\n`)
}

function directorySize(dir: string): number {
  return filesUnder(dir).reduce((sum, file) => sum + fs.statSync(file).size, 0)
}

function runAdminCli(args: string[], cwd: string, env: Record<string, string | undefined>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MEDUSA_ADMIN_BIN, ...args], {
      cwd,
      env: medusaChildEnv(env),
      stdio: ["ignore", "pipe", "pipe"],
    })
    let output = ""
    child.stdout.on("data", (d: Buffer) => (output += d.toString()))
    child.stderr.on("data", (d: Buffer) => (output += d.toString()))
    child.on("error", reject)
    child.on("close", (code, signal) => {
      if (code === 0) resolve()
      else reject(new Error(`medusa-admin ${args.join(" ")} failed (exit ${code ?? signal}):\n${output.slice(-8000)}`))
    })
  })
}

/** One build at a time per output directory (the demo and a test run may start together). */
async function withLock<T>(outDir: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${outDir}.lock`
  fs.mkdirSync(path.dirname(lock), { recursive: true })
  for (;;) {
    try {
      fs.mkdirSync(lock)
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
      const age = Date.now() - fs.statSync(lock).mtimeMs
      if (age > STALE_LOCK_MS) fs.rmSync(lock, { recursive: true, force: true })
      else await new Promise((resolve) => setTimeout(resolve, 500))
    }
  }
  try {
    return await fn()
  } finally {
    fs.rmSync(lock, { recursive: true, force: true })
  }
}

/** Bundles the widget and builds the admin when their inputs changed; otherwise returns at once. */
export async function ensureAdminBuild(options: AdminBuildOptions = {}): Promise<AdminBuildResult> {
  const outDir = path.resolve(options.outDir ?? DEFAULT_ADMIN_BUILD_DIR)
  const log = options.log ?? (() => undefined)
  const started = Date.now()
  return withLock(outDir, async () => {
    const fingerprint = adminFingerprint()
    const buildStamp = path.join(outDir, BUILD_STAMP_NAME)

    let bundled = false
    if (options.force || !fs.existsSync(BUNDLE_ENTRY) || readStamp(BUNDLE_STAMP) !== fingerprint) {
      log("medusa-admin bundle (src/admin → dist/admin)")
      const t = Date.now()
      await runAdminCli(["bundle"], PLUGIN_ROOT, {})
      if (!fs.existsSync(BUNDLE_ENTRY)) throw new Error(`medusa-admin bundle did not write ${path.relative(REPO_ROOT, BUNDLE_ENTRY)}`)
      writeStamp(BUNDLE_STAMP, fingerprint, Date.now() - t)
      bundled = true
    }

    // The bundle is a pure function of the fingerprinted inputs: re-bundling (e.g. after dist/ was wiped)
    // does not make an admin built from the same inputs stale.
    const upToDate = !options.force && fs.existsSync(path.join(outDir, "index.html")) && readStamp(buildStamp) === fingerprint
    if (upToDate) {
      log(`admin build in ${outDir} is up to date`)
      return { outDir, built: false, bundled, ms: Date.now() - started, bytes: directorySize(outDir), fingerprint }
    }

    log(`medusa-admin build → ${outDir}`)
    const t = Date.now()
    await runAdminCli(["build"], DEMO_DIR, {
      MEDUSA_ADMIN_SERVE: "true",
      MEDUSA_ADMIN_BUILD_DIR: outDir,
      KLARNA_ENABLE_UI: "true",
      NODE_ENV: "production",
    })
    if (!fs.existsSync(path.join(outDir, "index.html"))) throw new Error(`medusa-admin build did not write ${outDir}/index.html`)
    writeStamp(buildStamp, fingerprint, Date.now() - t)
    return { outDir, built: true, bundled, ms: Date.now() - started, bytes: directorySize(outDir), fingerprint }
  })
}

async function main(): Promise<void> {
  const args = process.argv.slice(2)
  let outDir: string | undefined
  let force = false
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--force") force = true
    else if (args[i] === "--out-dir") outDir = args[++i]
    else throw new Error(`build-admin: unknown argument ${args[i]} (use --out-dir DIR, --force)`)
  }
  const result = await ensureAdminBuild({ outDir, force, log: (line) => console.log(`build-admin: ${line}`) }) // eslint-disable-line no-console
  const mb = (result.bytes / 1024 / 1024).toFixed(1)
  // eslint-disable-next-line no-console
  console.log(`build-admin: ${result.built ? "built" : "up to date"} ${result.outDir} (${mb} MB) in ${(result.ms / 1000).toFixed(1)} s`)
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error) // eslint-disable-line no-console
    process.exit(1)
  })
}
