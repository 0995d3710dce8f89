/** The app's tests (unit and engine integration); the vault has its own jest config under vault/. */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }] },
  // Packages the app once (when its sources changed): the integration tests load that very zip.
  globalSetup: '<rootDir>/test/global-setup.js',
  testTimeout: 60000,
  // Each integration suite runs an Apps-Engine with its own Deno subprocess; two suit this 2-core machine.
  maxWorkers: 2,
};
