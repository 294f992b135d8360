import { DEFAULT_CATALOG } from '../../../core/catalog';
import type { Architecture } from '../../../core/model';
import { plan } from '../../../core/pass/plan';
import { assignmentOf, job, node, NOW, policy, replicas, snapshot, task, updateOf } from '../fixtures';

const ofArch = (arch: Architecture) => DEFAULT_CATALOG.filter((t) => t.arch === arch);

describe('a job that requires an architecture', () => {
  it('is placed only on a node of that architecture, whatever fits better elsewhere', () => {
    const arm = job('arm', { constraints: { arch: 'arm64' } });
    const nodes = [node('x86', 'm5.xlarge'), node('grav', 'm7g.large')];
    const p = plan(snapshot({ jobs: [arm], tasks: [task('arm-0', 'arm')], nodes }), NOW, policy());
    expect(assignmentOf(p, 'arm-0')?.nodeId).toBe('grav');
  });

  it('makes scale-up launch a type of its architecture, even when a type of the other is cheaper for the work', () => {
    const x86 = job('x86', { constraints: { arch: 'x86_64' }, count: 3 });
    const p = plan(snapshot({ jobs: [x86], tasks: replicas(x86, 3), nodes: [node('grav', 'm7g.large', { capacity: { cpu: 0, memoryMiB: 0 } })] }), NOW, policy());
    expect(p.launches.length).toBeGreaterThan(0);
    for (const l of p.launches) expect(DEFAULT_CATALOG.find((t) => t.name === l.instanceType)?.arch).toBe('x86_64');
    // The same work with no requirement goes to Graviton, cheaper per vCPU in this catalog.
    const free = job('free', { count: 3 });
    const q = plan(snapshot({ jobs: [free], tasks: replicas(free, 3) }), NOW, policy());
    for (const l of q.launches) expect(DEFAULT_CATALOG.find((t) => t.name === l.instanceType)?.arch).toBe('arm64');
  });

  it('never has a launch of the wrong architecture planned for it: with only Graviton types allowed it is UNSCHEDULABLE, naming the architecture', () => {
    const x86 = job('x86', { constraints: { arch: 'x86_64' } });
    const p = plan(snapshot({ jobs: [x86], tasks: [task('x86-0', 'x86')] }), NOW, policy({ scaleUp: { instanceTypes: ofArch('arm64') } }));
    expect(p.launches).toEqual([]);
    expect(updateOf(p, 'x86-0')).toMatchObject({ to: 'UNSCHEDULABLE' });
    expect(updateOf(p, 'x86-0')?.reason).toMatch(/^constraint arch x86_64 matches no type the scheduler may launch \(their architectures: arm64\)/);
  });

  it('waits for an existing node of its architecture rather than being called unschedulable when one could hold it', () => {
    const x86 = job('x86', { constraints: { arch: 'x86_64' } });
    const busy = node('old', 'm5.large');
    const p = plan(snapshot({ jobs: [x86], tasks: [task('x86-0', 'x86')], nodes: [busy] }), NOW, policy({ scaleUp: { instanceTypes: ofArch('arm64') } }));
    expect(assignmentOf(p, 'x86-0')?.nodeId).toBe('old');
  });

  it('keeps jobs with and without the requirement apart when it packs them onto new nodes', () => {
    const arm = job('arm', { constraints: { arch: 'arm64' }, count: 2 });
    const x86 = job('x86', { constraints: { arch: 'x86_64' }, count: 2 });
    const p = plan(snapshot({ jobs: [arm, x86], tasks: [...replicas(arm, 2), ...replicas(x86, 2)] }), NOW, policy());
    const archOf = (name: string) => DEFAULT_CATALOG.find((t) => t.name === name)?.arch;
    for (const l of p.launches) {
      const jobs = new Set(l.forTasks.map((id) => id.split('-')[0]));
      expect(jobs.size).toBe(1);
      expect(archOf(l.instanceType)).toBe(jobs.has('arm') ? 'arm64' : 'x86_64');
    }
    expect(p.launches.flatMap((l) => l.forTasks).sort()).toEqual(['arm-0', 'arm-1', 'x86-0', 'x86-1']);
  });
});

describe('the bundled catalog', () => {
  it('gives every type an architecture, Graviton families (a g after the generation) arm64', () => {
    for (const t of DEFAULT_CATALOG) {
      expect(t.arch).toBe(/^[a-z]+\d+[a-z]*g[a-z]*\./.test(t.name) ? 'arm64' : 'x86_64');
    }
  });

  it('holds the current generations of both architectures', () => {
    for (const f of ['m7g', 'c7g', 'r7g', 'm8g', 'm7i', 'c7i', 'r7i']) expect(DEFAULT_CATALOG.some((t) => t.name === `${f}.large`)).toBe(true);
    expect(DEFAULT_CATALOG.find((t) => t.name === 'm7g.large')).toEqual({ name: 'm7g.large', capacity: { cpu: 2000, memoryMiB: 8192 }, pricePerHour: 0.0816, arch: 'arm64' });
    expect(DEFAULT_CATALOG.find((t) => t.name === 'r7i.4xlarge')).toEqual({ name: 'r7i.4xlarge', capacity: { cpu: 16000, memoryMiB: 131072 }, pricePerHour: 1.0584, arch: 'x86_64' });
  });

  it('prices Graviton below its x86 peer of the same generation and shape', () => {
    for (const [g, i] of [['m7g', 'm7i'], ['c7g', 'c7i'], ['r7g', 'r7i']]) {
      const price = (n: string) => DEFAULT_CATALOG.find((t) => t.name === n)!.pricePerHour;
      expect(price(`${g}.xlarge`)).toBeLessThan(price(`${i}.xlarge`));
    }
  });

  it('names each type once', () => {
    expect(new Set(DEFAULT_CATALOG.map((t) => t.name)).size).toBe(DEFAULT_CATALOG.length);
  });
});
