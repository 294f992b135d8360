import type { Node } from '../../core/model';
import type { ApiDeps } from './deps';
import { route, type ApiHandler } from './respond';

export type NodesDeps = ApiDeps;

/** GET /nodes: the fleet as the store knows it. */
export function createHandler(deps: NodesDeps): ApiHandler {
  return route(deps, async () => {
    const nodes = (await deps.store.listNodes()).sort((a, b) => a.id.localeCompare(b.id)).map(nodeView);
    return { status: 200, body: { nodes } };
  });
}

function nodeView(n: Node) {
  return {
    id: n.id,
    type: n.instanceType,
    zone: n.zone,
    state: n.state,
    labels: n.labels,
    capacity: n.capacity,
    allocated: n.allocated ?? { cpu: 0, memoryMiB: 0 },
    usage: n.usage ?? null,
    launchedAt: n.launchedAt,
    lastHeartbeatAt: n.lastHeartbeatAt ?? null,
    pricePerHour: n.pricePerHour,
  };
}
