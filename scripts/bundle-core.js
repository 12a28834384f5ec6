/**
 * The core travels inside each plugin's tarball (v1: packages/medusa-v1, v2: packages/medusa-v2) until it is
 * published: `npm pack` (the plugin's prepack) copies the built @klarna-order-sync/core into the plugin's
 * node_modules, where bundleDependencies picks it up, and postpack removes the copy again so the workspace
 * link (root node_modules) is what development sees. npm does not install a bundled package's own
 * dependencies, so the core's runtime dependencies are listed in the plugin's dependencies too: `add`
 * refuses to pack when they drift apart. Run from the plugin's directory (npm runs scripts there).
 *
 *   node ../../scripts/bundle-core.js add | remove
 */
const fs = require("node:fs")
const path = require("node:path")

const pluginDir = process.cwd()
const coreDir = path.resolve(__dirname, "..", "packages", "core")
const copyDir = path.join(pluginDir, "node_modules", "@klarna-order-sync", "core")

function remove() {
  fs.rmSync(copyDir, { recursive: true, force: true })
  // The scope and node_modules directories too, when nothing else is in them.
  for (const dir of [path.dirname(copyDir), path.dirname(path.dirname(copyDir))]) {
    if (fs.existsSync(dir) && fs.readdirSync(dir).length === 0) fs.rmdirSync(dir)
  }
}

function add() {
  const core = JSON.parse(fs.readFileSync(path.join(coreDir, "package.json"), "utf8"))
  const plugin = JSON.parse(fs.readFileSync(path.join(pluginDir, "package.json"), "utf8"))
  const drift = Object.entries(core.dependencies ?? {}).filter(([name, range]) => plugin.dependencies?.[name] !== range)
  if (drift.length > 0) {
    throw new Error(
      `bundle-core: list the core's dependencies in ${plugin.name}'s dependencies too: ${drift.map(([n, r]) => `"${n}": "${r}"`).join(", ")}`,
    )
  }
  if (!fs.existsSync(path.join(coreDir, "dist", "index.js")))
    throw new Error("bundle-core: build the core first (packages/core/dist is missing)")
  remove()
  fs.mkdirSync(copyDir, { recursive: true })
  fs.copyFileSync(path.join(coreDir, "package.json"), path.join(copyDir, "package.json"))
  fs.cpSync(path.join(coreDir, "dist"), path.join(copyDir, "dist"), { recursive: true, filter: (source) => !source.endsWith(".map") })
}

const command = process.argv[2]
if (command === "add") add()
else if (command === "remove") remove()
else throw new Error("usage (in a plugin's directory): node ../../scripts/bundle-core.js add | remove")
