import { ECRClient, ECRServiceException, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { EcrRegistryAuth, ecrRegistryOf } from '../../agent/ecr-auth';
import { RegistryAuthError } from '../../agent/errors';

const ecr = mockClient(ECRClient);
const HOUR = 3_600_000;
const token = (password: string) => Buffer.from(`AWS:${password}`).toString('base64');

beforeEach(() => ecr.reset());

function auth(clock = { t: 1_800_000_000_000 }) {
  const regions: string[] = [];
  const a = new EcrRegistryAuth({
    clientFor: (region) => {
      regions.push(region);
      return new ECRClient({ region });
    },
    now: () => clock.t,
  });
  return { a, regions, clock };
}

describe('ecrRegistryOf', () => {
  it('recognises private ECR hosts, FIPS and China ones included, and nothing else', () => {
    expect(ecrRegistryOf('111122223333.dkr.ecr.us-east-1.amazonaws.com/team/web:1.4')).toEqual({ host: '111122223333.dkr.ecr.us-east-1.amazonaws.com', account: '111122223333', region: 'us-east-1' });
    expect(ecrRegistryOf('111122223333.dkr.ecr-fips.us-gov-west-1.amazonaws.com/web')?.region).toBe('us-gov-west-1');
    expect(ecrRegistryOf('111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn/web')?.region).toBe('cn-north-1');
    for (const image of ['busybox:latest', 'public.ecr.aws/docker/library/nginx:1', 'ghcr.io/org/app:2', 'stowage/busybox:local', 'evil.com/111122223333.dkr.ecr.us-east-1.amazonaws.com/x']) {
      expect(ecrRegistryOf(image)).toBeUndefined();
    }
  });
});

describe('EcrRegistryAuth', () => {
  it('answers a private ECR image with the token GetAuthorizationToken gives, decoded, for that registry', async () => {
    ecr.on(GetAuthorizationTokenCommand).resolves({ authorizationData: [{ authorizationToken: token('s3cret:with:colons'), expiresAt: new Date(1_800_000_000_000 + 12 * HOUR), proxyEndpoint: 'https://111122223333.dkr.ecr.us-east-1.amazonaws.com' }] });
    const { a, regions } = auth();
    expect(await a.credentialsFor('111122223333.dkr.ecr.us-east-1.amazonaws.com/team/web:1.4')).toEqual({
      username: 'AWS',
      password: 's3cret:with:colons',
      serveraddress: 'https://111122223333.dkr.ecr.us-east-1.amazonaws.com',
    });
    expect(regions).toEqual(['us-east-1']);
    expect(ecr.commandCalls(GetAuthorizationTokenCommand).map((c) => c.args[0].input)).toEqual([{}]);
  });

  it('pulls every other image anonymously, asking ECR nothing', async () => {
    const { a } = auth();
    expect(await a.credentialsFor('busybox:latest')).toBeUndefined();
    expect(await a.credentialsFor('public.ecr.aws/docker/library/nginx:1')).toBeUndefined();
    expect(ecr.commandCalls(GetAuthorizationTokenCommand)).toHaveLength(0);
  });

  it('keeps one token per region until half an hour before it expires, then asks again', async () => {
    ecr.on(GetAuthorizationTokenCommand).callsFake(() => ({ authorizationData: [{ authorizationToken: token(`p${ecr.commandCalls(GetAuthorizationTokenCommand).length}`), expiresAt: new Date(1_800_000_000_000 + 12 * HOUR) }] }));
    const { a, clock } = auth();
    const web = '111122223333.dkr.ecr.us-east-1.amazonaws.com/web:1';
    await a.credentialsFor(web);
    await a.credentialsFor('111122223333.dkr.ecr.us-east-1.amazonaws.com/batch:2');
    expect(ecr.commandCalls(GetAuthorizationTokenCommand)).toHaveLength(1);
    await a.credentialsFor('444455556666.dkr.ecr.eu-west-1.amazonaws.com/web:1');
    expect(ecr.commandCalls(GetAuthorizationTokenCommand)).toHaveLength(2);
    clock.t += 11.5 * HOUR;
    expect((await a.credentialsFor(web))?.password).toBe('p3');
    expect(ecr.commandCalls(GetAuthorizationTokenCommand)).toHaveLength(3);
  });

  it('fails with the code and the fix when the node role may not get a token (AccessDeniedException)', async () => {
    ecr.on(GetAuthorizationTokenCommand).rejects(
      new ECRServiceException({ name: 'AccessDeniedException', $fault: 'client', message: 'User: arn:aws:sts::111122223333:assumed-role/node/i-0 is not authorized to perform: ecr:GetAuthorizationToken', $metadata: { httpStatusCode: 400 } }),
    );
    const err = await auth().a.credentialsFor('111122223333.dkr.ecr.us-east-1.amazonaws.com/web:1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryAuthError);
    expect((err as Error).message).toMatch(/^cannot authenticate the pull of 111122223333\.dkr\.ecr\.us-east-1\.amazonaws\.com\/web:1: ECR GetAuthorizationToken in us-east-1 failed with AccessDeniedException: .* — the node role needs ecr:GetAuthorizationToken/);
  });

  it('refuses an answer without a usable token', async () => {
    ecr.on(GetAuthorizationTokenCommand).resolves({ authorizationData: [{ authorizationToken: Buffer.from('nocolon').toString('base64') }] });
    await expect(auth().a.credentialsFor('111122223333.dkr.ecr.us-east-1.amazonaws.com/web:1')).rejects.toThrow(/without a usable token/);
  });
});
