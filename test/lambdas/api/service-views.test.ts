import { heartbeatAnswerSchema } from '../../../contract/heartbeat';
import { jobResponseSchema } from '../../../contract/job-view';
import type { Job, Task } from '../../../core/model';
import type { Plan } from '../../../core/pass/plan-types';
import { DEFAULT_SERVICE_RESTART } from '../../../core/policy';
import { createHandler as heartbeatHandler, iamInstanceIdentity } from '../../../lambdas/api/heartbeat';
import { createHandler as jobsHandler } from '../../../lambdas/api/jobs';
import { apiEvent, instanceArn, json, lambdaContext, testDeps } from './events';

const NODE = 'i-0123456789abcdef0';
const NOW = 1_800_000_000_000;

const BEAT = {
  instanceType: 'm5.large',
  zone: 'us-east-1a',
  capacity: { cpu: 2000, memoryMiB: 8192 },
  usage: { cpu: 0, memoryMiB: 0 },
  pricePerHour: 0.096,
};

const WEB: Job = {
  id: 'job-00000000000000000001',
  // The events' default caller (events.ts) owns it.
  owner: 'arn:aws:iam::123456789012:user/alice',
  name: 'web',
  image: 'stowage/busybox:local',
  command: ['httpd', '-f', '-p', '8080'],
  env: {},
  resources: { cpu: 250, memoryMiB: 64 },
  count: 2,
  kind: 'service',
  restart: DEFAULT_SERVICE_RESTART,
  constraints: {},
  doNotDisrupt: false,
  ports: [{ name: 'http', containerPort: 8080, protocol: 'tcp' }],
  expose: { port: 'http', path: '/web/*' },
  healthCheck: { http: { port: 'http', path: '/' }, intervalSeconds: 5, timeoutSeconds: 2, retries: 3, startPeriodSeconds: 1 },
  stopGraceSeconds: 20,
  spread: 'node',
  cpuLimit: 1000,
  capabilities: ['CHOWN'],
  createdAt: NOW - 60_000,
};

const ENDPOINTS = [{ port: 'http', containerPort: 8080, hostPort: 32768 }];

/** WEB with slot 0 assigned to NODE at generation 1 and slot 1 still pending. */
async function setup() {
  const deps = testDeps(NOW);
  await deps.store.recordHeartbeat({ nodeId: NODE, ...BEAT, labels: {}, containers: [] }, NOW - 10_000);
  const tasks: Task[] = [0, 1].map((slot) => ({ id: `${WEB.id}.${slot}`, jobId: WEB.id, slot, generation: 0, status: 'PENDING', resources: WEB.resources, restarts: 0, createdAt: WEB.createdAt }));
  await deps.store.createJob(WEB, tasks);
  const plan: Plan = {
    now: NOW - 5_000,
    assignments: [{ taskId: `${WEB.id}.0`, jobId: WEB.id, nodeId: NODE, from: 'PENDING', generation: 1, resources: WEB.resources }],
    taskUpdates: [],
    nodeUpdates: [],
    launches: [],
    terminations: [],
    unplaced: [],
    consolidations: [],
  };
  expect((await deps.store.applyPlan(plan)).conflicts).toEqual([]);
  const hb = heartbeatHandler({ ...deps, identify: iamInstanceIdentity() });
  const beat = (body: unknown) => hb(apiEvent('PUT', '/nodes/{id}/heartbeat', { pathParameters: { id: NODE }, body, userArn: instanceArn(NODE) }), lambdaContext());
  const getJob = async () => json(await jobsHandler(deps)(apiEvent('GET', '/jobs/{id}', { pathParameters: { id: WEB.id } })));
  return { deps, beat, getJob };
}

