import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { SchedulerPolicy } from '../core/policy';
import { systemClock } from '../control/clock';
import type { Fleet } from '../control/fleet';
import type { PassWaker } from '../control/pass-waker';
import type { LoadBalancer } from '../control/load-balancer';
import type { NodeCommander } from '../control/node-commander';
import type { PassLogger, PassReport } from '../control/pass/run-pass';
import type { StateStore } from '../control/state/state-store';
import { wakesScheduler } from '../lambdas/adapters/scheduler-wake-filter';
import { createHandler as schedulerHandler } from '../lambdas/handlers/scheduler';
import type { ApiHooks } from './cloud-api';
import type { EventLog } from './event-log';
import type { Piece } from './lifecycle';
import { LocalNodeCommander } from './local-fleet';
import { StreamPoller } from './stream-poller';

/**
 * The scheduler as AWS runs it: the deployed handler, woken by the Nodes stream (the
 * poller standing in for Lambda's event source mapping, with its filter) and by the tick, acting through
 * the fleet and the local SSM (`stowage-agent sync`), and at the follow-up each plan asks
 * for (the poller's timer standing in for the wake queue). Once the poller reads the stream
 * the API's wake-ups reach it; stop detaches them and ends the poller after the pass in
 * flight.
 */
export interface CloudScheduler {
  readonly passes: number;
  readonly lastPass: PassReport | undefined;
  /** Nodes stream records read, and how many the wake filter dropped (quiet heartbeats). */
  readonly streamRecords: { readonly read: number; readonly filtered: number };
  /** Asks for a pass (the local wake queue): what the interruptions function sends to. */
  readonly waker: PassWaker;
}

export interface CloudSchedulerOptions {
  readonly dynamodb: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
  readonly nodesTable: string;
  readonly store: StateStore;
  readonly fleet: Fleet;
  readonly policy: SchedulerPolicy;
  readonly stateDir: string;
  readonly repoRoot: string;
  readonly batchWindowMs: number;
  readonly tickMs: number;
  readonly hooks: ApiHooks;
  readonly log: EventLog;
  /** Where serving copies of exposed jobs are registered (haproxy). */
  readonly loadBalancer?: LoadBalancer;
  /** Wraps the local SSM (fault tests drop and duplicate commands through it). */
  readonly wrapCommander?: (inner: NodeCommander) => NodeCommander;
}

export async function startScheduler(o: CloudSchedulerOptions): Promise<Piece<CloudScheduler>> {
  const log = (level: string) => (m: string, e?: Record<string, unknown>) => o.log.line('scheduler', `${level}${m} ${JSON.stringify(e ?? {})}`);
  const logger: PassLogger = {
    info: log(''),
    warn: log('WARN '),
    error: (m, e) => {
      log('ERROR ')(m, e);
      o.log.event(`scheduler: ${m}`);
    },
  };
  const localSsm = new LocalNodeCommander({ stateDir: o.stateDir, repoRoot: o.repoRoot });
  const commander = o.wrapCommander ? o.wrapCommander(localSsm) : localSsm;
  // The handler builds its dependencies on its first call, after the poller below exists:
  // the poller's timer is the local wake queue for the plans' follow-ups.
  const scheduler = schedulerHandler(() => ({ store: o.store, commander, fleet: o.fleet, clock: systemClock, policy: o.policy, logger, waker: poller, ...(o.loadBalancer ? { loadBalancer: o.loadBalancer } : {}) }));

  let passes = 0;
  let lastPass: PassReport | undefined;
  const poller = new StreamPoller({
    dynamodb: o.dynamodb,
    streams: o.streams,
    tableName: o.nodesTable,
    batchWindowMs: o.batchWindowMs,
    tickMs: o.tickMs,
    // The deployed mapping's filter: quiet heartbeats wake no pass here either.
    filter: wakesScheduler,
    onBatch: async (batch) => {
      const report = await scheduler(batch);
      passes++;
      lastPass = report;
      for (const id of report.launched) o.log.event(`launched ${id}: work did not fit on the fleet`);
      for (const id of report.terminated) o.log.event(`terminated ${id}`);
      if (report.conflicts > 0) o.log.line('scheduler', `pass had ${report.conflicts} refused writes (another writer moved first); the next pass re-plans`);
    },
    onError: (err) => {
      o.log.line('scheduler', `ERROR pass failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      o.log.event(`scheduler pass failed: ${err instanceof Error ? err.message : String(err)}`);
    },
  });
  await poller.start();
  let detach: () => void;
  try {
    detach = o.hooks.attachScheduler(poller);
  } catch (err) {
    await poller.stop();
    throw err;
  }
  return {
    value: {
      get passes() {
        return passes;
      },
      get lastPass() {
        return lastPass;
      },
      get streamRecords() {
        return poller.records;
      },
      waker: poller,
    },
    stop: async () => {
      detach();
      await poller.stop();
    },
  };
}
