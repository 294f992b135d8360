import { isServing, reachablePlace, servingPlace } from '../../core/serving';
import type { Job } from '../../core/model';
import { job, node, running } from './fixtures';

const web: Job = job('web', { ports: [{ name: 'http', containerPort: 80, protocol: 'tcp' }], expose: { port: 'http', path: '/web/*' } });
const checked: Job = { ...web, healthCheck: { http: { port: 'http', path: '/health' }, intervalSeconds: 5, timeoutSeconds: 2, retries: 3, startPeriodSeconds: 0 } };
const n1 = node('n1', 'm5.large', { address: '10.0.0.5' });
const endpoints = [{ port: 'http', containerPort: 80, hostPort: 32768 }];
const copy = running('web-0', 'web', 'n1', { endpoints });

describe('serving', () => {
  it('is a RUNNING copy of an exposed job with the exposed port published on a node with an address', () => {
    expect(servingPlace(copy, web, n1)).toEqual({ address: '10.0.0.5', endpoint: endpoints[0] });
  });

  it('takes health none, absent or healthy for a job without a check; only healthy for one with a check', () => {
    expect(isServing({ ...copy, health: 'none' }, web, n1)).toBe(true);
    expect(isServing({ ...copy, health: 'healthy' }, web, n1)).toBe(true);
    expect(isServing({ ...copy, health: 'starting' }, web, n1)).toBe(false); // an image's own HEALTHCHECK, not passed yet
    expect(isServing({ ...copy, health: 'unhealthy' }, web, n1)).toBe(false);
    expect(isServing(copy, checked, n1)).toBe(false);
    expect(isServing({ ...copy, health: 'none' }, checked, n1)).toBe(false);
    expect(isServing({ ...copy, health: 'starting' }, checked, n1)).toBe(false);
    expect(isServing({ ...copy, health: 'healthy' }, checked, n1)).toBe(true);
  });

  it('is not serving before RUNNING, once marked for stop, without the endpoint, without an address, on a lost node, or for a job not exposed', () => {
    expect(isServing({ ...copy, status: 'STARTING' }, web, n1)).toBe(false);
    expect(isServing({ ...copy, stopAt: 1 }, web, n1)).toBe(false);
    expect(isServing({ ...copy, endpoints: undefined }, web, n1)).toBe(false);
    expect(isServing({ ...copy, endpoints: [{ port: 'admin', containerPort: 81, hostPort: 32769 }] }, web, n1)).toBe(false);
    expect(isServing(copy, web, { ...n1, address: undefined })).toBe(false);
    expect(isServing(copy, web, { ...n1, state: 'LOST' })).toBe(false);
    expect(isServing(copy, web, node('n2', 'm5.large', { address: '10.0.0.6' }))).toBe(false);
    expect(isServing(copy, { ...web, expose: undefined }, n1)).toBe(false);
    expect(isServing(copy, undefined, n1)).toBe(false);
  });

  it('reachable ignores health only', () => {
    expect(reachablePlace({ ...copy, health: 'unhealthy' }, checked, n1)).toBeDefined();
    expect(reachablePlace({ ...copy, health: 'unhealthy', stopAt: 1 }, checked, n1)).toBeUndefined();
  });
});
