import { plan } from '../../../core/pass/plan';
import { job, MINUTE, node, NOW, policy, running, snapshot } from '../fixtures';

describe('removing an empty node', () => {
  it('waits a pass when this pass stops its last copy: the store releases it only after node updates commit', () => {
    const stopped = job('web', { stopRequestedAt: NOW - MINUTE });
    const s = snapshot({ jobs: [stopped], tasks: [running('web.0', 'web', 'n1')], nodes: [node('n1', 'm5.large', { emptySince: NOW - 60 * MINUTE })] });
    const p = plan(s, NOW, policy({ consolidation: { emptyGraceMs: 0 } }));
    expect(p.taskUpdates).toContainEqual(expect.objectContaining({ taskId: 'web.0', to: 'STOPPED', releaseFrom: 'n1' }));
    expect(p.nodeUpdates.find((u) => u.nodeId === 'n1')?.to).toBeUndefined();
    expect(p.terminations).toEqual([]);
  });
});
