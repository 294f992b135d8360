import { formatJob } from '../../../cli/commands/status';
import type { JobResponse } from '../../../contract/job-view';

const JOB: JobResponse['job'] = {
  id: 'job-00000000000000000001',
  name: 'web',
  image: 'stowage/busybox:local',
  command: ['httpd', '-f'],
  env: {},
  cpu: 250,
  memoryMiB: 64,
  count: 2,
  kind: 'service',
  restart: { mode: 'always', initialDelayMs: 1000, maxDelayMs: 30000, resetAfterMs: 600000 },
  constraints: {},
  doNotDisrupt: false,
  createdAt: 1,
};

const task = (slot: number, over: Partial<JobResponse['tasks'][number]> = {}): JobResponse['tasks'][number] => ({ id: `${JOB.id}.${slot}`, slot, generation: 1, status: 'RUNNING', nodeId: `i-${slot}`, restarts: 0, ...over });

describe('stowage status <job>', () => {
  it("shows each copy's endpoints and health, and the job's ports, rule and check", () => {
    const out = formatJob({
      job: {
        ...JOB,
        ports: [{ name: 'http', containerPort: 8080, protocol: 'tcp' }],
        expose: { port: 'http', path: '/web/*' },
        healthCheck: { http: { port: 'http', path: '/' }, intervalSeconds: 10, timeoutSeconds: 5, retries: 3, startPeriodSeconds: 0 },
      },
      tasks: [task(0, { endpoints: [{ port: 'http', containerPort: 8080, hostPort: 32768 }], health: 'healthy' }), task(1, { status: 'PENDING', nodeId: null, reason: 'waiting for the next scheduling pass' })],
    }, 200);
    expect(out).toContain('ports http 8080/tcp\n');
    expect(out).toContain('exposed: port http at /web/*\n');
    expect(out).toContain('health check http http / every 10s, timeout 5s, 3 retries, start period 0s\n');
    const lines = out.trimEnd().split('\n');
    const header = lines.findIndex((l) => l.startsWith('slot'));
    expect(lines[header]).toMatch(/slot\s+gen\s+status\s+node\s+restarts\s+endpoints\s+health\s+reason/);
    expect(lines[header + 1]).toMatch(/0\s+1\s+RUNNING\s+i-0\s+0\s+http 8080->32768\s+healthy/);
    expect(lines[header + 2]).toMatch(/1\s+1\s+PENDING\s+-\s+0\s+-\s+-\s+waiting for the next scheduling pass/);
  });

  it('shows a command check as its argv and a host rule with its path', () => {
    const out = formatJob({
      job: { ...JOB, ports: [{ name: 'http', containerPort: 80, protocol: 'tcp' }], expose: { port: 'http', host: 'web.example.com', path: '/api/*' }, healthCheck: { command: ['wget', '-q', 'http://127.0.0.1/'], intervalSeconds: 5, timeoutSeconds: 2, retries: 2, startPeriodSeconds: 30 } },
      tasks: [task(0, { health: 'unhealthy' })],
    });
    expect(out).toContain('exposed: port http at web.example.com/api/*');
    expect(out).toContain('health check command ["wget","-q","http://127.0.0.1/"] every 5s');
    expect(out).toMatch(/RUNNING\s+i-0\s+0\s+-\s+unhealthy/);
  });

  it('keeps the table of a job without ports or checks as it was: no endpoint or health columns', () => {
    const out = formatJob({ job: { ...JOB, kind: 'batch' }, tasks: [task(0, { status: 'COMPLETED', nodeId: null, exitCode: 0 })] });
    expect(out).toMatch(/slot\s+gen\s+status\s+node\s+restarts\s+reason/);
    expect(out).not.toContain('endpoints');
    expect(out).not.toContain('ports ');
  });
});
