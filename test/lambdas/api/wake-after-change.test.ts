import { ROUTES } from '../../../contract/routes';
import type { PassWaker } from '../../../control/pass-waker';
import type { ApiEvent, ApiHandler } from '../../../lambdas/api/respond';
import { wakeAfterChange } from '../../../lambdas/api/wake-after-change';

const NOW = 1_800_000_000_000;
const clock = { now: () => NOW };

function harness(status: number, fail?: Error) {
  const asked: Array<[number, number]> = [];
  const warnings: Array<[string, unknown]> = [];
  const waker: PassWaker = {
    wakeAt: async (at, now) => {
      asked.push([at, now]);
      if (fail) throw fail;
      return 'sent';
    },
  };
  const inner: ApiHandler = async () => ({ statusCode: status, body: '{}' });
  const log = { info: () => undefined, warn: (m: string, e?: unknown) => void warnings.push([m, e]), error: () => undefined };
  const handler = wakeAfterChange(inner, waker, clock, log as never);
  const call = (routeKey: string) => handler({ routeKey } as ApiEvent);
  return { asked, warnings, call };
}

describe('wakeAfterChange', () => {
  it.each([ROUTES.submitJob, ROUTES.putJob, ROUTES.stopJob, ROUTES.scaleJob, ROUTES.rollbackJob])('asks for a pass now after a successful $key', async (route) => {
    const h = harness(202);
    await h.call(route.key);
    expect(h.asked).toEqual([[NOW, NOW]]);
  });

  it.each([ROUTES.listJobs, ROUTES.getJob, ROUTES.listVersions, ROUTES.listNodes, ROUTES.getReport, ROUTES.heartbeat])('asks nothing after $key, which changes no job (a heartbeat reaches the scheduler through the Nodes stream)', async (route) => {
    const h = harness(200);
    await h.call(route.key);
    expect(h.asked).toEqual([]);
  });

  it('asks nothing when the change was refused', async () => {
    for (const status of [400, 404, 409, 500]) {
      const h = harness(status);
      await h.call(ROUTES.putJob.key);
      expect({ status, asked: h.asked }).toEqual({ status, asked: [] });
    }
  });

  it("answers with the handler's answer when the wake fails, and logs it: the change is stored and waits for the next pass", async () => {
    const h = harness(200, new Error('AccessDenied'));
    const result = await h.call(ROUTES.scaleJob.key);
    expect(result.statusCode).toBe(200);
    expect(h.warnings).toEqual([['could not wake the scheduler; the change waits for the next pass', { route: ROUTES.scaleJob.key, error: 'AccessDenied' }]]);
  });
});
