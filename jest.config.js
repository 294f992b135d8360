/** Jest runs the TypeScript sources through ts-jest; type errors are caught by `npm run typecheck`, so ts-jest only transpiles (isolatedModules in tsconfig) to keep the suite fast. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  testTimeout: 60000,
};
