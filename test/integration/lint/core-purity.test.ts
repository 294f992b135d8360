import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ESLint, type Linter } from 'eslint';

const ROOT = path.resolve(__dirname, '../../..');
const PURITY_RULES = new Set([
  '@typescript-eslint/no-restricted-imports',
  'no-restricted-globals',
  'no-restricted-properties',
  'no-restricted-syntax',
]);

// Each snippet uses what it imports, so outside core it lints clean under every rule.
const FORBIDDEN: ReadonlyArray<readonly [string, string]> = [
  ['the AWS SDK', "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nexport const C = DynamoDBClient;\n"],
  ['an AWS SDK type', "import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nexport type C = DynamoDBClient;\n"],
  ['aws-cdk-lib', "import * as cdk from 'aws-cdk-lib';\nexport const app = cdk;\n"],
  ['an aws-cdk-lib submodule', "import { Bucket } from 'aws-cdk-lib/aws-s3';\nexport const B = Bucket;\n"],
  ['constructs', "import { Construct } from 'constructs';\nexport const C = Construct;\n"],
  ['dockerode', "import Docker from 'dockerode';\nexport const D = Docker;\n"],
  ['fs', "import { readFileSync } from 'fs';\nexport const read = readFileSync;\n"],
  ['node:fs', "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n"],
  ['node:path', "import * as path from 'node:path';\nexport const join = path.join;\n"],
  ['child_process', "import { execSync } from 'child_process';\nexport const run = execSync;\n"],
  ['process.env', 'export const region = process.env.AWS_REGION;\n'],
  ['any other use of process', 'export const args = process.argv;\n'],
  ['globalThis.process', 'export const env = globalThis.process;\n'],
  ['Date.now()', 'export const now = Date.now();\n'],
  ['new Date() with no arguments', 'export const today = new Date();\n'],
  ['Date() called as a function', 'export const today = Date();\n'],
  ['performance.now()', 'export const t = performance.now();\n'],
  ['Math.random()', 'export const r = Math.random();\n'],
  ['crypto.randomUUID()', 'export const id = crypto.randomUUID();\n'],
  ['dynamic import()', "export const load = () => import('./elsewhere');\n"],
];

// What core may do: explicit instants, parsing, a local named `process`.
const ALLOWED_IN_CORE = `
export const at = (ms: number): Date => new Date(ms);
export const parsed = Date.parse('2024-01-01T00:00:00Z');
export function step(process: { id: string }): string {
  return process.id;
}
export const rounded = Math.round(2.5);
`;

describe('core purity lint rule', () => {
  let eslint: ESLint;

  beforeAll(() => {
    // Loaded with require and passed in, rather than found by ESLint, because ESLint
    // loads config files with import(), which Jest's module sandbox does not support.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const config = require(path.join(ROOT, 'eslint.config.js')) as Linter.Config[];
    eslint = new ESLint({ cwd: ROOT, overrideConfigFile: true, overrideConfig: config });
  });

  async function lint(code: string, file: string): Promise<Linter.LintMessage[]> {
    const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file), warnIgnored: true });
    return result.messages;
  }

  it.each(FORBIDDEN)('reports %s in core', async (_what, code) => {
    const messages = await lint(code, 'core/probe.ts');
    const purity = messages.filter((m) => m.ruleId !== null && PURITY_RULES.has(m.ruleId));
    expect(purity).toHaveLength(1);
    expect(purity[0].message).toContain('core is pure');
  });

  it.each(FORBIDDEN)('allows %s outside core (lambdas/)', async (_what, code) => {
    expect(await lint(code, 'lambdas/probe.ts')).toEqual([]);
  });

  it('applies in nested core folders too', async () => {
    const messages = await lint('export const now = Date.now();\n', 'core/placement/probe.ts');
    expect(messages.map((m) => m.ruleId)).toEqual(['no-restricted-properties']);
  });

  it('leaves tests of core free to use the clock', async () => {
    expect(await lint('export const now = Date.now();\n', 'core/placement/probe.test.ts')).toEqual([]);
  });

  it('does not flag explicit instants, Date.parse or a local named process', async () => {
    expect(await lint(ALLOWED_IN_CORE, 'core/probe.ts')).toEqual([]);
  });

  it('is what `eslint .` finds from the repo root (config discovery, not just the object)', () => {
    const run = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/eslint/bin/eslint.js'), '--stdin', '--stdin-filename', 'core/probe.ts'], {
      cwd: ROOT,
      input: 'export const now = Date.now();\n',
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('no-restricted-properties');
  });
});
