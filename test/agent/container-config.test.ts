import { cpuShares, createOptions, endpointsOf, portsOfLabel, validateSpec, LABELS } from '../../agent/container-config';
import type { ContainerSpec } from '../../core/agent/container';

const SPEC: ContainerSpec = {
  taskId: 'job-1.0',
  jobId: 'job-1',
  generation: 3,
  image: 'stowage/busybox:local',
  command: ['httpd', '-f', '-p', '8080'],
  env: {},
  resources: { cpu: 250, memoryMiB: 64 },
};
const WEB = { ...SPEC, ports: [{ name: 'web', containerPort: 8080, protocol: 'tcp' as const }, { name: 'admin', containerPort: 9090, protocol: 'tcp' as const }] };
const TIMING = { intervalSeconds: 5, timeoutSeconds: 2, retries: 3, startPeriodSeconds: 10 };

describe('container create options', () => {
  it('gives CPU shares in proportion to the request and no hard quota without cpuLimit', () => {
    const o = createOptions(SPEC, 'n1', '0.0.0.0');
    expect(o.HostConfig?.CpuShares).toBe(256);
    expect(o.HostConfig).not.toHaveProperty('NanoCpus');
    expect(createOptions({ ...SPEC, cpuLimit: 1500 }, 'n1', '0.0.0.0').HostConfig?.NanoCpus).toBe(1_500_000_000);
    expect([cpuShares(1000), cpuShares(2000), cpuShares(1), cpuShares(0)]).toEqual([1024, 2048, 2, 2]);
  });

  it('drops every capability but NET_BIND_SERVICE and those the job lists', () => {
    expect(createOptions(SPEC, 'n1', '0.0.0.0').HostConfig).toMatchObject({ CapDrop: ['ALL'], CapAdd: ['NET_BIND_SERVICE'], SecurityOpt: ['no-new-privileges'], Privileged: false });
    expect(createOptions({ ...SPEC, capabilities: ['NET_ADMIN', 'NET_BIND_SERVICE'] }, 'n1', '0.0.0.0').HostConfig?.CapAdd).toEqual(['NET_BIND_SERVICE', 'NET_ADMIN']);
  });

  it('publishes each port on an engine-picked host port at the bind address, and labels the names', () => {
    const o = createOptions(WEB, 'n1', '127.0.0.1');
    expect(o.ExposedPorts).toEqual({ '8080/tcp': {}, '9090/tcp': {} });
    expect(o.HostConfig?.PortBindings).toEqual({ '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }], '9090/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
    expect([...portsOfLabel(o.Labels?.[LABELS.ports])]).toEqual([['web', 8080], ['admin', 9090]]);
  });

  it('makes a command check Docker\'s exec-form Healthcheck in nanoseconds, never CMD-SHELL', () => {
    const o = createOptions({ ...SPEC, healthCheck: { command: ['sh', '-c', 'test -f /tmp/ok; $(id)'], ...TIMING } }, 'n1', '0.0.0.0');
    expect(o.Healthcheck).toEqual({ Test: ['CMD', 'sh', '-c', 'test -f /tmp/ok; $(id)'], Interval: 5e9, Timeout: 2e9, Retries: 3, StartPeriod: 10e9 });
    expect(o.Labels).not.toHaveProperty(LABELS.healthCheck);
  });

  it('switches off the image\'s own HEALTHCHECK when the agent probes, and labels the check', () => {
    const hc = { http: { port: 'web', path: '/index.html' }, ...TIMING };
    const o = createOptions({ ...WEB, healthCheck: hc, stopGraceSeconds: 45 }, 'n1', '0.0.0.0');
    expect(o.Healthcheck).toEqual({ Test: ['NONE'] });
    expect(JSON.parse(o.Labels?.[LABELS.healthCheck] ?? '')).toEqual(hc);
    expect(o.Labels?.[LABELS.stopGrace]).toBe('45');
    expect(createOptions(SPEC, 'n1', '0.0.0.0')).not.toHaveProperty('Healthcheck');
  });
});

describe('validateSpec', () => {
  it.each([
    ['a health port that is not one of the job\'s', { ...WEB, healthCheck: { tcp: { port: 'nope' }, ...TIMING } }, /healthCheck port "nope"/],
    ['an http path that could add a header', { ...WEB, healthCheck: { http: { port: 'web', path: '/x HTTP/1.1\r\nHost: evil' }, ...TIMING } }, /healthCheck\.http\.path/],
    ['a health command with NUL', { ...SPEC, healthCheck: { command: ['true\0'], ...TIMING } }, /NUL/],
    ['zero retries', { ...SPEC, healthCheck: { command: ['true'], ...TIMING, retries: 0 } }, /healthCheck\.retries/],
    ['capability ALL', { ...SPEC, capabilities: ['ALL'] }, /capability "ALL"/],
    ['a capability that is not a name', { ...SPEC, capabilities: ['NET_ADMIN --privileged'] }, /capability/],
    ['duplicate ports', { ...SPEC, ports: [{ name: 'a', containerPort: 80, protocol: 'tcp' as const }, { name: 'b', containerPort: 80, protocol: 'tcp' as const }] }, /ports\[1\]/],
  ])('refuses %s, naming the field', (_what, spec, message) => {
    expect(() => validateSpec(spec as ContainerSpec)).toThrow(message);
  });

  it('accepts a full service spec', () => {
    expect(() => validateSpec({ ...WEB, healthCheck: { http: { port: 'web', path: '/health?x=1' }, ...TIMING }, cpuLimit: 500, capabilities: ['NET_ADMIN'], stopGraceSeconds: 0 })).not.toThrow();
  });
});

describe('endpointsOf', () => {
  it('reads the host port of each named port, the first binding when the engine binds IPv4 and IPv6', () => {
    const names = new Map([['web', 8080], ['admin', 9090]]);
    const bound = { '8080/tcp': [{ HostIp: '0.0.0.0', HostPort: '32768' }, { HostIp: '::', HostPort: '32768' }], '9090/tcp': null };
    expect(endpointsOf(names, bound)).toEqual([{ port: 'web', containerPort: 8080, hostPort: 32768 }]);
    expect(endpointsOf(names, undefined)).toEqual([]);
  });
});
