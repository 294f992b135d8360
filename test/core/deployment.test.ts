import { jobAsOfVersion, pickTemplate, resolveBudgets, TEMPLATE_FIELDS, withTemplate, type VersionTemplate } from '../../core/deployment';
import type { Job } from '../../core/model';
import { job, res } from './fixtures';

const checked: Job = job('web', {
  count: 3,
  version: 2,
  latestVersion: 2,
  revision: 7,
  image: 'web:2',
  ports: [{ name: 'http', containerPort: 80, protocol: 'tcp' }],
  expose: { port: 'http', path: '/web/*' },
  healthCheck: { http: { port: 'http', path: '/health' }, intervalSeconds: 5, timeoutSeconds: 2, retries: 3, startPeriodSeconds: 0 },
  update: { maxSurge: 1, maxUnavailable: 0, minHealthySeconds: 10, progressDeadlineSeconds: 600, autoRollback: true },
  deployment: { id: 2, fromVersion: 1, toVersion: 2, status: 'RUNNING', startedAt: 1 },
});
/** Version 1 of the same job: another image and size, no ports, no expose rule, no health check. */
const v1: VersionTemplate = pickTemplate(job('web', { image: 'web:1', resources: res(500, 128) }));

describe('withTemplate', () => {
  it('takes every template field from the template', () => {
    const out = withTemplate(checked, v1);
    expect(out.image).toBe('web:1');
    expect(out.resources).toEqual(res(500, 128));
    expect(pickTemplate(out)).toEqual(v1);
  });

  it('removes a template field the template lacks rather than keeping the job\'s', () => {
    const out = withTemplate(checked, v1);
    for (const f of ['healthCheck', 'expose', 'ports'] as const) expect(f in out).toBe(false);
  });

  it('keeps the fields outside the template: identity, count, update, version, deployment, revision', () => {
    const out = withTemplate(checked, v1);
    const outside = Object.keys(checked).filter((k) => !(TEMPLATE_FIELDS as readonly string[]).includes(k));
    expect(outside).toEqual(expect.arrayContaining(['id', 'name', 'kind', 'count', 'update', 'version', 'deployment', 'revision']));
    for (const k of outside) expect(out[k as keyof Job]).toBe(checked[k as keyof Job]);
  });

  it('leaves the job it was given unchanged', () => {
    const before = structuredClone(checked);
    withTemplate(checked, v1);
    expect(checked).toEqual(before);
  });

  it('is what jobAsOfVersion answers for a kept older version, and the job itself for its target', () => {
    const withPrior: Job = { ...checked, priorVersions: { '1': v1 } };
    expect(jobAsOfVersion(withPrior, 1)).toEqual(withTemplate(withPrior, v1));
    expect(jobAsOfVersion(withPrior, 2)).toBe(withPrior);
    expect(jobAsOfVersion(withPrior, 5)).toBe(withPrior);
  });
});

describe('resolveBudgets', () => {
  it('resolves whole percentages exactly: 7 % of 100 is 7 (not 8), 29 % of 100 is 29 (not 28)', () => {
    for (const p of [7, 14, 28, 29, 56, 57]) {
      expect(resolveBudgets({ maxSurge: `${p}%`, maxUnavailable: `${p}%` }, 100)).toEqual({ surge: p, unavailable: p });
    }
  });

  it('rounds a surge up and unavailability down, and caps unavailability at the count', () => {
    expect(resolveBudgets({ maxSurge: '25%', maxUnavailable: '25%' }, 3)).toEqual({ surge: 1, unavailable: 0 });
    expect(resolveBudgets({ maxSurge: 0, maxUnavailable: 5 }, 3)).toEqual({ surge: 0, unavailable: 3 });
  });
});

describe('the capacity choice as part of a version', () => {
  it('is carried by a template, and a version without it takes it off the job (back to its kind default)', () => {
    const spot = job('crunch', { kind: 'batch', capacity: 'spot' });
    expect(TEMPLATE_FIELDS).toContain('capacity');
    expect(pickTemplate(spot).capacity).toBe('spot');
    expect('capacity' in withTemplate(spot, pickTemplate(job('crunch', { kind: 'batch' })))).toBe(false);
  });
});
