/**
 * The unit tests alone (`npm run test:unit`): every `packages/*\/src/**\/__tests__/*.spec.ts`, on the
 * packages' sources, with no PostgreSQL, Medusa, simulator process or browser (CONTRIBUTING.md: a test that
 * needs a running part lives in test/). Seconds, not minutes; `npm test` runs them too.
 */
const base = require("./jest.config")

module.exports = {
  testEnvironment: base.testEnvironment,
  roots: ["<rootDir>/packages"],
  moduleNameMapper: base.moduleNameMapper,
  testMatch: ["**/__tests__/**/*.spec.ts"],
  transform: base.transform,
  testPathIgnorePatterns: base.testPathIgnorePatterns,
}
