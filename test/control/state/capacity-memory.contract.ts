import type { LaunchTimeouts } from '../../../core/launch-hold';
import { OfferingAvailability, unavailableAfter, type UnavailableOffering } from '../../../core/offerings';
import { instanceType } from '../../core/fixtures';
import type { StateStore } from '../../../control/state/state-store';

const NOW = 1_800_000_000_000;

const capacity = (instanceType: string, zone: string, at = NOW): UnavailableOffering =>
  unavailableAfter({ instanceType, zone, capacityType: 'on-demand', reason: 'insufficient-capacity', vcpus: 2 }, at);

/** The capacity memory (refused offerings, launch timeouts), held to the same rules by every store. */
export function describeCapacityMemoryContract(name: string, fresh: () => Promise<StateStore>): void {
  describe(`capacity memory contract: ${name}`, () => {
    it('starts empty', async () => {
      const s = await fresh();
      expect(await s.capacityMemory()).toEqual({ unavailable: [] });
    });

    it('keeps one entry per type, zone and capacity type: a later refusal replaces the earlier one, others stay', async () => {
      const s = await fresh();
      const vcpu = unavailableAfter({ instanceType: 'm5.4xlarge', zone: 'us-east-1a', capacityType: 'on-demand', reason: 'vcpu-limit', vcpus: 16 }, NOW);
      await s.rememberUnavailable([capacity('m5.large', 'us-east-1a'), capacity('m5.large', 'us-east-1b'), vcpu]);
      await s.rememberUnavailable([capacity('m5.large', 'us-east-1a', NOW + 60_000)]);
      const { unavailable } = await s.capacityMemory();
      const byUntil = (a: UnavailableOffering, b: UnavailableOffering) => a.until - b.until || (a.kind < b.kind ? -1 : 1);
      expect([...unavailable].sort(byUntil)).toEqual([capacity('m5.large', 'us-east-1b'), vcpu, capacity('m5.large', 'us-east-1a', NOW + 60_000)].sort(byUntil));
    });

    it('keeps a tighter vCPU limit when a larger launch is refused after it, so the tighter one still holds', async () => {
      const s = await fresh();
      const limit = (vcpus: number, at: number) => unavailableAfter({ instanceType: 'm5.4xlarge', zone: 'us-east-1a', capacityType: 'on-demand', reason: 'vcpu-limit', vcpus }, at);
      await s.rememberUnavailable([limit(8, NOW)]);
      await s.rememberUnavailable([limit(32, NOW + 1_000)]);
      const { unavailable } = await s.capacityMemory();
      expect(unavailable.filter((u) => u.kind === 'vcpu-limit').map((u) => (u.kind === 'vcpu-limit' ? u.vcpus : 0)).sort((a, b) => a - b)).toEqual([8, 32]);
      const availability = new OfferingAvailability(unavailable, NOW + 2_000);
      expect(availability.whyNot(instanceType('m5.2xlarge'), 'us-east-1b')).toMatch(/refused a 8-vCPU launch/);
    });

    it('takes entries refused together in one pass, the same offering twice counting once', async () => {
      const s = await fresh();
      await s.rememberUnavailable([capacity('c5.large', 'us-east-1a'), capacity('c5.large', 'us-east-1a', NOW + 1)]);
      expect((await s.capacityMemory()).unavailable).toEqual([capacity('c5.large', 'us-east-1a', NOW + 1)]);
      await s.rememberUnavailable([]);
      expect((await s.capacityMemory()).unavailable).toHaveLength(1);
    });

    it('stores, replaces and clears the launch-timeout count beside the offerings', async () => {
      const s = await fresh();
      const t: LaunchTimeouts = { nodeIds: ['i-1', 'i-2'], lastLaunchedAt: NOW - 60_000, lastTimedOutAt: NOW };
      await s.rememberUnavailable([capacity('m5.large', 'us-east-1a')]);
      await s.putLaunchTimeouts(t);
      expect(await s.capacityMemory()).toEqual({ unavailable: [capacity('m5.large', 'us-east-1a')], launchTimeouts: t });
      await s.putLaunchTimeouts({ ...t, nodeIds: ['i-1', 'i-2', 'i-3'] });
      expect((await s.capacityMemory()).launchTimeouts?.nodeIds).toEqual(['i-1', 'i-2', 'i-3']);
      await s.putLaunchTimeouts(undefined);
      expect(await s.capacityMemory()).toEqual({ unavailable: [capacity('m5.large', 'us-east-1a')] });
    });

    it('leaves the snapshot and the fleet alone', async () => {
      const s = await fresh();
      await s.rememberUnavailable([capacity('m5.large', 'us-east-1a')]);
      await s.putLaunchTimeouts({ nodeIds: ['i-1'], lastLaunchedAt: NOW, lastTimedOutAt: NOW });
      expect(await s.listNodes()).toEqual([]);
      const snap = await s.snapshot();
      expect(snap.nodes).toEqual([]);
      expect(snap.unavailable).toBeUndefined();
    });
  });
}
