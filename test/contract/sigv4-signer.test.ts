import { regionOfApiUrl, signingTargetOf, sigV4Signer } from '../../contract/sigv4-signer';

describe('sigV4Signer', () => {
  const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session-token' };
  const now = () => new Date(Date.UTC(2026, 10, 27, 9, 30, 0));
  const req = (body: string) => ({
    method: 'PUT',
    url: 'https://abc123.execute-api.us-east-1.amazonaws.com/nodes/i-0123456789abcdef0/heartbeat',
    headers: { 'content-type': 'application/json' },
    body,
  });

  it('signs for execute-api in the region with the instance credentials, scoped to the day', async () => {
    const headers = await sigV4Signer({ region: 'us-east-1', credentials, now })(req('{}'));
    expect(headers['x-amz-date']).toBe('20261127T093000Z');
    expect(headers['x-amz-security-token']).toBe('session-token');
    expect(headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261127\/us-east-1\/execute-api\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/);
    expect(headers.host).toBeUndefined();
  });

  it('signs for lambda when told to, as a function URL with IAM auth asks', async () => {
    const headers = await sigV4Signer({ region: 'eu-west-1', service: 'lambda', credentials, now })({ ...req('{}'), url: 'https://abcdefghij0123456789.lambda-url.eu-west-1.on.aws/nodes/i-0123456789abcdef0/heartbeat' });
    expect(headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261127\/eu-west-1\/lambda\/aws4_request, /);
  });

  it('is deterministic for the same request and instant, and covers the body', async () => {
    const sign = sigV4Signer({ region: 'us-east-1', credentials, now });
    const a = await sign(req('{"a":1}'));
    const b = await sign(req('{"a":1}'));
    const c = await sign(req('{"a":2}'));
    expect(a.authorization).toBe(b.authorization);
    expect(a.authorization).not.toBe(c.authorization);
  });
});

describe('regionOfApiUrl', () => {
  it('reads the region of an API Gateway URL and nothing else', () => {
    expect(regionOfApiUrl('https://abc123.execute-api.eu-west-2.amazonaws.com/')).toBe('eu-west-2');
    expect(regionOfApiUrl('http://127.0.0.1:8080')).toBeUndefined();
    expect(regionOfApiUrl('https://example.com/execute-api.us-east-1.amazonaws.com')).toBeUndefined();
  });
});

describe('signingTargetOf', () => {
  it('names the service and region of an API Gateway URL and of a function URL, and nothing for other hosts', () => {
    expect(signingTargetOf('https://abc123.execute-api.eu-west-2.amazonaws.com/')).toEqual({ region: 'eu-west-2', service: 'execute-api' });
    expect(signingTargetOf('https://abcdefghij0123456789.lambda-url.ap-southeast-2.on.aws/')).toEqual({ region: 'ap-southeast-2', service: 'lambda' });
    expect(signingTargetOf('http://127.0.0.1:8080')).toBeUndefined();
    expect(signingTargetOf('https://evil.example.com/x.lambda-url.us-east-1.on.aws')).toBeUndefined();
  });
});
