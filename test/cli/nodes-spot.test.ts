import { formatNodes, reclaimNote } from '../../cli/commands/nodes';
import type { NodeView } from '../../contract/node-view';

const NOW = 1_800_000_000_000;
const node = (over: Partial<NodeView>): NodeView => ({
  id: 'i-0123456789abcdef1',
  type: 'm5.large',
  zone: 'us-east-1a',
  state: 'ACTIVE',
  labels: {},
  capacity: { cpu: 2000, memoryMiB: 8192 },
  allocated: { cpu: 500, memoryMiB: 512 },
  usage: null,
  launchedAt: NOW - 600_000,
  lastHeartbeatAt: NOW - 1_000,
  pricePerHour: 0.04,
  ...over,
});

describe('stowage nodes and Spot', () => {
  it('marks a Spot node by its type, and its state with the notice it drains for', () => {
    const out = formatNodes(
      [
        node({ id: 'i-0000000000000000a', capacityType: 'spot', state: 'DRAINING', reclaim: { notice: 'interruption', noticedAt: NOW - 30_000, deadline: NOW + 90_000 } }),
        node({ id: 'i-0000000000000000b', capacityType: 'on-demand' }),
      ],
      new Map(),
      NOW,
      200,
    );
    const [, spot, onDemand] = out.split('\n');
    expect(spot).toMatch(/^i-0000000000000000a +m5\.large spot +us-east-1a +DRAINING \(interrupted, taken back in 90s\) /);
    expect(onDemand).toMatch(/^i-0000000000000000b +m5\.large +us-east-1a +ACTIVE /);
  });

  it('says a rebalance recommendation, a passed deadline, and nothing without a notice', () => {
    expect(reclaimNote(node({ reclaim: { notice: 'rebalance', noticedAt: NOW } }), NOW)).toBe(' (rebalance recommended)');
    expect(reclaimNote(node({ reclaim: { notice: 'interruption', noticedAt: NOW - 130_000, deadline: NOW - 10_000 } }), NOW)).toBe(' (interrupted, deadline passed)');
    expect(reclaimNote(node({}), NOW)).toBe('');
  });
});
