/** @jest-config-loader esbuild-register */
import type { Config } from 'jest';

/** Everything that runs in Node: shared, compiler, functions, local platform, examples, editor end-to-end tests. */
const backend: Config = {
  displayName: 'node',
  testEnvironment: 'node',
  roots: ['<rootDir>/shared', '<rootDir>/statemachines', '<rootDir>/functions', '<rootDir>/local', '<rootDir>/examples', '<rootDir>/infra', '<rootDir>/frontend/e2e'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
    // ESM-only dependencies, compiled to CommonJS for jest.
    '/node_modules/@middy/.+\\.js$': '<rootDir>/local/test-support/esm-transform.cjs',
  },
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
  moduleNameMapper: { '^@shared/(.*)$': '<rootDir>/shared/src/$1' },
  setupFiles: ['<rootDir>/local/polyfills.ts', '<rootDir>/local/test-support/jest-env.ts'],
};

/** The editor's unit tests (store, schema-driven forms, clients) in jsdom. */
const frontend: Config = {
  displayName: 'editor',
  testEnvironment: 'jsdom',
  roots: ['<rootDir>/frontend/src'],
  testMatch: ['**/*.test.ts', '**/*.test.tsx'],
  transform: { '^.+\\.tsx?$': ['ts-jest', { tsconfig: '<rootDir>/frontend/tsconfig.jest.json' }] },
  moduleNameMapper: { '^@shared/(.*)$': '<rootDir>/shared/src/$1' },
  setupFiles: ['<rootDir>/frontend/test/jsdom-setup.ts'],
};

// testTimeout is a global option (jest ignores it inside a project).
const config: Config = { projects: [backend, frontend], testTimeout: 30_000 };

export default config;
