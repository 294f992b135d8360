import { exposedUrl } from '../control/load-balancer';
import type { ExposeRule } from '../core/service';
import type { Job, Node, Reclaim, Task } from '../core/model';
import { HOLDS_RESOURCES } from '../core/model';
import type { Snapshot } from '../core/pass/snapshot';
import type { LocalEvent } from './local-cloud';

/**
 * The terminal view of `npm run local`: how to reach the API, each node with bars for
 * its allocated CPU and memory and the jobs on it, what waits and why, and recent
 * fleet events. Pure: the caller reads the store and draws the lines.
 */
export interface ViewInput {
  readonly apiUrl: string;
  /** Where haproxy serves exposed jobs; their URLs are listed under it. */
  readonly loadBalancerUrl?: string;
  readonly credentialsFile: string;
  readonly logFile: string;
  readonly snapshot: Snapshot;
  readonly events: readonly LocalEvent[];
  readonly passes: number;
  readonly now: number;
  /** Terminal width; lines are cut to it. */
  readonly width: number;
}

const BAR = 12;

export function renderView(v: ViewInput): string[] {
  const jobs = new Map<string, Job>(v.snapshot.jobs.map((j) => [j.id, j]));
  const holding = new Map<string, Task[]>();
  for (const t of v.snapshot.tasks) {
    if (t.nodeId && HOLDS_RESOURCES.has(t.status)) holding.set(t.nodeId, [...(holding.get(t.nodeId) ?? []), t]);
  }
  const lines: string[] = [];
  lines.push(`Stowage local cloud · API ${v.apiUrl} · ${v.passes} scheduler passes · Ctrl-C stops everything`);
  lines.push(`  submit: npx stowage submit -f examples/web-service.json --wait   (token in ${v.credentialsFile}; log ${v.logFile})`);
  lines.push('');
  const nodes = [...v.snapshot.nodes].filter((n) => n.state !== 'TERMINATING' || holding.has(n.id)).sort((a, b) => a.launchedAt - b.launchedAt || a.id.localeCompare(b.id));
  lines.push(`NODES (${nodes.length})`);
  if (nodes.length === 0) lines.push('  none yet');
  for (const n of nodes) {
    const tasks = holding.get(n.id) ?? [];
    const cpu = tasks.reduce((s, t) => s + t.resources.cpu, 0);
    const mem = tasks.reduce((s, t) => s + t.resources.memoryMiB, 0);
    lines.push(
      `  ${n.id.padEnd(18)} ${n.instanceType.padEnd(10)} ${n.state.padEnd(11)} cpu ${bar(cpu, n.capacity.cpu)} ${pct(cpu, n.capacity.cpu)}  mem ${bar(mem, n.capacity.memoryMiB)} ${pct(mem, n.capacity.memoryMiB)}  ${heartbeatAge(n, v.now)}`,
    );
    if (n.reclaim) lines.push(`      ${reclaimLine(n.reclaim, v.now)}`);
    if (tasks.length > 0) lines.push(`      ${summariseByJob(tasks, jobs)}`);
  }
  lines.push('');
  const exposed = v.snapshot.jobs.filter((j) => j.expose && j.stopRequestedAt === undefined);
  if (v.loadBalancerUrl && exposed.length > 0) {
    lines.push(`SERVICES (load balancer ${v.loadBalancerUrl})`);
    for (const j of exposed.sort((a, b) => a.name.localeCompare(b.name))) {
      const copies = v.snapshot.tasks.filter((t) => t.jobId === j.id && t.status === 'RUNNING');
      const healthy = copies.filter((t) => t.health === 'healthy' || t.health === 'none' || t.health === undefined).length;
      lines.push(`  ${j.name.padEnd(18)} ${serviceUrl(v.loadBalancerUrl, j.expose!)}   ${healthy}/${j.count} running and healthy`);
    }
    lines.push('');
  }
  const waiting = v.snapshot.tasks.filter((t) => t.status === 'PENDING' || t.status === 'UNSCHEDULABLE');
  lines.push(`WAITING (${waiting.length})`);
  if (waiting.length === 0) lines.push('  nothing');
  const reasons = new Map<string, number>();
  for (const t of waiting) {
    const key = `${jobs.get(t.jobId)?.name ?? t.jobId} ${t.status}${t.reason ? `: ${t.reason}` : ''}`;
    reasons.set(key, (reasons.get(key) ?? 0) + 1);
  }
  for (const [key, count] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 8)) lines.push(`  ${count} × ${key}`);
  lines.push('');
  lines.push('EVENTS');
  const recent = v.events.slice(-6);
  if (recent.length === 0) lines.push('  none yet');
  for (const e of recent) lines.push(`  ${new Date(e.at).toISOString().slice(11, 19)} ${e.text}`);
  return lines.map((l) => (l.length > v.width ? `${l.slice(0, Math.max(0, v.width - 1))}…` : l));
}

function bar(used: number, capacity: number): string {
  const filled = capacity > 0 ? Math.min(BAR, Math.round((used / capacity) * BAR)) : 0;
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}]`;
}

function pct(used: number, capacity: number): string {
  return `${capacity > 0 ? Math.round((used / capacity) * 100) : 0}%`.padStart(4);
}

function heartbeatAge(n: Node, now: number): string {
  if (n.lastHeartbeatAt === undefined) return 'no report yet';
  return `seen ${Math.max(0, Math.round((now - n.lastHeartbeatAt) / 1000))}s ago`;
}

/** "web ×3 (running 2, starting 1), batch ×1" */
function summariseByJob(tasks: readonly Task[], jobs: ReadonlyMap<string, Job>): string {
  const byJob = new Map<string, Task[]>();
  for (const t of tasks) byJob.set(t.jobId, [...(byJob.get(t.jobId) ?? []), t]);
  return [...byJob]
    .map(([jobId, ts]) => {
      const notRunning = ts.filter((t) => t.status !== 'RUNNING').length;
      return `${jobs.get(jobId)?.name ?? jobId} ×${ts.length}${notRunning > 0 ? ` (${notRunning} starting)` : ''}`;
    })
    .join(', ');
}

/**
 * The address a user opens for an exposed job, as the API shows it; a host rule's name
 * does not resolve here, so the line also says how to reach it through the local port.
 */
function serviceUrl(base: string, rule: ExposeRule): string {
  const url = exposedUrl(base, rule);
  return rule.host === undefined ? url : `${url}  (curl -H 'Host: ${rule.host}' ${exposedUrl(base, rule.path === undefined ? {} : { path: rule.path })})`;
}

/** Why a node drains when the cloud said it takes it back (`stowage local interrupt`, or EC2's notices in AWS). */
function reclaimLine(r: Reclaim, now: number): string {
  if (r.notice === 'rebalance') return 'rebalance recommended: draining';
  if (r.deadline === undefined) return 'Spot interruption: draining';
  const left = r.deadline - now;
  return left > 0 ? `Spot interruption: draining, taken back in ${Math.ceil(left / 1000)}s` : 'Spot interruption: deadline passed';
}
