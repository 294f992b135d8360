import { plan } from '../../core/pass/plan';
import { localPolicy } from '../../local/local-policy';
import { job, NOW, snapshot, task, updateOf } from '../core/fixtures';

const OPTIONS = { instanceTypes: ['m5.large'], maxNodes: 3, minNodes: 0, agentIntervalSeconds: 2 };

describe('localPolicy on a machine of one architecture', () => {
  it('gives every local type the host\'s architecture, whatever the catalog says of the type', () => {
    const p = localPolicy({ ...OPTIONS, arch: 'arm64' });
    expect(p.scaleUp.instanceTypes.map((t) => [t.name, t.arch])).toEqual([['m5.large', 'arm64']]);
  });

  it('launches a local node for a job built for the host, and calls one built for another architecture unschedulable, saying why', () => {
    const p = localPolicy({ ...OPTIONS, arch: 'arm64' });
    const arm = job('arm', { constraints: { arch: 'arm64' } });
    expect(plan(snapshot({ jobs: [arm], tasks: [task('arm-0', 'arm')] }), NOW, p).launches).toHaveLength(1);
    const x86 = job('x86', { constraints: { arch: 'x86_64' } });
    const out = plan(snapshot({ jobs: [x86], tasks: [task('x86-0', 'x86')] }), NOW, p);
    expect(out.launches).toEqual([]);
    expect(updateOf(out, 'x86-0')?.reason).toMatch(/^constraint arch x86_64 matches no type the scheduler may launch \(their architectures: arm64\)/);
  });
});
