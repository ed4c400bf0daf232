// Unit specs sit next to their source; integration and e2e suites live under test/.
// @swc/jest keeps decorator metadata (NestJS DI needs it) and is much faster than ts-jest;
// type checking is done separately by `npm run typecheck`.
const swc = ['@swc/jest', require('./swc.options')];
module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)s$': swc },
  moduleNameMapper: { '^@libs/(.*)$': '<rootDir>/libs/$1', '^src/(.*)$': '<rootDir>/src/$1' },
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  setupFiles: ['<rootDir>/test/setup/env.ts'],
  testTimeout: 60000,
  maxWorkers: 2,
};
