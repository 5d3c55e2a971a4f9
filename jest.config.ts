/** @jest-config-loader esbuild-register */
import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/shared', '<rootDir>/statemachines', '<rootDir>/functions', '<rootDir>/local', '<rootDir>/examples', '<rootDir>/infra'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
    // ESM-only dependencies, compiled to CommonJS for jest.
    '/node_modules/@middy/.+\\.js$': '<rootDir>/local/test-support/esm-transform.cjs',
  },
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
  moduleNameMapper: { '^@shared/(.*)$': '<rootDir>/shared/src/$1' },
  setupFiles: ['<rootDir>/local/polyfills.ts', '<rootDir>/local/test-support/jest-env.ts'],
  testTimeout: 30_000,
};

export default config;
