import { NODE_ID } from '../../contract/ids';
import type { Reclaim } from '../../core/model';

/**
 * EC2's two notices that it may take a Spot instance back, as EventBridge delivers them
 * (the SQS message body is the event itself):
 * - "EC2 Spot Instance Interruption Warning", two minutes before the instance is
 *   stopped or terminated; `detail["instance-action"]` is terminate, stop or hibernate,
 *   and hibernation begins at once, without the two minutes
 *   (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/spot-instance-termination-notices.html);
 * - "EC2 Instance Rebalance Recommendation", an elevated risk of interruption, no
 *   deadline (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/rebalance-recommendations.html).
 * The stack's rule (infra/interruptions.ts) routes only these two detail types.
 */
export const INTERRUPTION_DETAIL_TYPE = 'EC2 Spot Instance Interruption Warning';
export const REBALANCE_DETAIL_TYPE = 'EC2 Instance Rebalance Recommendation';

/** How long EC2 gives between the interruption warning and the interruption. */
export const SPOT_INTERRUPTION_WARNING_MS = 120_000;

const INSTANCE_ACTIONS = ['terminate', 'stop', 'hibernate'] as const;
type InstanceAction = (typeof INSTANCE_ACTIONS)[number];

/** A notice read from an event: which node, and the reclaim to mark it with. */
export interface ReclaimNotice {
  readonly nodeId: string;
  readonly reclaim: Reclaim;
}

/** A message that is not one of the two events, or one with a field out of shape: `field` names which. */
export class MalformedReclaimEventError extends Error {
  override readonly name = 'MalformedReclaimEventError';
  constructor(
    readonly field: string,
    rule: string,
  ) {
    super(`the reclaim event's ${field} ${rule}`);
  }
}

/**
 * The notice an event body carries. The deadline is counted from the event's `time`
 * (when EC2 issued it), not from when it arrived: a message that waited in the queue
 * leaves less time, not more. `noticedAt` is `receivedAt`. `warningMs` is EC2's two
 * minutes; only the local cloud's tests shorten it (and reclaim their node as early).
 */
export function parseReclaimEvent(body: string, receivedAt: number, warningMs: number = SPOT_INTERRUPTION_WARNING_MS): ReclaimNotice {
  let event: unknown;
  try {
    event = JSON.parse(body);
  } catch {
    throw new MalformedReclaimEventError('body', 'is not JSON');
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event)) throw new MalformedReclaimEventError('body', 'is not a JSON object');
  const e = event as Record<string, unknown>;
  if (e.source !== 'aws.ec2') throw new MalformedReclaimEventError('source', `must be "aws.ec2", got ${JSON.stringify(e.source)}`);
  const detailType = e['detail-type'];
  if (detailType !== INTERRUPTION_DETAIL_TYPE && detailType !== REBALANCE_DETAIL_TYPE) {
    throw new MalformedReclaimEventError('detail-type', `must be "${INTERRUPTION_DETAIL_TYPE}" or "${REBALANCE_DETAIL_TYPE}", got ${JSON.stringify(detailType)}`);
  }
  const issuedAt = typeof e.time === 'string' ? Date.parse(e.time) : NaN;
  if (!Number.isFinite(issuedAt)) throw new MalformedReclaimEventError('time', `must be an ISO 8601 time such as 2026-12-02T14:00:00Z, got ${JSON.stringify(e.time)}`);
  const detail = e.detail;
  if (typeof detail !== 'object' || detail === null) throw new MalformedReclaimEventError('detail', 'must be an object');
  const d = detail as Record<string, unknown>;
  const nodeId = d['instance-id'];
  if (typeof nodeId !== 'string' || !NODE_ID.test(nodeId)) throw new MalformedReclaimEventError('detail.instance-id', `must be an instance id such as i-0123456789abcdef0, got ${JSON.stringify(nodeId)}`);
  if (detailType === REBALANCE_DETAIL_TYPE) return { nodeId, reclaim: { notice: 'rebalance', noticedAt: receivedAt } };
  const action = d['instance-action'];
  if (!(INSTANCE_ACTIONS as readonly unknown[]).includes(action)) {
    throw new MalformedReclaimEventError('detail.instance-action', `must be one of ${INSTANCE_ACTIONS.join(', ')}, got ${JSON.stringify(action)}`);
  }
  const deadline = (action as InstanceAction) === 'hibernate' ? issuedAt : issuedAt + warningMs;
  return { nodeId, reclaim: { notice: 'interruption', noticedAt: receivedAt, deadline } };
}

/**
 * The event EC2 would emit for `nodeId`, in the documented shape: what the local cloud
 * puts on its queue for `stowage local interrupt`, so the handler reads the same bytes
 * as in AWS.
 */
export function reclaimEvent(o: { nodeId: string; notice: Reclaim['notice']; issuedAt: number; region?: string; account?: string; id: string }): Record<string, unknown> {
  const region = o.region ?? 'local';
  const account = o.account ?? '000000000000';
  return {
    version: '0',
    id: o.id,
    'detail-type': o.notice === 'interruption' ? INTERRUPTION_DETAIL_TYPE : REBALANCE_DETAIL_TYPE,
    source: 'aws.ec2',
    account,
    time: new Date(o.issuedAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:ec2:${region}:${account}:instance/${o.nodeId}`],
    detail: o.notice === 'interruption' ? { 'instance-id': o.nodeId, 'instance-action': 'terminate' } : { 'instance-id': o.nodeId },
  };
}
