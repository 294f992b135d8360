import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import type Docker from 'dockerode';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DockerRuntime } from '../../agent/docker-runtime';
import { AwsSecretSource } from '../../agent/secret-aws';
import { FileSecretSource } from '../../agent/secret-file';
import type { SecretSource } from '../../agent/secret-source';
import type { ContainerSpec } from '../../core/agent/container';

const PARAM = 'arn:aws:ssm:eu-west-1:123456789012:parameter/stowage/Prod/db/password';
const SECRET = 'arn:aws:secretsmanager:us-east-2:123456789012:secret:stowage/Prod/api-key';
const VALUE = 'correct horse battery staple';

describe('AwsSecretSource', () => {
  const ssm = mockClient(SSMClient);
  const sm = mockClient(SecretsManagerClient);
  const regions: string[] = [];
  const source = () =>
    new AwsSecretSource({
      ssm: (region) => (regions.push(region), new SSMClient({ region })),
      secretsManager: (region) => (regions.push(region), new SecretsManagerClient({ region })),
    });
  beforeEach(() => {
    ssm.reset();
    sm.reset();
  });

  it('reads a parameter decrypted and a secret\'s current string, by ARN', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: VALUE } });
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'k-123' });
    expect(await source().read({ DB_PASSWORD: PARAM, API_KEY: SECRET })).toEqual({ DB_PASSWORD: VALUE, API_KEY: 'k-123' });
    expect(ssm.commandCalls(GetParameterCommand).map((c) => c.args[0].input)).toEqual([{ Name: PARAM, WithDecryption: true }]);
    expect(sm.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input)).toEqual([{ SecretId: SECRET }]);
    // Each call goes to the region its ARN names.
    expect(regions).toEqual(['eu-west-1', 'us-east-2']);
  });

  it('fails a start naming the secret and its ARN, final when it does not exist, retriable when throttled', async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
    await expect(source().read({ DB_PASSWORD: PARAM })).rejects.toMatchObject({ name: 'RuntimeError', retriable: false, message: expect.stringContaining(`secret DB_PASSWORD (${PARAM}) could not be read: ParameterNotFound`) });
    sm.on(GetSecretValueCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(source().read({ API_KEY: SECRET })).rejects.toMatchObject({ retriable: true });
    sm.reset();
    sm.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1, 2]) });
    await expect(source().read({ API_KEY: SECRET })).rejects.toThrow(/binary secret/);
  });
});

describe('FileSecretSource', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'stowage-secrets-'));
    file = path.join(dir, 'secrets.json');
    writeFileSync(file, JSON.stringify({ DB_PASSWORD: VALUE, 'db/replica': 'r' }), { mode: 0o600 });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves the local stack\'s ARNs by the path after stowage/local/', async () => {
    const s = new FileSecretSource(file, 'local');
    expect(await s.read({ A: 'arn:aws:ssm:local:000000000000:parameter/stowage/local/DB_PASSWORD', B: 'arn:aws:secretsmanager:local:000000000000:secret:stowage/local/db/replica' })).toEqual({ A: VALUE, B: 'r' });
  });

  it('refuses a missing name, another stack\'s ARN and a file others may read, never quoting a value', async () => {
    const s = new FileSecretSource(file, 'local');
    const err = await s.read({ A: 'arn:aws:ssm:local:000000000000:parameter/stowage/local/NOPE' }).catch((e: Error) => e);
    expect(err.message).toMatch(/no secret NOPE in .*secrets.json; write it with `stowage secret put NOPE`/);
    await expect(s.read({ A: PARAM })).rejects.toThrow(/under stowage\/local\//);
    chmodSync(file, 0o644);
    const open = await s.read({ A: 'arn:aws:ssm:local:000000000000:parameter/stowage/local/DB_PASSWORD' }).catch((e: Error) => e);
    expect(open.message).toMatch(/readable by others \(mode 644\); chmod 600 it/);
    for (const e of [err, open]) expect(e.message).not.toContain(VALUE);
  });
});

describe('DockerRuntime with secrets', () => {
  const SPEC: ContainerSpec = { taskId: 'job-1.0', jobId: 'job-1', generation: 0, image: 'stowage/busybox:local', command: ['env'], env: { PLAIN: '1' }, resources: { cpu: 100, memoryMiB: 32 }, secrets: { DB_PASSWORD: PARAM } };
  function fakeDocker(created: Docker.ContainerCreateOptions[]): Docker {
    return {
      getImage: () => ({ inspect: async () => ({}) }),
      createContainer: async (o: Docker.ContainerCreateOptions) => {
        created.push(o);
        return { id: 'c1', start: async () => undefined };
      },
    } as unknown as Docker;
  }

  it('adds the values to the env of the create call only', async () => {
    const created: Docker.ContainerCreateOptions[] = [];
    const secrets: SecretSource = { read: async (refs) => ({ DB_PASSWORD: refs.DB_PASSWORD === PARAM ? VALUE : 'wrong' }) };
    const runtime = new DockerRuntime({ docker: fakeDocker(created), pull: false, secrets });
    await runtime.createAndStart(SPEC, 'n1');
    expect(created[0].Env).toEqual(['PLAIN=1', `DB_PASSWORD=${VALUE}`]);
    // Neither labels nor anything else the agent reads back carry the value.
    expect(JSON.stringify(created[0].Labels)).not.toContain(VALUE);
    runtime.close();
  });

  it('refuses to start a copy with secrets on a node with no secret source', async () => {
    const created: Docker.ContainerCreateOptions[] = [];
    const runtime = new DockerRuntime({ docker: fakeDocker(created), pull: false });
    await expect(runtime.createAndStart(SPEC, 'n1')).rejects.toThrow(/the job has secrets, but this node has no secret source/);
    expect(created).toEqual([]);
    runtime.close();
  });
});
