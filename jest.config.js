/**
 * One Jest run for the whole suite. Integration tests start real services (PostgreSQL, the
 * simulator, Medusa), so the suite runs in band (`npm test` passes --runInBand) to keep the
 * 2-core CI machine from thrashing.
 */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test", "<rootDir>/packages"],
  // The packages' tests run on their sources: no build needed for the unit tests.
  moduleNameMapper: { "^@klarna-order-sync/core$": "<rootDir>/packages/core/src/index.ts" },
  testMatch: ["**/*.test.ts", "**/*.spec.ts"],
  transform: {
    "^.+\\.tsx?$": ["ts-jest", { tsconfig: "tsconfig.test.json" }],
  },
  testPathIgnorePatterns: ["/node_modules/", "/dist/"],
  globalSetup: "<rootDir>/test/support/global-setup.ts",
  globalTeardown: "<rootDir>/test/support/global-teardown.ts",
  testTimeout: 120000,
}
