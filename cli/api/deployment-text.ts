import type { DeploymentView } from '../../contract/deployment-spec';

/**
 * A deployment in words, the same in `stowage status` and in `--wait`'s progress:
 * the target version's serving copies against the count, then what older versions
 * still have, newest first (`v2 2/3 serving, v1 1 left`).
 */
export function copiesText(d: Pick<DeploymentView, 'toVersion' | 'copies'>, count: number): string {
  const target = d.copies[String(d.toVersion)] ?? { total: 0, serving: 0 };
  const parts = [`v${d.toVersion} ${target.serving}/${count} serving`];
  // Copies placed but not serving yet are what a slow deployment waits on: say so.
  if (target.total > target.serving) parts[0] += ` (${target.total - target.serving} starting)`;
  const older = Object.entries(d.copies)
    .map(([v, c]) => ({ version: Number(v), total: c.total }))
    .filter((c) => c.version !== d.toVersion && c.total > 0)
    .sort((a, b) => b.version - a.version);
  for (const c of older) parts.push(`v${c.version} ${c.total} left`);
  return parts.join(', ');
}

/** `deployment 3 v2 → v3 RUNNING`; a first deployment has no from version. */
export function deploymentHead(d: Pick<DeploymentView, 'id' | 'fromVersion' | 'toVersion' | 'status'>): string {
  const move = d.fromVersion === undefined ? `v${d.toVersion}` : `v${d.fromVersion} → v${d.toVersion}`;
  return `deployment ${d.id} ${move} ${d.status}`;
}
