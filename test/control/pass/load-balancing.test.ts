import { InMemoryLoadBalancer } from '../../../control/fakes/in-memory-load-balancer';
import { LoadBalancerError } from '../../../control/load-balancer-errors';
import { runPass } from '../../../control/pass/run-pass';
import type { Job } from '../../../core/model';
import type { ContainerReport } from '../../../control/state/node-report';
import { beat, job, NOW, setup, tasks } from './pass-fixture';

const N1 = 'i-00000000000000001';
const N2 = 'i-00000000000000002';
const web: Job = job('web', 3, { ports: [{ name: 'http', containerPort: 80, protocol: 'tcp' }], expose: { port: 'http', path: '/web/*' } });
const http = (hostPort: number) => [{ port: 'http', containerPort: 80, hostPort }];

/** Two nodes with addresses, the web job placed and its copies reported as `containers` says. */
async function running(containers: (placed: Map<string, string>) => ContainerReport[]) {
  const world = setup();
  const lb = new InMemoryLoadBalancer();
  const deps = { ...world.deps, loadBalancer: lb };
  for (const [id, address] of [[N1, '10.0.0.1'], [N2, '10.0.0.2']]) await world.store.recordHeartbeat({ ...beat(id), address }, NOW - 1000);
  await world.store.createJob(web, tasks(web));
  await runPass(deps);
  const placed = new Map((await world.store.snapshot()).tasks.map((t) => [t.id, t.nodeId!]));
  const reports = containers(placed);
  for (const id of [N1, N2]) {
    await world.store.recordHeartbeat({ ...beat(id), address: id === N1 ? '10.0.0.1' : '10.0.0.2', containers: reports.filter((c) => placed.get(c.taskId) === id) }, world.clock.t);
  }
  return { ...world, lb, deps, placed };
}

const up = (taskId: string, hostPort: number, over: Partial<ContainerReport> = {}): ContainerReport => ({ taskId, generation: 1, state: 'running', startedAt: NOW, endpoints: http(hostPort), health: 'none', ...over });

describe('runPass with a load balancer', () => {
  it('registers exactly the serving copies, at their node address and host port, under the job\'s rule', async () => {
    const { lb, deps, placed } = await running(() => [up('web.0', 32768), up('web.1', 32769, { health: 'starting' }), up('web.2', 32770, { endpoints: undefined })]);
    const report = await runPass(deps);
    expect(await lb.services()).toEqual([{ jobId: 'web', jobName: 'web', rule: { port: 'http', path: '/web/*' } }]);
    const node = placed.get('web.0')!;
    expect((await lb.targets('web')).map(({ taskId, nodeId, address, port }) => ({ taskId, nodeId, address, port }))).toEqual([
      { taskId: 'web.0', nodeId: node, address: node === N1 ? '10.0.0.1' : '10.0.0.2', port: 32768 },
    ]);
    expect(report.loadBalancing).toMatchObject({ converged: ['web'], registered: 1, failed: [] });
  });

  it('deregisters a stopped job\'s copy in the pass that marks it, stops it after the delay, and then removes the service', async () => {
    const { lb, deps, store, clock, commander } = await running(() => [up('web.0', 32768), up('web.1', 32769), up('web.2', 32770)]);
    await runPass(deps);
    expect(await lb.targets('web')).toHaveLength(3);
    commander.calls.length = 0;

    await store.requestStop('web', clock.t);
    const marking = await runPass(deps);
    expect(await lb.targets('web')).toEqual([]);
    expect(marking.loadBalancing).toMatchObject({ deregistered: 3, removed: [] });
    expect((await store.snapshot()).tasks.every((t) => t.status === 'RUNNING' && t.stopAt === NOW + 15_000)).toBe(true);
    // Still serving in-flight requests: no node is told to stop anything yet, and the service stays.
    expect(commander.calls).toEqual([]);
    expect((await lb.services()).map((s) => s.jobId)).toEqual(['web']);

    clock.t = NOW + 15_000;
    const stopping = await runPass(deps);
    expect((await store.snapshot()).tasks.map((t) => t.status)).toEqual(['STOPPED', 'STOPPED', 'STOPPED']);
    expect(stopping.loadBalancing?.removed).toEqual(['web']);
    expect(await lb.services()).toEqual([]);
    expect(commander.calls.flat().length).toBeGreaterThan(0);
  });

  it('takes out a copy that turns unhealthy in the same pass that marks it', async () => {
    const { lb, deps, store, clock, placed } = await running(() => [up('web.0', 32768), up('web.1', 32769), up('web.2', 32770)]);
    await runPass(deps);
    const node = placed.get('web.1')!;
    await store.recordHeartbeat({ ...beat(node), address: node === N1 ? '10.0.0.1' : '10.0.0.2', containers: [up('web.1', 32769, { health: 'unhealthy' })] }, clock.t);
    await runPass(deps);
    expect((await lb.targets('web')).map((t) => t.taskId).sort()).toEqual(['web.0', 'web.2']);
    expect((await store.snapshot()).tasks.find((t) => t.id === 'web.1')).toMatchObject({ status: 'RUNNING', stopAt: NOW + 15_000 });
  });

  it('logs a LoadBalancerError, completes the pass, and converges on the next', async () => {
    const { lb, deps, logs } = await running(() => [up('web.0', 32768)]);
    lb.failNext.push(new LoadBalancerError('throttled', { operation: 'ensureService', jobId: 'web', retriable: true }));
    const report = await runPass(deps);
    expect(report.loadBalancing).toMatchObject({ failed: ['web'], converged: [] });
    expect(logs).toContainEqual(expect.objectContaining({ level: 'warn', message: expect.stringContaining('load balancer'), extra: expect.objectContaining({ jobId: 'web', operation: 'ensureService', retriable: true }) }));
    expect(logs.some((l) => l.message === 'scheduler pass')).toBe(true);
    await runPass(deps);
    expect((await lb.targets('web')).map((t) => t.taskId)).toEqual(['web.0']);
  });

  it('gives the load balancer the http health check path when the check probes the exposed port', async () => {
    const world = setup();
    const lb = new InMemoryLoadBalancer();
    const checked = { ...web, healthCheck: { http: { port: 'http', path: '/healthz' }, intervalSeconds: 5, timeoutSeconds: 2, retries: 3, startPeriodSeconds: 0 } };
    await world.store.createJob(checked, tasks(checked));
    await runPass({ ...world.deps, loadBalancer: lb });
    expect(await lb.services()).toEqual([expect.objectContaining({ jobId: 'web', healthPath: '/healthz' })]);
  });
});
