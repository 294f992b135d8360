import { heartbeatAnswerSchema, heartbeatBodySchema } from '../../contract/heartbeat';
import { jobSpecSchema } from '../../contract/job-spec';
import { ALLOWED_CAPABILITIES, EXPOSE_HOST, EXPOSE_PATH } from '../../contract/service-spec';

const WEB = {
  name: 'web',
  image: 'stowage/busybox:local',
  command: ['httpd'],
  cpu: 250,
  memoryMiB: 64,
  count: 3,
  ports: [
    { name: 'http', containerPort: 8080, protocol: 'tcp' },
    { name: 'admin', containerPort: 9090, protocol: 'tcp' },
  ],
  expose: { port: 'http', path: '/web/*', host: '*.Example.com' },
  healthCheck: { command: ['wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:9090/healthz'] },
  capabilities: ['CHOWN', 'SETUID', 'SETGID'],
};

describe('service fields of the job schema', () => {
  it('fill in the health timing and stop grace, fold the host to lower case, and parse to themselves', () => {
    const parsed = jobSpecSchema.parse(WEB);
    expect(parsed.healthCheck).toEqual({ command: WEB.healthCheck.command, intervalSeconds: 10, timeoutSeconds: 5, retries: 3, startPeriodSeconds: 0 });
    expect(parsed.stopGraceSeconds).toBe(30);
    expect(parsed.expose?.host).toBe('*.example.com');
    // Spread depends on kind and count, so the API fills it, not the schema.
    expect(parsed.spread).toBeUndefined();
    expect(jobSpecSchema.parse(parsed)).toEqual(parsed);
  });

  it.each([['/'], ['/web/*'], ['/a/b.c_d~e-f/?'], ['/' + 'a'.repeat(127)]])('accepts the path pattern %s', (p) => expect(EXPOSE_PATH.test(p)).toBe(true));
  it.each([['web'], [''], ['/web/$x'], ['/web/%20'], ["/it's"], ['/web x'], ['/' + 'a'.repeat(128)]])('refuses the path pattern %j', (p) => expect(EXPOSE_PATH.test(p)).toBe(false));
  it.each([['web.example.com'], ['*.example.com'], ['localhost'], ['a-b.c0']])('accepts the host %s', (h) => expect(EXPOSE_HOST.test(h)).toBe(true));
  it.each([['*'], ['*.'], ['a..b'], ['-a.com'], ['a-.com'], ['a*.com'], ['web.*.com'], ['a'.repeat(64) + '.com'], [`${'a.'.repeat(127)}a`]])('refuses the host %j', (h) => expect(EXPOSE_HOST.test(h)).toBe(false));

  it('offers no capability that reaches past the container', () => {
    for (const c of ['SYS_ADMIN', 'NET_ADMIN', 'NET_RAW', 'SYS_PTRACE', 'SYS_MODULE', 'MKNOD', 'SETPCAP', 'SETFCAP', 'ALL']) expect(ALLOWED_CAPABILITIES).not.toContain(c);
  });
});

describe('service fields of the heartbeat', () => {
  it('a report with an address, endpoints and health parses to itself', () => {
    const beat = {
      instanceType: 'm5.large',
      zone: 'us-east-1a',
      labels: {},
      capacity: { cpu: 2000, memoryMiB: 8192 },
      usage: { cpu: 0, memoryMiB: 0 },
      pricePerHour: 0.096,
      address: '10.0.1.17',
      containers: [{ taskId: 'job-1.0', generation: 1, state: 'running', endpoints: [{ port: 'http', containerPort: 8080, hostPort: 32768 }], health: 'healthy' }],
    };
    expect(heartbeatBodySchema.parse(beat)).toEqual(beat);
  });

  it('an answer carries each copy\'s ports, health check, stop grace, CPU cap and capabilities', () => {
    const task = {
      id: 'job-1.0',
      jobId: 'job-1',
      slot: 0,
      generation: 1,
      status: 'ASSIGNED',
      resources: { cpu: 250, memoryMiB: 64 },
      image: 'stowage/busybox:local',
      command: ['httpd'],
      env: {},
      ports: [{ name: 'http', containerPort: 8080, protocol: 'tcp' }],
      healthCheck: { tcp: { port: 'http' }, intervalSeconds: 10, timeoutSeconds: 5, retries: 3, startPeriodSeconds: 0 },
      stopGraceSeconds: 30,
      cpuLimit: 500,
      capabilities: ['CHOWN'],
    };
    expect(heartbeatAnswerSchema.parse({ nodeId: 'i-0123456789abcdef0', tasks: [task] }).tasks[0]).toEqual(task);
  });
});
