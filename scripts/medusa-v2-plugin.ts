/**
 * Builds packages/medusa-v2 with Medusa's own `medusa plugin:build` and installs it into a Medusa v2 project
 * (scripts/medusa-v2-project.ts) the way npm would install its tarball: package.json + .medusa/server in
 * node_modules/@klarna-order-sync/medusa-v2, the built core beside it in node_modules/@klarna-order-sync/core.
 *
 * Why not in the repository's workspaces: Medusa v2 (~700 MB) and v1 (the root's) share package names
 * (@medusajs/medusa, utils, types, ui) in incompatible majors; keeping v2 in the cached project keeps the
 * root install v1-only. The plugin is compiled inside the project (a staging directory under it), so its
 * imports resolve against the project's node_modules, as they would in a store.
 */
import crypto from "node:crypto"
import fs from "node:fs"
import path from "node:path"

const REPO = path.resolve(__dirname, "..")
export const PLUGIN_SOURCE_DIR = path.join(REPO, "packages", "medusa-v2")
const CORE_DIR = path.join(REPO, "packages", "core")
export const PLUGIN_PACKAGE = "@klarna-order-sync/medusa-v2"
/**
 * Sources outside the plugin package that its admin bundle imports by relative path (Vite bundles them into
 * the plugin's admin build): the widget presentation shared with the v1 plugin, and the core's sources (the
 * widget formats with its pure currency and carrier tables and types its answers with the order view's
 * types). Staged at the same place relative to the plugin, so the relative imports resolve there as in the
 * repository. Repository-relative paths.
 */
const ADMIN_SHARED_SOURCES = ["packages/admin-widget/src", "packages/core/src"]

/** Every file under dir (sorted, relative), skipping tests and build output. */
function filesOf(dir: string, skip: (relative: string) => boolean = () => false): string[] {
  const out: string[] = []
  const walk = (relative: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const child = path.join(relative, entry.name)
      if (skip(child)) continue
      if (entry.isDirectory()) walk(child)
      else out.push(child)
    }
  }
  walk("")
  return out.sort()
}

const skipPluginFile = (relative: string): boolean =>
  /(^|\/)(node_modules|\.medusa|__tests__)(\/|$)/.test(relative) || relative.endsWith(".md")

function pluginSources(): string[] {
  return filesOf(PLUGIN_SOURCE_DIR, skipPluginFile)
}

/** The shared admin sources, repository-relative. */
function adminSharedSources(): string[] {
  return ADMIN_SHARED_SOURCES.flatMap((source) => {
    const full = path.join(REPO, source)
    if (!fs.statSync(full).isDirectory()) return [source]
    return filesOf(full, skipPluginFile).map((file) => path.join(source, file))
  })
}

function coreDist(): string[] {
  const dist = path.join(CORE_DIR, "dist")
  if (!fs.existsSync(path.join(dist, "index.js"))) {
    throw new Error("medusa-v2-plugin: build the core first (npm run build: packages/core/dist is missing)")
  }
  return filesOf(dist, (relative) => relative.endsWith(".map")).map((file) => path.join("dist", file))
}

/** Hash of the plugin's sources and the built core: the installed plugin's fingerprint. */
export function pluginFingerprint(): string {
  const hash = crypto.createHash("sha256")
  for (const file of pluginSources())
    hash
      .update(`plugin/${file}\0`)
      .update(fs.readFileSync(path.join(PLUGIN_SOURCE_DIR, file)))
      .update("\0")
  for (const file of adminSharedSources())
    hash
      .update(`shared/${file}\0`)
      .update(fs.readFileSync(path.join(REPO, file)))
      .update("\0")
  for (const file of coreDist())
    hash
      .update(`core/${file}\0`)
      .update(fs.readFileSync(path.join(CORE_DIR, file)))
      .update("\0")
  hash.update(fs.readFileSync(path.join(CORE_DIR, "package.json")))
  return hash.digest("hex").slice(0, 16)
}

