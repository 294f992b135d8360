import { LOCAL_IMAGE } from '../../local/docker-engine';
import { main, SmokeTestError } from '../../scripts/smoke-aws';
import { startE2eCloud, type E2eCloud } from '../support/e2e-cloud';

// The local cloud starts DynamoDB Local, agents and Docker containers.
jest.setTimeout(300_000);

let e2e: E2eCloud;

beforeAll(async () => {
  e2e = await startE2eCloud('smoke', { nodes: 1, instanceTypes: ['m5.large'], maxNodes: 2, minNodes: 1 });
});

afterAll(async () => {
  await e2e?.stop();
});

describe('npm run smoke:aws against the local cloud (--api-url and the local token)', () => {
  it('submits a batch job, sees it complete, reads the report, stops the job, and says what it saw', async () => {
    const lines: string[] = [];
    const result = await main(['--api-url', e2e.cloud.apiUrl, '--image', LOCAL_IMAGE, '--timeout', '120', '--interval', '0.5', '--name', 'smoke-local'], { STOWAGE_TOKEN: e2e.cloud.token }, (l) => lines.push(l));

    expect(result.firstSeen.COMPLETED).toBeDefined();
    expect(result.completedMs).toBeGreaterThanOrEqual(result.firstSeen.COMPLETED!);
    expect(result.completedMs).toBeLessThan(120_000);
    expect(result.nodeId).toMatch(/\S/);
    expect(result.nodes).toBeGreaterThanOrEqual(1);
    expect(result.report.samples).toBeGreaterThan(0);
    expect(result.stoppedMs).toBeGreaterThanOrEqual(result.completedMs);

    const job = await e2e.api('GET', `/jobs/${result.jobId}`);
    expect((job.json.job as { stopRequestedAt?: number }).stopRequestedAt).toBeDefined();
    expect(lines[0]).toBe(`API: ${e2e.cloud.apiUrl} (bearer)`);
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^submitted smoke-local as \S+ in \d+ ms$/), expect.stringMatching(/^completed after \d+\.\d s on /), expect.stringMatching(/^report: \d+ samples/), 'smoke test passed']));
    // For the report of this run.
    process.stdout.write(`smoke:aws on the local cloud:\n  ${lines.join('\n  ')}\n`);
  });

  it('fails with what it saw, and stops the job, when the job cannot complete', async () => {
    const lines: string[] = [];
    const run = main(['--api-url', e2e.cloud.apiUrl, '--image', LOCAL_IMAGE, '--timeout', '0.5', '--interval', '0.5', '--name', 'smoke-short'], { STOWAGE_TOKEN: e2e.cloud.token }, (l) => lines.push(l));
    const err = await run.catch((e: unknown) => e);
    // Half a second is less than one look and the interval: a timeout at the first look, then the clean-up.
    expect(err).toBeInstanceOf(SmokeTestError);
    expect((err as SmokeTestError).stage).toBe('run');
    expect((err as Error).message).toMatch(/did not complete within \d+ s \(0\/1 finished/);
    expect(lines.some((l) => /^stopped \S+ after/.test(l))).toBe(true);
  });
});
