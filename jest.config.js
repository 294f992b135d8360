/**
 * Jest runs the TypeScript sources through ts-jest; type errors are caught by `npm run
 * typecheck`, so ts-jest only transpiles (isolatedModules in tsconfig) to keep the suite fast.
 *
 * Projects, so the fast loop stays fast: `npx jest --selectProjects unit` runs only
 * in-process tests (no child processes, no Docker, no DynamoDB Local, no synthesis) and
 * takes well under a minute. `npm test` runs every project.
 *   unit         test/<source folder>/…  mirrors the source tree
 *   infra        test/infra/…            CDK synthesis (esbuild bundling of every handler)
 *   integration  test/integration/<source folder>/…  real components: DynamoDB Local,
 *                Docker, child processes (the CLI, agents, ESLint)
 *   chaos        test/chaos/…            seeded fault schedules, concurrent passes on
 *                DynamoDB Local, load, fuzzing (the long versions: `npm run chaos`)
 *   e2e          test/e2e/…              the whole local cloud
 */
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
};

const UNIT_FOLDERS = ['core', 'control', 'contract', 'lambdas', 'agent', 'cli', 'local', 'sim', 'report'];

module.exports = {
  testTimeout: 60000,
  projects: [
    { ...common, displayName: 'unit', testMatch: UNIT_FOLDERS.map((f) => `<rootDir>/test/${f}/**/*.test.ts`) },
    { ...common, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
    { ...common, displayName: 'chaos', testMatch: ['<rootDir>/test/chaos/**/*.test.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
  ],
};
