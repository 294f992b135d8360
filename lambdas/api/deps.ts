import type { Logger } from '@aws-lambda-powertools/logger';
import type { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Clock } from '../../control/clock';

/**
 * What every API handler is given. Narrow picks of Powertools' types, so tests pass a
 * silent logger and a recording metrics object instead of the real ones.
 */
export interface Observability {
  readonly log: Pick<Logger, 'info' | 'warn' | 'error'>;
  readonly metrics: ApiMetrics;
}

/** The part of Powertools' Metrics the handlers use (its methods return the Metrics; nobody chains). */
export interface ApiMetrics {
  addMetric(name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number): unknown;
  publishStoredMetrics(): unknown;
}

/**
 * A handler's dependencies, with the store cut to the role of the state port it uses
 * (control/state/state-store.ts), so a test fakes only that and the handler cannot
 * reach the scheduler's writes.
 */
export interface ApiDeps<Store> extends Observability {
  readonly store: Store;
  readonly clock: Clock;
}
