/**
 * The root scripts (`npm run shopify`, `reconcile`, the demo, the soak...) run the workspace packages from
 * their TypeScript sources, as the tests do (jest.config.js moduleNameMapper) and as they did before the
 * packages existed: `@klarna-order-sync/core` resolves to packages/core/src, not to a dist/ that may be
 * missing or stale. Loaded with `ts-node -r ./scripts/workspace-sources.js`. Medusa itself loads the built
 * plugin (packages/medusa-v1/dist), which requires the built core: `npm run build` builds both.
 */
const Module = require("module")
const path = require("path")

const SOURCES = {
  "@klarna-order-sync/core": path.join(__dirname, "..", "packages", "core", "src", "index.ts"),
}

const resolveFilename = Module._resolveFilename
Module._resolveFilename = function resolveWorkspaceSource(request, ...rest) {
  return resolveFilename.call(this, SOURCES[request] ?? request, ...rest)
}