describe('PUT /nodes/{id}/heartbeat: services', () => {
  it("tells the agent each copy's ports, health check, stop grace, CPU cap and capabilities", async () => {
    const { beat } = await setup();
    const res = await beat(BEAT);
    expect(res.statusCode).toBe(200);
    const answer = heartbeatAnswerSchema.parse(json(res));
    expect(answer.tasks).toHaveLength(1);
    expect(answer.tasks[0]).toMatchObject({
      id: `${WEB.id}.0`,
      ports: WEB.ports,
      healthCheck: WEB.healthCheck,
      stopGraceSeconds: 20,
      cpuLimit: 1000,
      capabilities: ['CHOWN'],
    });
  });

  it('leaves the service fields out for a job that has none', async () => {
    const deps = testDeps(NOW);
    const plain: Job = { ...WEB, ports: undefined, expose: undefined, healthCheck: undefined, stopGraceSeconds: undefined, cpuLimit: undefined, capabilities: undefined };
    await deps.store.recordHeartbeat({ nodeId: NODE, ...BEAT, labels: {}, containers: [] }, NOW - 10_000);
    await deps.store.createJob(plain, [{ id: `${WEB.id}.0`, jobId: WEB.id, slot: 0, generation: 0, status: 'PENDING', resources: WEB.resources, restarts: 0, createdAt: WEB.createdAt }]);
    await deps.store.applyPlan({ now: NOW, assignments: [{ taskId: `${WEB.id}.0`, jobId: WEB.id, nodeId: NODE, from: 'PENDING', generation: 1, resources: WEB.resources }], taskUpdates: [], nodeUpdates: [], launches: [], terminations: [], unplaced: [], consolidations: [] });
    const hb = heartbeatHandler({ ...deps, identify: iamInstanceIdentity() });
    const res = await hb(apiEvent('PUT', '/nodes/{id}/heartbeat', { pathParameters: { id: NODE }, body: BEAT, userArn: instanceArn(NODE) }), lambdaContext());
    const task = json(res).tasks[0];
    for (const k of ['ports', 'healthCheck', 'stopGraceSeconds', 'cpuLimit', 'capabilities']) expect(task).not.toHaveProperty(k);
  });

  it("records the node's address and each container's endpoints and health", async () => {
    const { deps, beat } = await setup();
    const res = await beat({ ...BEAT, address: '10.0.1.17', containers: [{ taskId: `${WEB.id}.0`, generation: 1, state: 'running', startedAt: NOW - 1000, endpoints: ENDPOINTS, health: 'healthy' }] });
    expect(res.statusCode).toBe(200);
    expect((await deps.store.listNodes()).find((n) => n.id === NODE)?.address).toBe('10.0.1.17');
    expect((await deps.store.getJob(WEB.id))?.tasks.find((t) => t.slot === 0)).toMatchObject({ status: 'RUNNING', endpoints: ENDPOINTS, health: 'healthy' });
  });

  it.each([
    ['an address with a space', { address: '10.0.0.1 ; rm -rf /' }, 'address'],
    ['an address with a slash', { address: 'http://x' }, 'address'],
    ['a host port of 0', { containers: [{ taskId: 't.0', generation: 1, state: 'running', endpoints: [{ port: 'http', containerPort: 80, hostPort: 0 }] }] }, 'containers[0].endpoints[0].hostPort'],
    ['a bad endpoint name', { containers: [{ taskId: 't.0', generation: 1, state: 'running', endpoints: [{ port: 'HTTP', containerPort: 80, hostPort: 1 }] }] }, 'containers[0].endpoints[0].port'],
    ['an unknown health', { containers: [{ taskId: 't.0', generation: 1, state: 'running', health: 'fine' }] }, 'containers[0].health'],
  ])('refuses %s with a 400 naming the field', async (_what, over, field) => {
    const { beat } = await setup();
    const res = await beat({ ...BEAT, ...over });
    expect(res.statusCode).toBe(400);
    expect(json(res).error.fields.map((f: { field: string }) => f.field)).toEqual([field]);
  });

  it('accepts an IPv6 address and a DNS name', async () => {
    const { beat } = await setup();
    expect((await beat({ ...BEAT, address: 'fd00::17' })).statusCode).toBe(200);
    expect((await beat({ ...BEAT, address: 'ip-10-0-1-17.ec2.internal' })).statusCode).toBe(200);
  });
});

describe('GET /jobs/{id}: services', () => {
  it("shows the job's service fields and each running copy's endpoints and health", async () => {
    const { beat, getJob } = await setup();
    await beat({ ...BEAT, containers: [{ taskId: `${WEB.id}.0`, generation: 1, state: 'running', endpoints: ENDPOINTS, health: 'starting' }] });
    const body = jobResponseSchema.parse(await getJob());
    expect(body.job).toMatchObject({ ports: WEB.ports, expose: WEB.expose, healthCheck: WEB.healthCheck, stopGraceSeconds: 20, spread: 'node', cpuLimit: 1000, capabilities: ['CHOWN'] });
    expect(body.tasks[0]).toMatchObject({ slot: 0, status: 'RUNNING', endpoints: ENDPOINTS, health: 'starting' });
    expect(body.tasks[1]).not.toHaveProperty('endpoints');
    expect(body.tasks[1]).not.toHaveProperty('health');
  });

  it("shows an exposed job's URL behind the deployment's load balancer, and none when it has no load balancer", async () => {
    const { deps } = await setup();
    const get = async (loadBalancerUrl?: string) =>
      jobResponseSchema.parse(json(await jobsHandler({ ...deps, ...(loadBalancerUrl ? { loadBalancerUrl } : {}) })(apiEvent('GET', '/jobs/{id}', { pathParameters: { id: WEB.id } })))).job;
    expect((await get('https://stowage-1.eu-west-1.elb.amazonaws.com')).url).toBe('https://stowage-1.eu-west-1.elb.amazonaws.com/web/');
    expect(await get()).not.toHaveProperty('url');
  });

  it('shows no endpoints for a copy that has ended', async () => {
    const { beat, getJob } = await setup();
    await beat({ ...BEAT, containers: [{ taskId: `${WEB.id}.0`, generation: 1, state: 'running', endpoints: ENDPOINTS, health: 'healthy' }] });
    await beat({ ...BEAT, containers: [{ taskId: `${WEB.id}.0`, generation: 1, state: 'exited', exitCode: 137 }] });
    const t = (await getJob()).tasks[0];
    expect(t.status).toBe('FAILED');
    expect(t).not.toHaveProperty('endpoints');
    expect(t).not.toHaveProperty('health');
  });
});