/** The core's package.json and built dist/ (no source maps) in `target`. */
function copyCore(target: string): void {
  fs.rmSync(target, { recursive: true, force: true })
  fs.mkdirSync(target, { recursive: true })
  fs.copyFileSync(path.join(CORE_DIR, "package.json"), path.join(target, "package.json"))
  for (const file of coreDist()) {
    fs.mkdirSync(path.dirname(path.join(target, file)), { recursive: true })
    fs.copyFileSync(path.join(CORE_DIR, file), path.join(target, file))
  }
}

/** The built core in nodeModules/@klarna-order-sync/core, where the installed plugin's bundled copy would be. */
export function installCore(nodeModules: string): void {
  copyCore(path.join(nodeModules, "@klarna-order-sync", "core"))
}

/**
 * Stages the plugin in <project>/.kos-repo, laid out as this repository (packages/medusa-v2 with its sources,
 * packages/core with its package.json and dist, scripts/bundle-core.js, and the shared admin sources of packages/admin-widget) so that the plugin's own npm scripts
 * work there (prepack bundles the core for `npm pack`, see test/packed), and its imports resolve against the
 * project's node_modules one level up. Runs `medusa plugin:build` there with the project's CLI and installs
 * the result in the project's node_modules. Returns the staged plugin's directory.
 */
export async function buildAndInstallPlugin(
  projectDir: string,
  medusaBin: string,
  run: (command: string, args: string[], cwd: string) => Promise<string>,
): Promise<string> {
  const stage = path.join(projectDir, ".kos-repo")
  const stagedPlugin = path.join(stage, path.relative(REPO, PLUGIN_SOURCE_DIR))
  fs.rmSync(stage, { recursive: true, force: true })
  const copy = (from: string, to: string): void => {
    fs.mkdirSync(path.dirname(to), { recursive: true })
    fs.copyFileSync(from, to)
  }
  for (const file of pluginSources()) copy(path.join(PLUGIN_SOURCE_DIR, file), path.join(stagedPlugin, file))
  copyCore(path.join(stage, "packages", "core")) // first: it empties packages/core, which also receives admin sources
  for (const file of adminSharedSources()) copy(path.join(REPO, file), path.join(stage, file))
  copy(path.join(REPO, "scripts", "bundle-core.js"), path.join(stage, "scripts", "bundle-core.js"))
  installCore(path.join(projectDir, "node_modules"))
  await run(process.execPath, [medusaBin, "plugin:build"], stagedPlugin)
  await typecheckAdmin(projectDir, stage, run)
  const target = path.join(projectDir, "node_modules", ...PLUGIN_PACKAGE.split("/"))
  fs.rmSync(target, { recursive: true, force: true })
  fs.mkdirSync(target, { recursive: true })
  fs.copyFileSync(path.join(stagedPlugin, "package.json"), path.join(target, "package.json"))
  fs.cpSync(path.join(stagedPlugin, ".medusa", "server"), path.join(target, ".medusa", "server"), { recursive: true })
  return stagedPlugin
}

/**
 * `medusa plugin:build` type-checks the backend only: Vite transpiles src/admin without checking types. The
 * widget (and the shared presentation, against the v2 dashboard's @medusajs/ui and React Query) is checked
 * here, with the project's TypeScript and packages, so a type error fails the build as it does for the backend.
 */
async function typecheckAdmin(
  projectDir: string,
  root: string,
  run: (command: string, args: string[], cwd: string) => Promise<string>,
): Promise<void> {
  const config = path.join(root, "tsconfig.admin.json")
  const pluginDir = path.relative(REPO, PLUGIN_SOURCE_DIR)
  fs.writeFileSync(
    config,
    JSON.stringify({
      compilerOptions: {
        target: "ES2021",
        module: "ESNext",
        moduleResolution: "bundler",
        jsx: "react-jsx",
        strict: true,
        skipLibCheck: true,
        noEmit: true,
        lib: ["ES2021", "DOM"],
        types: ["node"],
      },
      include: [`${pluginDir}/src/admin/**/*`, "packages/admin-widget/src/**/*"],
    }),
  )
  await run(process.execPath, [path.join(projectDir, "node_modules", "typescript", "bin", "tsc"), "-p", config], root)
}
