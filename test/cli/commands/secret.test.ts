import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { putDeployedSecret } from '../../../cli/commands/secret';
import { localSecretArn, putLocalSecret } from '../../../local/secrets-file';

describe('stowage secret put', () => {
  it('with --stack, writes a SecureString under /stowage/<stack>/, replacing an older value', async () => {
    const ssm = mockClient(SSMClient);
    ssm.on(PutParameterCommand).resolves({ Version: 2 });
    expect(await putDeployedSecret(new SSMClient({ region: 'eu-west-1' }), 'Prod', 'db/password', 'v')).toBe('/stowage/Prod/db/password');
    expect(ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input)).toEqual([{ Name: '/stowage/Prod/db/password', Value: 'v', Type: 'SecureString', Overwrite: true }]);
    await expect(putDeployedSecret(new SSMClient({ region: 'eu-west-1' }), 'Prod', '../x', 'v')).rejects.toThrow(/secret name "..\/x" must be/);
    await expect(putDeployedSecret(new SSMClient({ region: 'eu-west-1' }), 'no stack', 'x', 'v')).rejects.toThrow(/--stack must be a CloudFormation stack name/);
  });

  it('locally, keeps every secret in one 0600 file, a put replacing only its own name', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'stowage-secret-put-'));
    try {
      putLocalSecret(dir, 'A', '1');
      const file = putLocalSecret(dir, 'B', '2');
      putLocalSecret(dir, 'A', '3');
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ A: '3', B: '2' });
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(localSecretArn('A')).toBe('arn:aws:ssm:local:000000000000:parameter/stowage/local/A');
      expect(() => putLocalSecret(dir, 'a b', 'x')).toThrow(/must be letters, digits/);
      expect(() => putLocalSecret(dir, 'db/..', 'x')).toThrow(/no part only dots/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
