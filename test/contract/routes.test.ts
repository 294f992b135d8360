import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { ROUTE_SHAPES } from '../../contract/route-shapes';
import { HANDLER_MODULES, matchPath, ROUTE_LIST, ROUTES, routePath } from '../../contract/routes';

const ROOT = path.join(__dirname, '../..');

describe('the route table', () => {
  it.each(ROUTE_LIST.map((r) => [r.key, r] as const))('%s: its key is its method and path, and it has a shape', (_key, r) => {
    expect(r.key).toBe(`${r.method} ${r.path}`);
    expect(ROUTE_SHAPES).toHaveProperty([r.key]);
    expect([200, 202]).toContain(ROUTE_SHAPES[r.key as keyof typeof ROUTE_SHAPES].status);
  });

  it.each(ROUTE_LIST.map((r) => [r.key, r] as const))('%s: its handler module exists in lambdas/api and lambdas/handlers', (_key, r) => {
    expect(existsSync(path.join(ROOT, 'lambdas/api', `${r.handler}.ts`))).toBe(true);
    expect(existsSync(path.join(ROOT, 'lambdas/handlers', `${r.handler}.ts`))).toBe(true);
  });

  it('names each route once, shapes no route it does not list, and leaves no handler module idle', () => {
    const keys = ROUTE_LIST.map((r) => r.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(Object.keys(ROUTE_SHAPES).sort()).toEqual([...keys].sort());
    expect(new Set(ROUTE_LIST.map((r) => r.handler))).toEqual(new Set(HANDLER_MODULES));
  });

  it('lets a node call only its heartbeat; every other route is a user route', () => {
    expect(ROUTE_LIST.filter((r) => r.caller === 'node')).toEqual([ROUTES.heartbeat]);
  });

  it('holds the twelve routes of the design', () => {
    expect(ROUTE_LIST.map((r) => r.key)).toEqual([
      'POST /jobs',
      'PUT /jobs/{id}',
      'GET /jobs',
      'GET /jobs/{id}',
      'DELETE /jobs/{id}',
      'GET /jobs/{id}/versions',
      'POST /jobs/{id}/scale',
      'POST /jobs/{id}/rollback',
      'GET /nodes',
      'GET /report',
      'PUT /nodes/{id}/heartbeat',
      'GET /jobs/{id}/logs',
    ]);
  });
});

describe('matchPath', () => {
  it('matches literal paths exactly', () => {
    expect(matchPath(ROUTES.listJobs, '/jobs')).toEqual({});
    expect(matchPath(ROUTES.listJobs, '/jobs/')).toBeUndefined();
    expect(matchPath(ROUTES.listJobs, '/jobsx')).toBeUndefined();
    expect(matchPath(ROUTES.listNodes, '/nodes/x')).toBeUndefined();
  });

  it('gives each parameter one non-empty segment, still %-encoded', () => {
    expect(matchPath(ROUTES.getJob, '/jobs/job-1')).toEqual({ id: 'job-1' });
    expect(matchPath(ROUTES.getJob, '/jobs/a%2Fb')).toEqual({ id: 'a%2Fb' });
    expect(matchPath(ROUTES.getJob, '/jobs/')).toBeUndefined();
    expect(matchPath(ROUTES.getJob, '/jobs/a/b')).toBeUndefined();
    expect(matchPath(ROUTES.heartbeat, '/nodes/i-1/heartbeat')).toEqual({ id: 'i-1' });
    expect(matchPath(ROUTES.heartbeat, '/nodes//heartbeat')).toBeUndefined();
  });
});

describe('routePath', () => {
  it('fills parameters, encoding each so any value stays one segment', () => {
    expect(routePath(ROUTES.listJobs)).toBe('/jobs');
    expect(routePath(ROUTES.stopJob, { id: 'job-0123456789abcdef0123' })).toBe('/jobs/job-0123456789abcdef0123');
    expect(routePath(ROUTES.heartbeat, { id: 'node/1' })).toBe('/nodes/node%2F1/heartbeat');
    expect(routePath(ROUTES.getJob, { id: '../..' })).toBe('/jobs/..%2F..');
  });

  it('refuses a missing parameter by name', () => {
    expect(() => routePath(ROUTES.getJob)).toThrow('GET /jobs/{id} needs the path parameter id');
  });

  it('is undone by matchPath', () => {
    const id = 'i-0123456789abcdef0';
    expect(matchPath(ROUTES.heartbeat, routePath(ROUTES.heartbeat, { id }))).toEqual({ id });
  });
});
