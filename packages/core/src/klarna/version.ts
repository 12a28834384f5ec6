/**
 * The package version for the User-Agent, read from this package's package.json at load time (a JSON import
 * would pull package.json into the build's rootDir). Works from src/ (ts-node, jest) and dist/ alike.
 */
import { readFileSync } from "node:fs"
import { dirname, join } from "node:path"

export const PACKAGE_NAME = "klarna-order-sync"
/** The package this file ships in: its version is the client's. */
const CORE_PACKAGE_NAME = "@klarna-order-sync/core"

export function readPackageVersion(startDir: string = __dirname): string {
  let dir = startDir
  for (let depth = 0; depth < 5; depth++) {
    const version = versionIn(join(dir, "package.json"))
    if (version !== undefined) return version
    const parent = dirname(dir)
    if (parent === dir) break
    dir = parent
  }
  return "0.0.0"
}

function versionIn(file: string): string | undefined {
  let text: string
  try {
    text = readFileSync(file, "utf8")
  } catch {
    return undefined // no package.json at this level: keep walking up
  }
  const pkg = JSON.parse(text) as { name?: unknown; version?: unknown }
  return pkg.name === CORE_PACKAGE_NAME && typeof pkg.version === "string" ? pkg.version : undefined
}

export const PACKAGE_VERSION = readPackageVersion()

/** `klarna-order-sync/<version> (node <version>)`, plus the caller's suffix. */
export function buildUserAgent(suffix?: string): string {
  const base = `${PACKAGE_NAME}/${PACKAGE_VERSION} (node ${process.versions.node})`
  const extra = suffix?.replace(/[\r\n]+/g, " ").trim()
  return extra ? `${base} ${extra}` : base
}
