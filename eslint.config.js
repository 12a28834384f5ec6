/**
 * One ESLint config for every package and tool in the repository (flat config, ESLint 9). Paths are
 * globs, not folder names, so it keeps working whatever directory a package lives in. Formatting is
 * Prettier's job (`npm run format`); eslint-config-prettier, last, turns off every rule it owns.
 *
 * TypeScript files are linted with type information (each file's nearest tsconfig.json), but only for
 * the rules that catch real bugs — a promise nobody awaits, an async callback where a void one is
 * expected, a `return` that escapes its try/catch. typescript-eslint's full type-checked set is left
 * out: its no-unsafe-* rules flag every use of Medusa's `any`-typed services (~200 hits, no bug among
 * them), and its no-base-to-string flags the simulator's deliberate String(unknown) on parsed JSON.
 */
const js = require("@eslint/js")
const tseslint = require("typescript-eslint")
const reactHooks = require("eslint-plugin-react-hooks")
const prettier = require("eslint-config-prettier")

// Node's globals for the plain .js files (TypeScript itself resolves names in .ts files, so there
// typescript-eslint turns no-undef off). Listed here rather than taken from the `globals` package,
// which is not a dependency of ours.
const nodeGlobals = Object.fromEntries(
  ["process", "console", "global", "Buffer", "__dirname", "__filename", "setTimeout", "clearTimeout", "setInterval", "clearInterval"].map(
    (name) => [name, "readonly"],
  ),
)

module.exports = tseslint.config(
  {
    ignores: ["**/node_modules/", "**/dist/", "**/build/", "**/coverage/", "**/.cache/", ".demo/", "test/artifacts/"],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: "error" },
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Library code reports through the platform's logger; code that prints on purpose says so inline.
      "no-console": "error",
      // An unused parameter kept for an interface's signature, or a loop that only counts, starts with _.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["**/*.{ts,tsx,mts,cts}"],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: __dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/return-await": ["error", "error-handling-correctness-only"],
      "@typescript-eslint/only-throw-error": "error",
      "@typescript-eslint/prefer-promise-reject-errors": "error",
      "@typescript-eslint/no-for-in-array": "error",
      "@typescript-eslint/no-implied-eval": "error",
      "@typescript-eslint/no-array-delete": "error",
      "@typescript-eslint/unbound-method": "error",
      "@typescript-eslint/switch-exhaustiveness-check": "error",
    },
  },
  {
    files: ["**/*.{js,cjs}"],
    languageOptions: { sourceType: "commonjs", globals: nodeGlobals },
    rules: {
      // The few plain .js files are CommonJS configs and preloads that Node loads directly.
      "@typescript-eslint/no-require-imports": "off",
    },
  },
  {
    files: ["**/admin/**/*.{ts,tsx}"],
    plugins: { "react-hooks": reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  prettier,
)
