import { ROUTE_LIST } from '../../contract/routes';
import type { Clock } from '../../control/clock';
import type { PassWaker } from '../../control/pass-waker';
import type { Observability } from './deps';
import type { ApiHandler } from './respond';

/** Route keys whose successful call asks for a scheduler pass (contract/routes.ts `wakesScheduler`). */
const WAKING: ReadonlySet<string> = new Set(ROUTE_LIST.filter((r) => r.wakesScheduler).map((r) => r.key));

/**
 * A handler that, after a call that changed what the scheduler must decide answered
 * with success, asks for a pass now. The answer is the handler's whatever the wake does:
 * the change is stored, and a failed wake only leaves it for the next node write or the
 * one-minute schedule, so it is logged, not returned.
 */
export function wakeAfterChange(handler: ApiHandler, waker: PassWaker, clock: Clock, log: Observability['log']): ApiHandler {
  return async (event, context) => {
    const result = await handler(event, context);
    const status = result.statusCode ?? 200;
    if (status < 300 && WAKING.has(event.routeKey)) {
      const now = clock.now();
      await waker.wakeAt(now, now).catch((err: unknown) => log.warn('could not wake the scheduler; the change waits for the next pass', { route: event.routeKey, error: err instanceof Error ? err.message : String(err) }));
    }
    return result;
  };
}
