import type { Heartbeat } from '../../../control/state/node-report';
import type { NodeItem } from '../../../lambdas/adapters/node-item';
import { steadyBeat, USAGE_REFRESH_MS } from '../../../lambdas/adapters/steady-beat';

const T = 1_800_000_000_000;
const NODE: NodeItem & { usageAt: number } = {
  id: 'n1',
  instanceType: 'm5.large',
  zone: 'us-east-1a',
  labels: { team: 'a' },
  capCpu: 2000,
  capMem: 8192,
  allocCpu: 500,
  allocMem: 1024,
  usageCpu: 1000,
  usageMem: 4000,
  state: 'ACTIVE',
  launchedAt: T - 3_600_000,
  lastHeartbeatAt: T - 5_000,
  pricePerHour: 0.096,
  address: '10.0.0.1',
  usageAt: T - 5_000,
};
const HB: Heartbeat = { nodeId: 'n1', instanceType: 'm5.large', zone: 'us-east-1a', labels: { team: 'a' }, capacity: { cpu: 2000, memoryMiB: 8192 }, usage: { cpu: 1050, memoryMiB: 4000 }, pricePerHour: 0.096, address: '10.0.0.1', containers: [] };

describe('steadyBeat', () => {
  it('drops a report of a steady node whose liveness and usage are recent and whose usage moved by at most 10 %', () => {
    expect(steadyBeat(NODE, HB, T, 20_000)).toBe(true);
    expect(steadyBeat({ ...NODE, state: 'DRAINING' }, HB, T, 20_000)).toBe(true);
    // Labels compared by content, not key order.
    expect(steadyBeat({ ...NODE, labels: { b: '2', a: '1' } }, { ...HB, labels: { a: '1', b: '2' } }, T, 20_000)).toBe(true);
  });

  it('writes every report when no refresh period is set', () => {
    expect(steadyBeat(NODE, HB, T, 0)).toBe(false);
  });

  it('writes when liveness or usage is due, or usage moved by more than 10 %', () => {
    expect(steadyBeat({ ...NODE, lastHeartbeatAt: T - 20_000 }, HB, T, 20_000)).toBe(false);
    expect(steadyBeat({ ...NODE, usageAt: T - USAGE_REFRESH_MS }, HB, T, 20_000)).toBe(false);
    expect(steadyBeat(NODE, { ...HB, usage: { cpu: 1101, memoryMiB: 4000 } }, T, 20_000)).toBe(false);
    expect(steadyBeat(NODE, { ...HB, usage: { cpu: 1000, memoryMiB: 3500 } }, T, 20_000)).toBe(false);
    expect(steadyBeat({ ...NODE, usageCpu: undefined }, HB, T, 20_000)).toBe(false);
  });

  it('writes when anything the scheduler decides on differs, or the node is not steady', () => {
    for (const node of [{ ...NODE, state: 'LOST' as const }, { ...NODE, state: 'LAUNCHING' as const }, { ...NODE, capCpu: 4000 }, { ...NODE, labels: {} }, { ...NODE, address: '10.0.0.2' }, { ...NODE, pricePerHour: 0.1 }, { ...NODE, zone: 'us-east-1b' }]) {
      expect(steadyBeat(node, HB, T, 20_000)).toBe(false);
    }
    // An agent that reports no address keeps the stored one: not a change.
    expect(steadyBeat(NODE, { ...HB, address: undefined }, T, 20_000)).toBe(true);
  });
});
