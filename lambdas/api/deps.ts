import type { Logger } from '@aws-lambda-powertools/logger';
import type { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Clock } from '../../control/clock';
import type { StateStore } from '../../control/state/state-store';

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

export interface ApiDeps extends Observability {
  readonly store: StateStore;
  readonly clock: Clock;
}
