// `npm test` runs every package's tests in one Jest run, so that one summary counts them all.
export default {
  projects: [
    "<rootDir>/subgraphs/reference",
    "<rootDir>/subgraphs/runtime",
    "<rootDir>/subgraphs/population",
    "<rootDir>/subgraphs/social-registry",
    "<rootDir>/subgraphs/health-insurance",
    "<rootDir>/subgraphs/direct-aid",
    "<rootDir>/gateway",
    "<rootDir>/witness",
    "<rootDir>/tests",
  ],
  // Global, not per project (Jest reads testTimeout only here): starting a system of five
  // embedded databases takes longer than Jest's default 5 s on a small machine.
  testTimeout: 120_000,
  globalSetup: "<rootDir>/tests/jest/global-setup.js",
  globalTeardown: "<rootDir>/tests/jest/global-teardown.js",
};
