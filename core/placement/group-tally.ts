import type { Bin } from './bin';

/**
 * Copies of each task group (a job's name: what a Kubernetes label selector or a Nomad
 * task group counts) per node and per zone. The peers' placement reads it: Nomad's job
 * anti-affinity and kube-scheduler's topology spread both score a node by the copies of
 * the pod's group it (or its zone) already holds. A simulation that may be abandoned
 * packs against a `fork()`.
 */
export class GroupTally {
  private readonly byNode = new Map<string, Map<string, number>>();
  private readonly byZone = new Map<string, Map<string, number>>();

  onNode(nodeId: string, group: string): number {
    return this.byNode.get(nodeId)?.get(group) ?? 0;
  }

  inZone(zone: string, group: string): number {
    return this.byZone.get(zone)?.get(group) ?? 0;
  }

  /** One more (or, with -1, one fewer) copy of `group` on `bin`. */
  record(bin: Pick<Bin, 'id' | 'zone'>, group: string, delta = 1): void {
    bump(this.byNode, bin.id, group, delta);
    bump(this.byZone, bin.zone, group, delta);
  }

  fork(): GroupTally {
    const copy = new GroupTally();
    for (const [k, m] of this.byNode) copy.byNode.set(k, new Map(m));
    for (const [k, m] of this.byZone) copy.byZone.set(k, new Map(m));
    return copy;
  }
}

function bump(map: Map<string, Map<string, number>>, key: string, group: string, delta: number): void {
  let m = map.get(key);
  if (!m) {
    m = new Map();
    map.set(key, m);
  }
  m.set(group, (m.get(group) ?? 0) + delta);
}
