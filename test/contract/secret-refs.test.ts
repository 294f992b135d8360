import { jobSpecSchema } from '../../contract/job-spec';
import { parseSecretRef, secretKeyOf, secretScopeProblem, MAX_SECRETS } from '../../contract/secret-refs';

const PARAM = 'arn:aws:ssm:eu-west-1:123456789012:parameter/stowage/Prod/db/password';
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:stowage/Prod/api-key-AbCdEf';
const JOB = { name: 'web', image: 'nginx', command: ['nginx'], cpu: 250, memoryMiB: 64, count: 1 };

describe('secret references', () => {
  it('reads both ARN forms', () => {
    expect(parseSecretRef(PARAM)).toEqual({ service: 'ssm', region: 'eu-west-1', account: '123456789012', name: 'stowage/Prod/db/password' });
    expect(parseSecretRef(SECRET)).toEqual({ service: 'secretsmanager', region: 'eu-west-1', account: '123456789012', name: 'stowage/Prod/api-key-AbCdEf' });
    expect(parseSecretRef('arn:aws-cn:ssm:cn-north-1:123456789012:parameter/stowage/Prod/x')?.service).toBe('ssm');
    for (const bad of ['s3cr3t', 'arn:aws:ssm:eu-west-1:123:parameter/x', 'arn:aws:s3:::bucket/key', 'arn:aws:ssm:eu-west-1:123456789012:document/x', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:a b']) {
      expect(parseSecretRef(bad)).toBeUndefined();
    }
  });

  it('lets a stack read parameters under /stowage/<stack>/ and secrets named stowage/<stack>/ only, saying the rule otherwise', () => {
    expect(secretScopeProblem(PARAM, 'Prod')).toBeUndefined();
    expect(secretScopeProblem(SECRET, 'Prod')).toBeUndefined();
    expect(secretScopeProblem(PARAM, 'Staging')).toBe('names parameter /stowage/Prod/db/password, outside what this stack may read: parameters under /stowage/Staging/ only; store it as /stowage/Staging/<name>');
    expect(secretScopeProblem('arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod-db', 'Prod')).toMatch(/secrets named stowage\/Prod\/<name> only/);
    // The prefix itself names nothing; a look-alike stack is another stack.
    expect(secretScopeProblem('arn:aws:ssm:eu-west-1:123456789012:parameter/stowage/Prod/', 'Prod')).toBeDefined();
    expect(secretScopeProblem('arn:aws:ssm:eu-west-1:123456789012:parameter/stowage/Production/x', 'Prod')).toBeDefined();
    expect(secretKeyOf('arn:aws:ssm:local:000000000000:parameter/stowage/local/DB_PASSWORD', 'local')).toBe('DB_PASSWORD');
    expect(secretKeyOf(PARAM, 'local')).toBeUndefined();
  });

  it('takes secrets in a job spec by env name, at most 50, none also in env, each an ARN', () => {
    expect(jobSpecSchema.safeParse({ ...JOB, secrets: { DB_PASSWORD: PARAM, API_KEY: SECRET } }).success).toBe(true);
    const issues = (body: unknown) => {
      const r = jobSpecSchema.safeParse(body);
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(issues({ ...JOB, env: { DB_PASSWORD: 'x' }, secrets: { DB_PASSWORD: PARAM } })).toEqual(['secrets.DB_PASSWORD: is also in env; a variable comes from env or from secrets, not both: remove one']);
    expect(issues({ ...JOB, secrets: { DB_PASSWORD: 'hunter2' } })[0]).toMatch(/^secrets.DB_PASSWORD: must be an SSM parameter ARN .* the value itself never goes in a job$/);
    const badKey = jobSpecSchema.safeParse({ ...JOB, secrets: { 'db-password': PARAM } });
    expect(badKey.success).toBe(false);
    expect(JSON.stringify(badKey.error?.issues)).toMatch(/secret names are env names/);
    const many = Object.fromEntries(Array.from({ length: MAX_SECRETS + 1 }, (_, i) => [`S${i}`, PARAM]));
    expect(issues({ ...JOB, secrets: many })).toEqual([`secrets: must have at most ${MAX_SECRETS} entries`]);
  });
});
