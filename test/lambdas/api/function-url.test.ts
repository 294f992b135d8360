import { ROUTES } from '../../../contract/routes';
import { createHandler, iamInstanceIdentity } from '../../../lambdas/api/heartbeat';
import { viaFunctionUrl } from '../../../lambdas/api/function-url';
import type { ApiEvent } from '../../../lambdas/api/respond';
import { apiEvent, instanceArn, json, lambdaContext, testDeps } from './events';

const NODE = 'i-0123456789abcdef0';
const NOW = 1_800_000_000_000;
const BEAT = { instanceType: 'm5.large', zone: 'us-east-1a', labels: {}, capacity: { cpu: 2000, memoryMiB: 8192 }, usage: { cpu: 0, memoryMiB: 0 }, pricePerHour: 0.096, containers: [] };

/** What a function URL sends: API Gateway's v2 shape with routeKey `$default` and no path parameters (Lambda developer guide, function URL payloads). */
function urlEvent(method: string, rawPath: string, body: unknown, userArn = instanceArn(NODE)): ApiEvent {
  const e = apiEvent(method, rawPath, { body, userArn });
  return { ...e, routeKey: '$default', rawPath, pathParameters: undefined, requestContext: { ...e.requestContext, routeKey: '$default', domainName: 'abc.lambda-url.us-east-1.on.aws', http: { ...e.requestContext.http, method, path: rawPath } } };
}

function setup() {
  const deps = testDeps(NOW);
  const handler = viaFunctionUrl(ROUTES.heartbeat, deps, createHandler({ ...deps, identify: iamInstanceIdentity() }));
  return { deps, handler };
}

describe('the heartbeat route through a function URL', () => {
  it('takes the node id from the raw path and records the report as through API Gateway', async () => {
    const { deps, handler } = setup();
    const res = await handler(urlEvent('PUT', `/nodes/${NODE}/heartbeat`, BEAT), lambdaContext());
    expect(res.statusCode).toBe(200);
    expect(json(res)).toEqual({ nodeId: NODE, tasks: [] });
    expect((await deps.store.listNodes()).map((n) => n.id)).toEqual([NODE]);
  });

  it("still checks the caller against the path's node", async () => {
    const { handler } = setup();
    const res = await handler(urlEvent('PUT', `/nodes/${NODE}/heartbeat`, BEAT, instanceArn('i-0fedcba9876543210')), lambdaContext());
    expect(res.statusCode).toBe(403);
  });

  it('answers 404 naming the one route it serves for any other method or path', async () => {
    const { deps, handler } = setup();
    for (const [method, path] of [['GET', `/nodes/${NODE}/heartbeat`], ['PUT', '/jobs'], ['PUT', `/nodes/${NODE}/heartbeat/extra`], ['PUT', '/nodes//heartbeat']]) {
      const res = await handler(urlEvent(method, path, BEAT), lambdaContext());
      expect(res.statusCode).toBe(404);
      expect(json(res).error).toMatchObject({ code: 'no-route', message: expect.stringContaining('PUT /nodes/{id}/heartbeat') });
    }
    expect(await deps.store.listNodes()).toEqual([]);
  });

  it("passes API Gateway's events through unchanged", async () => {
    const { handler } = setup();
    const res = await handler(apiEvent('PUT', '/nodes/{id}/heartbeat', { pathParameters: { id: NODE }, body: BEAT, userArn: instanceArn(NODE) }), lambdaContext());
    expect(res.statusCode).toBe(200);
  });
});
