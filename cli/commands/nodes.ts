import type { Command } from 'commander';
import type { NodeView } from '../../contract/node-view';
import { HOLDS_RESOURCES, type TaskStatus } from '../../core/model';
import { addApiOptions, clientFromOptions, type ApiClient } from '../api/client';
import type { ApiOptions } from '../api/endpoint';
import { age, bar, printJson } from '../api/output';
import { formatTable, outputWidth, type Align } from '../format-table';

interface NodesOptions extends ApiOptions {
  readonly json?: boolean;
}

/** Jobs fetched at once to count tasks per node: a few in flight, not one per job at the same time. */
const JOB_FETCH_CONCURRENCY = 4;

/** `stowage nodes`: the fleet, with what is allocated on each node. */
export function register(program: Command): void {
  const cmd = program
    .command('nodes')
    .description('list the nodes: type (and "spot" for Spot instances), zone, state with any reclaim notice, CPU and memory allocated, tasks, last heartbeat')
    .option('--json', "print the API's JSON answer (GET /nodes) instead of a table");
  addApiOptions(cmd).action(async (options: NodesOptions) => {
    const client = await clientFromOptions(options);
    const res = await client.call('listNodes');
    if (options.json) return printJson(res);
    if (res.nodes.length === 0) {
      process.stdout.write('no nodes yet; the scheduler launches them when a job needs room\n');
      return;
    }
    process.stdout.write(formatNodes(res.nodes, await tasksPerNode(client), Date.now()));
  });
}

export function formatNodes(nodes: readonly NodeView[], tasks: ReadonlyMap<string, number>, now: number, width: number = outputWidth()): string {
  const headers = ['id', 'type', 'zone', 'state', 'cpu alloc/cap', 'mem alloc/cap', 'tasks', 'heartbeat'];
  const align: Align[] = ['left', 'left', 'left', 'left', 'right', 'right', 'right', 'right'];
  const rows = (barWidth: number) =>
    nodes.map((n) => [
      n.id,
      // Spot is the exception worth a glance; on-demand, the default, adds no width.
      n.capacityType === 'spot' ? `${n.type} spot` : n.type,
      n.zone,
      `${n.state}${reclaimNote(n, now)}`,
      `${n.allocated.cpu}/${n.capacity.cpu}m${barWidth > 0 ? ` ${bar(n.allocated.cpu, n.capacity.cpu, barWidth)}` : ''}`,
      `${n.allocated.memoryMiB}/${n.capacity.memoryMiB} MiB`,
      String(tasks.get(n.id) ?? 0),
      n.lastHeartbeatAt === null ? 'never' : `${age(now - n.lastHeartbeatAt)} ago`,
    ]);
  // The CPU bar is a glance, not a figure: it shrinks, then goes, before any figure wraps.
  const fits = (barWidth: number) => widestLine(formatTable(headers, rows(barWidth), align, Number.MAX_SAFE_INTEGER)) <= width;
  const barWidth = [10, 5].find(fits) ?? 0;
  return formatTable(headers, rows(barWidth), align, width);
}

/**
 * Why a node drains when the cloud said it will take it back: an interruption with the
 * time left (or that it is past), a rebalance recommendation as such.
 */
export function reclaimNote(n: Pick<NodeView, 'reclaim'>, now: number): string {
  if (!n.reclaim) return '';
  if (n.reclaim.notice === 'rebalance') return ' (rebalance recommended)';
  if (n.reclaim.deadline === undefined) return ' (interrupted)';
  const left = n.reclaim.deadline - now;
  return left > 0 ? ` (interrupted, taken back in ${Math.ceil(left / 1000)}s)` : ' (interrupted, deadline passed)';
}

function widestLine(text: string): number {
  return Math.max(...text.split('\n').map((l) => l.length));
}

/**
 * Copies holding resources on each node. GET /nodes does not say, so this reads the
 * jobs whose counts show any copy on a node: one GET per such job, a few at a time.
 */
async function tasksPerNode(client: ApiClient): Promise<Map<string, number>> {
  const list = await client.call('listJobs');
  const placed = list.jobs.filter((j) => Object.entries(j.tasks).some(([status, n]) => HOLDS_RESOURCES.has(status as TaskStatus) && (n ?? 0) > 0));
  const perNode = new Map<string, number>();
  for (let i = 0; i < placed.length; i += JOB_FETCH_CONCURRENCY) {
    const batch = placed.slice(i, i + JOB_FETCH_CONCURRENCY);
    const jobs = await Promise.all(batch.map((j) => client.call('getJob', { params: { id: j.id } })));
    for (const job of jobs) {
      for (const t of job.tasks) if (t.nodeId && HOLDS_RESOURCES.has(t.status)) perNode.set(t.nodeId, (perNode.get(t.nodeId) ?? 0) + 1);
    }
  }
  return perNode;
}
