/**
 * One runner for everything: `*.spec.ts` unit tests and `*.e2e-spec.ts` tests against the
 * real app, a real MariaDB (one database per Jest worker per run, created and migrated by
 * global-setup, dropped by global-teardown) and real Redis (a key prefix per worker per run).
 * The admin console's unit tests are `*.spec.ts(x)` too; those that render React components
 * choose jsdom with a `@jest-environment jsdom` docblock.
 */
/** @type {import('jest').Config} */
module.exports = {
  rootDir: '.',
  moduleFileExtensions: ['js', 'json', 'ts', 'tsx'],
  testRegex: '.*\\.(spec|e2e-spec)\\.tsx?$',
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: 'tsconfig.json', isolatedModules: true, diagnostics: false }],
  },
  moduleNameMapper: {
    '^@app/([a-z-]+)(/.*)?$': '<rootDir>/libs/$1/src$2',
  },
  testEnvironment: 'node',
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  maxWorkers: 2,
  testTimeout: 60000,
};
