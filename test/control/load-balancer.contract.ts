import { LoadBalancerError } from '../../control/load-balancer-errors';
import { type LoadBalancer, type LoadBalancerTarget, type TargetChange, type TargetPlace } from '../../control/load-balancer';

/** One implementation under test, fresh and empty, with targets it can route to. */
export interface LoadBalancerUnderTest {
  readonly lb: LoadBalancer;
  /** The n-th distinct target this implementation accepts (a real listener locally, an instance on AWS). */
  target(taskId: string, n: number): LoadBalancerTarget;
  teardown?(): Promise<void>;
}

/**
 * The LoadBalancer contract: one suite, run against every implementation (the in-memory
 * fake, haproxy for real, the ALB adapter over a modelled ELB), so none drifts from the
 * port's promises. It checks what is registered and routed, not how.
 */
export function describeLoadBalancerContract(name: string, setup: () => Promise<LoadBalancerUnderTest>): void {
  describe(`LoadBalancer contract: ${name}`, () => {
    let under: LoadBalancerUnderTest;
    let lb: LoadBalancer;
    beforeEach(async () => {
      under = await setup();
      lb = under.lb;
    });
    afterEach(async () => {
      await under.teardown?.();
    });

    const web = { jobId: 'job-web', jobName: 'web', rule: { port: 'http', path: '/web/*' } };
    const api = { jobId: 'job-api', jobName: 'api', rule: { port: 'http', path: '/api/*', host: 'api.example.com' } };
    /** Places only: what every adapter can report (an ALB knows no task ids). */
    const places = (ts: readonly TargetPlace[]) => ts.map(({ nodeId, port }) => ({ nodeId, port })).sort((a, b) => `${a.nodeId}|${a.port}`.localeCompare(`${b.nodeId}|${b.port}`));
    const change = (c: TargetChange) => ({ registered: places(c.registered), deregistered: places(c.deregistered) });
    const refusal = async (p: Promise<unknown>): Promise<LoadBalancerError> => {
      const err = await p.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(LoadBalancerError);
      return err as LoadBalancerError;
    };

    it('exposes a service at a URL that ends with the rule\'s path, and lists it', async () => {
      const { url } = await lb.ensureService(web);
      expect(url).toMatch(/^https?:\/\/[^/]+\/web\/$/);
      expect(await lb.urlOf('job-web')).toBe(url);
      expect((await lb.services()).map((s) => s.jobId)).toEqual(['job-web']);
    });

    it('gives a host rule\'s service a URL at that host, with the load balancer\'s scheme and port', async () => {
      const { url } = await lb.ensureService({ jobId: 'job-api', jobName: 'api', rule: { port: 'http', path: '/v1/*', host: 'api.example.com' } });
      expect(url).toMatch(/^https?:\/\/api\.example\.com(:\d+)?\/v1\/$/);
      expect(await lb.urlOf('job-api')).toBe(url);
    });

    it('ensures a service idempotently: the same call twice keeps one service and its targets', async () => {
      await lb.ensureService(web);
      await lb.setTargets('job-web', [under.target('web.0', 0)]);
      await lb.ensureService(web);
      expect(await lb.services()).toHaveLength(1);
      expect(places(await lb.targets('job-web'))).toEqual(places([under.target('web.0', 0)]));
    });

    it('refuses a rule another job holds, naming the owner, without retry', async () => {
      await lb.ensureService(web);
      const err = await refusal(lb.ensureService({ jobId: 'job-copy', jobName: 'copy', rule: { port: 'http', path: '/web/*' } }));
      expect(err.retriable).toBe(false);
      expect(err.ownerJobName).toBe('web');
      expect(err.ownerJobId).toBe('job-web');
      expect(err.message).toMatch(/"web"/);
      expect((await lb.services()).map((s) => s.jobId)).toEqual(['job-web']);
    });

    it('tells rules apart by host as well as path', async () => {
      await lb.ensureService(api);
      await lb.ensureService({ jobId: 'job-api2', jobName: 'api2', rule: { port: 'http', path: '/api/*', host: 'other.example.com' } });
      expect((await lb.services()).map((s) => s.jobId).sort()).toEqual(['job-api', 'job-api2']);
    });

    it('moves a job to a changed rule and frees the old one', async () => {
      await lb.ensureService(web);
      await lb.ensureService({ ...web, rule: { port: 'http', path: '/site/*' } });
      expect(await lb.urlOf('job-web')).toMatch(/\/site\/$/);
      await lb.ensureService({ jobId: 'job-new', jobName: 'new', rule: { port: 'http', path: '/web/*' } });
    });

    it.each([
      ['a path without a leading slash', { port: 'http', path: 'web/*' }, /rule\.path/],
      ['a path with a space', { port: 'http', path: '/we b' }, /rule\.path/],
      ['a host with a quote', { port: 'http', host: 'a"b.example.com' }, /rule\.host/],
      ['neither path nor host', { port: 'http' }, /neither path nor host/],
    ])('refuses %s, naming the field', async (_what, rule, pattern) => {
      const err = await refusal(lb.ensureService({ jobId: 'job-bad', jobName: 'bad', rule }));
      expect(err.retriable).toBe(false);
      expect(err.message).toMatch(pattern);
    });

    it('makes the registered targets exactly those asked for, and says what changed', async () => {
      await lb.ensureService(web);
      const [a, b] = [under.target('web.0', 0), under.target('web.1', 1)];
      const first = await lb.setTargets('job-web', [a, b]);
      expect(first.registered).toEqual([a, b]);
      expect(first.deregistered).toEqual([]);
      expect(places(await lb.targets('job-web'))).toEqual(places([a, b]));
      expect(change(await lb.setTargets('job-web', [a, b]))).toEqual({ registered: [], deregistered: [] });
      expect(change(await lb.setTargets('job-web', [a]))).toEqual({ registered: [], deregistered: places([b]) });
      expect(places(await lb.targets('job-web'))).toEqual(places([a]));
      expect(change(await lb.setTargets('job-web', []))).toEqual({ registered: [], deregistered: places([a]) });
      expect(await lb.targets('job-web')).toEqual([]);
    });

    it('treats a task at a new place as a new registration of it', async () => {
      await lb.ensureService(web);
      const before = under.target('web.0', 0);
      const after = { ...under.target('web.0', 1), taskId: 'web.0' };
      await lb.setTargets('job-web', [before]);
      expect(change(await lb.setTargets('job-web', [after]))).toEqual({ registered: places([after]), deregistered: places([before]) });
      expect(places(await lb.targets('job-web'))).toEqual(places([after]));
    });

    it('keeps each job\'s targets apart', async () => {
      await lb.ensureService(web);
      await lb.ensureService(api);
      await lb.setTargets('job-web', [under.target('web.0', 0)]);
      await lb.setTargets('job-api', [under.target('api.0', 1)]);
      await lb.setTargets('job-web', []);
      expect(places(await lb.targets('job-api'))).toEqual(places([under.target('api.0', 1)]));
    });

    it('reports each target\'s health as one the port names', async () => {
      await lb.ensureService(web);
      await lb.setTargets('job-web', [under.target('web.0', 0)]);
      const [t] = await lb.targets('job-web');
      expect(['initial', 'healthy', 'unhealthy', 'draining', 'unused', 'unknown']).toContain(t.health);
    });

    it('refuses targets for a job with no service, and malformed targets, without retry', async () => {
      expect((await refusal(lb.setTargets('job-none', [under.target('x.0', 0)]))).retriable).toBe(false);
      await lb.ensureService(web);
      const t = under.target('web.0', 0);
      expect((await refusal(lb.setTargets('job-web', [t, t]))).message).toMatch(/appears twice/);
      expect((await refusal(lb.setTargets('job-web', [t, { ...t, taskId: 'web.1' }]))).message).toMatch(/as another target is/);
      expect((await refusal(lb.setTargets('job-web', [{ ...t, port: 0 }]))).message).toMatch(/\[0\]\.port/);
      expect(await lb.targets('job-web')).toEqual([]);
    });

    it('removes a service with its targets, frees its rule, and removing it again succeeds', async () => {
      await lb.ensureService(web);
      await lb.setTargets('job-web', [under.target('web.0', 0)]);
      await lb.removeService('job-web');
      expect(await lb.targets('job-web')).toEqual([]);
      expect(await lb.urlOf('job-web')).toBeUndefined();
      expect(await lb.services()).toEqual([]);
      await lb.removeService('job-web');
      await lb.ensureService({ jobId: 'job-next', jobName: 'next', rule: { port: 'http', path: '/web/*' } });
    });

    it('knows nothing of a job never exposed', async () => {
      expect(await lb.targets('job-never')).toEqual([]);
      expect(await lb.urlOf('job-never')).toBeUndefined();
    });

    it('states a deregistration delay to wait out before stopping a copy', () => {
      expect(lb.deregistrationDelaySeconds).toBeGreaterThanOrEqual(0);
    });
  });
}
