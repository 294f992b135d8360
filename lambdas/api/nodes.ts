import type { NodeView } from '../../contract/node-view';
import { ROUTES } from '../../contract/routes';
import type { FleetStateReader } from '../../control/state/state-store';
import type { Node, NodeState } from '../../core/model';
import type { ApiDeps } from './deps';
import { answer, route, type ApiHandler } from './respond';
import type { Assert, Same } from './type-checks';

/** Compile-time: the node states the API shows are exactly the scheduler's. */
export type NodeStatesInStep = Assert<Same<NodeState, NodeView['state']>>;

export type NodesDeps = ApiDeps<FleetStateReader>;

/** GET /nodes: the fleet as the store knows it. */
export function createHandler(deps: NodesDeps): ApiHandler {
  return route(deps, async () => {
    const nodes = (await deps.store.listNodes()).sort((a, b) => a.id.localeCompare(b.id)).map(nodeView);
    return answer(ROUTES.listNodes.key, { nodes });
  });
}

function nodeView(n: Node): NodeView {
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
    capacityType: n.capacityType ?? 'on-demand',
    ...(n.reclaim ? { reclaim: { notice: n.reclaim.notice, noticedAt: n.reclaim.noticedAt, ...(n.reclaim.deadline !== undefined ? { deadline: n.reclaim.deadline } : {}) } } : {}),
  };
}
