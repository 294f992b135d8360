import { canonicalJson } from '../../core/canonical-json';
import type { Heartbeat } from '../../control/state/node-report';
import type { NodeItem } from './node-item';

/** When the stored usage was last written (epoch ms): usage is refreshed at a bounded rate. */
export interface NodeBeatMarks {
  readonly usageAt?: number;
}

/** Stored usage is rewritten at least this often while a node reports. */
export const USAGE_REFRESH_MS = 60_000;
/** ...and at once when either measure moved by more than this share of what is stored. */
export const USAGE_CHANGE_RATIO = 0.1;

/**
 * True when a report may be dropped without any write: the node is steady (ACTIVE or
 * DRAINING, nothing the scheduler decides on differs from what is stored, no copy of it
 * moved — the caller checks that), its liveness was written less than `refreshMs` ago,
 * and its usage moved by at most USAGE_CHANGE_RATIO and was written less than
 * USAGE_REFRESH_MS ago. At 10,000 nodes reporting every 10 s, each write is a write
 * request unit; a read of the item costs a tenth of one (0.5 read units at a fifth of
 * the price), so the read that decides pays for itself when most reports are dropped.
 *
 * `node` may be an eventually consistent read: a stale item is older, so its liveness
 * and usage look older (a write that could have been skipped is made) or its state is
 * one the scheduler has since changed (say, LOST): then the report is dropped once more
 * and the next report, a period later, reads the change and writes.
 */
export function steadyBeat(node: NodeItem & NodeBeatMarks, hb: Heartbeat, now: number, refreshMs: number): boolean {
  if (refreshMs <= 0) return false;
  if (node.state !== 'ACTIVE' && node.state !== 'DRAINING') return false;
  const same =
    node.instanceType === hb.instanceType &&
    node.zone === hb.zone &&
    canonicalJson(node.labels ?? {}) === canonicalJson(hb.labels) &&
    node.capCpu === hb.capacity.cpu &&
    node.capMem === hb.capacity.memoryMiB &&
    node.pricePerHour === hb.pricePerHour &&
    (hb.address === undefined || node.address === hb.address) &&
    (hb.capacityType === undefined || node.capacityType === hb.capacityType);
  if (!same) return false;
  if (node.lastHeartbeatAt === undefined || now - node.lastHeartbeatAt >= refreshMs) return false;
  if (node.usageAt === undefined || now - node.usageAt >= USAGE_REFRESH_MS) return false;
  return !moved(node.usageCpu, hb.usage.cpu) && !moved(node.usageMem, hb.usage.memoryMiB);
}

function moved(stored: number | undefined, reported: number): boolean {
  if (stored === undefined) return true;
  return Math.abs(reported - stored) > USAGE_CHANGE_RATIO * Math.max(Math.abs(stored), 1);
}
