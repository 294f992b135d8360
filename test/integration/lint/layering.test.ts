import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ESLint, type Linter } from 'eslint';

const ROOT = path.resolve(__dirname, '../../..');
const RULE = 'stowage/layering';

// DESIGN.md's arrows, written out again here rather than read from the rule's table, so
// a wrong edit to the table fails this test instead of redefining what it checks.
const ARROWS: Record<string, readonly string[]> = {
  core: [],
  contract: [],
  control: ['core'],
  report: ['core'],
  sim: ['control', 'core', 'report'],
  lambdas: ['control', 'core', 'contract', 'report'],
  agent: ['control', 'core', 'contract'],
  local: ['lambdas', 'agent', 'control', 'core', 'contract'],
  cli: ['contract', 'sim', 'local', 'report', 'core'],
  infra: ['contract'],
};
const LAYERS = Object.keys(ARROWS);
const FREE = ['test', 'scripts', 'bin', 'eslint-rules'];

describe('layering lint rule', () => {
  let eslint: ESLint;

  beforeAll(() => {
    // Loaded with require and passed in, as in core-purity.test.ts: ESLint loads config
    // files with import(), which Jest's module sandbox does not support.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const config = require(path.join(ROOT, 'eslint.config.js')) as Linter.Config[];
    eslint = new ESLint({ cwd: ROOT, overrideConfigFile: true, overrideConfig: config });
  });

  async function lint(code: string, file: string): Promise<Linter.LintMessage[]> {
    const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file), warnIgnored: true });
    return result.messages;
  }

  async function layering(code: string, file: string): Promise<string[]> {
    return (await lint(code, file)).filter((m) => m.ruleId === RULE).map((m) => m.message);
  }

  const importing = (specifier: string) => `import { thing } from '${specifier}';\nexport const used = thing;\n`;

  describe('the arrow table', () => {
    // Every folder against every other: exactly the arrows pass, everything else fails
    // naming both folders.
    const pairs = LAYERS.flatMap((from) => [...LAYERS, ...FREE].filter((to) => to !== from).map((to) => [from, to] as const));

    it.each(pairs)('%s/ importing %s/ follows DESIGN.md', async (from, to) => {
      const messages = await layering(importing(`../${to}/probe`), `${from}/probe.ts`);
      if (ARROWS[from].includes(to)) expect(messages).toEqual([]);
      else expect(messages).toEqual([expect.stringContaining(`${from}/ may not import ${to}/:`)]);
    });

    it.each(LAYERS)('%s/ may import itself', async (folder) => {
      expect(await lint(importing('./sibling'), `${folder}/probe.ts`)).toEqual([]);
      expect(await lint(importing('../sibling'), `${folder}/nested/probe.ts`)).toEqual([]);
    });
  });

  describe('messages say which folders and why', () => {
    it.each([
      ['lambdas/api/probe.ts', '../../agent/sync', 'lambdas/ may not import agent/: lambdas and agent meet only through the API and the tables'],
      ['agent/probe.ts', '../lambdas/config', 'agent/ may not import lambdas/: lambdas and agent meet only through the API and the tables'],
      ['local/probe.ts', '../infra/stowage-stack', "local/ may not import infra/: local runs the deployed pieces (handlers, agent) on one machine; it reads infra's synthesised template, never infra's code"],
      ['cli/api/probe.ts', '../../agent/sigv4-signer', 'cli/ may not import agent/'],
      ['core/agent/probe.ts', '../../control/container-runtime', 'core/ may not import control/: core is the pure domain'],
      ['infra/probe.ts', '../lambdas/handlers/scheduler', "infra/ may not import lambdas/: infra deploys code it never loads: it reads contract's route table and names handler files by path"],
    ])('%s importing %s', async (file, specifier, expected) => {
      const [message] = await layering(importing(specifier), file);
      expect(message).toContain(expected);
      expect(message).toContain('DESIGN.md');
    });

    it('lists what the folder may import', async () => {
      const [message] = await layering(importing('../agent/sync'), 'lambdas/probe.ts');
      expect(message).toContain('lambdas/ may import control/, core/, contract/, report/');
    });
  });

  describe('relative paths at any depth', () => {
    it.each([
      ['lambdas/probe.ts', '../agent/sync'],
      ['lambdas/api/probe.ts', '../../agent/sync'],
      ['lambdas/adapters/deep/probe.ts', '../../../agent/docker-runtime'],
      ['lambdas/probe.ts', './../agent/sync'],
      ['lambdas/api/probe.ts', '../adapters/../../agent/sync'],
      ['lambdas/api/probe.ts', '../../agent'],
    ])('%s importing %s is reported', async (file, specifier) => {
      expect(await layering(importing(specifier), file)).toEqual([expect.stringContaining('lambdas/ may not import agent/')]);
    });

    it.each([
      ['cli/commands/probe.ts', '../../report'],
      ['cli/commands/probe.ts', '../../sim/simulator'],
      ['lambdas/api/probe.ts', '../adapters/table-schema'],
      ['core/pass/stages/probe.ts', '../../placement/packer'],
      ['core/pass/probe.ts', '..'],
      ['sim/probe.ts', '../control/pass/run-pass'],
    ])('%s importing %s is allowed', async (file, specifier) => {
      expect(await lint(importing(specifier), file)).toEqual([]);
    });
  });

  describe('every way of loading a module counts', () => {
    it.each([
      ['import type', "import type { Thing } from '../agent/sync';\nexport type Used = Thing;\n"],
      ['an inline type import', "import { type Thing } from '../agent/sync';\nexport type Used = Thing;\n"],
      ['export … from', "export { thing } from '../agent/sync';\n"],
      ['export type … from', "export type { Thing } from '../agent/sync';\n"],
      ['export * from', "export * from '../agent/sync';\n"],
      ['a side-effect import', "import '../agent/sync';\n"],
      ['dynamic import()', "export const load = () => import('../agent/sync');\n"],
      ['dynamic import() of a template literal', 'export const load = () => import(`../agent/sync`);\n'],
      ['require()', "export const sync = require('../agent/sync');\n"],
      ['import = require()', "import sync = require('../agent/sync');\nexport const used = sync;\n"],
      ['typeof import()', "export type Sync = typeof import('../agent/sync');\n"],
      ['import().T in a type', "export type Sync = import('../agent/sync').Thing;\n"],
    ])('%s', async (_form, code) => {
      expect(await layering(code, 'lambdas/probe.ts')).toEqual([expect.stringContaining('lambdas/ may not import agent/')]);
    });

    it('leaves a specifier computed at run time alone (it cannot be resolved)', async () => {
      expect(await layering("const name = '../agent/sync';\nexport const load = () => import(name);\n", 'lambdas/probe.ts')).toEqual([]);
    });
  });

  describe('tests, scripts, bin and root files are unrestricted', () => {
    it.each([
      ['test/probe.ts', '../agent/sync'],
      ['test/integration/lint/probe.ts', '../../../lambdas/config'],
      ['test/chaos/probe.ts', '../../infra/stowage-stack'],
      ['scripts/probe.ts', '../local/local-cloud'],
      ['lambdas/api/probe.test.ts', '../../agent/sync'],
      ['probe.config.ts', './agent/sync'],
    ])('%s importing %s', async (file, specifier) => {
      expect(await layering(importing(specifier), file)).toEqual([]);
    });

    it('bin/ scripts may require anything', async () => {
      expect(await lint("require('../cli/main');\n", 'bin/probe.js')).toEqual([]);
    });
  });

  describe('what is outside the table is reported, not allowed', () => {
    it('a file in a folder with no row', async () => {
      expect(await layering(importing('../core/model'), 'widgets/probe.ts')).toEqual([expect.stringContaining('widgets/ has no row in the import arrows')]);
    });

    it('an import of a folder with no row', async () => {
      expect(await layering(importing('../widgets/probe'), 'lambdas/probe.ts')).toEqual([expect.stringContaining('lambdas/ imports widgets/, a folder with no row')]);
    });

    it('an import of a file at the repository root', async () => {
      expect(await layering(importing('../package.json'), 'cli/probe.ts')).toEqual([expect.stringContaining("cli/ may not import '../package.json' at the repository root")]);
    });

    it('an import that leaves the repository', async () => {
      expect(await layering(importing('../../elsewhere/x'), 'cli/probe.ts')).toEqual([expect.stringContaining("'../../elsewhere/x' leaves the repository")]);
    });
  });

  describe('packages that belong to the layering', () => {
    it.each([
      ['@aws-sdk/client-ec2'],
      ['@aws-sdk/lib-dynamodb'],
      ['@smithy/types'],
      ['dockerode'],
      ['aws-cdk-lib'],
      ['aws-cdk-lib/aws-s3'],
      ['constructs'],
    ])('control/ may not import %s', async (specifier) => {
      const messages = await layering(importing(specifier), 'control/state/probe.ts');
      expect(messages).toEqual([expect.stringMatching(/^control\/ may not import the package '.+': control holds no AWS SDK, no Docker and no CDK/)]);
    });

    it('control/ may not import even a type from the AWS SDK', async () => {
      const code = "import type { EC2Client } from '@aws-sdk/client-ec2';\nexport type C = EC2Client;\n";
      expect(await layering(code, 'control/probe.ts')).toEqual([expect.stringContaining("control/ may not import the package '@aws-sdk/client-ec2'")]);
    });

    it.each([['zod'], ['node:events'], ['events']])('control/ may import %s', async (specifier) => {
      expect(await lint(importing(specifier), 'control/probe.ts')).toEqual([]);
    });

    it.each([['zod'], ['node:crypto'], ['crypto'], ['@smithy/signature-v4'], ['@smithy/types'], ['@aws-sdk/credential-provider-node']])(
      'contract/ may import %s',
      async (specifier) => {
        expect(await lint(importing(specifier), 'contract/probe.ts')).toEqual([]);
      },
    );

    it.each([['@aws-sdk/client-dynamodb'], ['@aws-sdk/client-ssm'], ['dockerode'], ['aws-cdk-lib'], ['constructs'], ['commander']])(
      'contract/ may not import %s',
      async (specifier) => {
        expect(await layering(importing(specifier), 'contract/probe.ts')).toEqual([expect.stringMatching(/^contract\/ may not import the package '.+': contract holds zod schemas and the request signer/)]);
      },
    );

    it('leaves the packages of the other folders to them', async () => {
      expect(await layering(importing('@aws-sdk/client-dynamodb'), 'lambdas/adapters/probe.ts')).toEqual([]);
      expect(await layering(importing('dockerode'), 'agent/probe.ts')).toEqual([]);
      expect(await layering(importing('aws-cdk-lib/aws-dynamodb'), 'infra/probe.ts')).toEqual([]);
    });
  });

  it('is what `eslint .` finds from the repo root (config discovery, not just the object)', () => {
    const run = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/eslint/bin/eslint.js'), '--stdin', '--stdin-filename', 'lambdas/api/probe.ts'], {
      cwd: ROOT,
      input: importing('../../agent/sync'),
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(RULE);
    expect(run.stdout).toContain('lambdas/ may not import agent/');
  });
});
