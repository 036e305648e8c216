/** @type {import('jest').Config} */

// ESM-only packages: jose 6, and content-disposition 3 (@fastify/static). Node loads them natively
// (the built service needs no transform), but Jest's require(esm) needs Node's experimental VM
// modules (`--experimental-vm-modules` on every jest run), so tests compile them to CommonJS.
const esm = ['jose', 'content-disposition'];

const ts = {
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    [`^.+/node_modules/(${esm.join('|')})/.+\\.js$`]: [
      'ts-jest',
      {
        tsconfig: { allowJs: true, isolatedModules: true, module: 'commonjs', target: 'es2022' },
      },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esm.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    // The k6 scripts (load/k6) run in jest on a Node stand-in of the k6 API.
    '^k6(/.*)?$': '<rootDir>/test/support/k6-shim.ts',
    // The SDK (client/src) is ESM and imports its own files as `./x.js`, as browsers need.
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testEnvironment: 'node',
};

module.exports = {
  // Integration and e2e hooks boot real servers on a shared 2-core machine: 5 s is too short.
  // (A `testTimeout` inside a project entry is ignored by jest; it must be top-level.)
  testTimeout: 60_000,
  projects: [
    {
      ...ts,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/src/**/*.spec.ts',
        '<rootDir>/test/unit/**/*.spec.ts',
        '<rootDir>/load/**/*.spec.ts',
        '<rootDir>/client/src/**/*.spec.ts',
      ],
    },
    {
      ...ts,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
    {
      ...ts,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts', '<rootDir>/client/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
    {
      ...ts,
      // Headless Chromium (playwright-core) against built nodes; test/support/browser.ts.
      displayName: 'browser',
      testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
  ],
};
