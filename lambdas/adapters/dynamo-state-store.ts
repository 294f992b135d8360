import { ConditionalCheckFailedException, TransactionCanceledException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
  type BatchGetCommandOutput,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { systemClock, type Clock } from '../../control/clock';
import { inParallel } from '../../control/in-parallel';
import { assignmentGroups, type AssignmentGroup } from '../../control/state/assignment-groups';
import { JobExistsError, JobRevisionConflictError, StoreUnavailableError } from '../../control/state/errors';
import { oldestDropped, type JobVersion } from '../../control/state/job-version';
import { revisionOf, sameJob, taskChunks } from '../../control/state/job-writes';
import { containerTransition, taskAfterUpdate } from '../../control/state/task-transitions';
import { ACCEPTS_WORK, GONE, HOLDS_RESOURCES, type Job, type Node, type Reclaim, type Task } from '../../core/model';
import { isFinished } from '../../core/pass/task-fate';
import type { JobUpdate, Plan, TaskUpdate } from '../../core/pass/plan-types';
import { LAUNCH_LEASE_MS, NODE_TOMBSTONE_MS, type ApplyResult, type PlanConflict, type ReclaimOutcome, type StateStore } from '../../control/state/state-store';
import { reclaimReplaces } from '../../control/state/reclaim-notice';
import { type Heartbeat } from '../../control/state/node-report';
import { type UtilisationSample } from '../../core/utilisation-sample';
import type { Snapshot } from '../../core/pass/snapshot';
import type { LaunchTimeouts } from '../../core/launch-hold';
import { unavailableKey, type UnavailableOffering } from '../../core/offerings';
import type { CapacityMemory } from '../../control/state/state-store';
import { classifyAwsError } from './aws-error';
import { QUIET_HEARTBEAT_ATTRIBUTE } from './scheduler-wake-filter';
import { AdapterConfigError } from './errors';
import { fromNodeItem, toNodeItem, type NodeItem } from './node-item';
import { steadyBeat, type NodeBeatMarks } from './steady-beat';
import { LEASE_TTL_ATTRIBUTE, LEASE_TTL_GRACE_SECONDS, LIVE_ATTRIBUTE, LIVE_INDEX, LIVE_SHARDS, liveShardOf, SAMPLES_SERIES, STOPPED_TASK_RETENTION_SECONDS, TASK_TTL_ATTRIBUTE, TASKS_BY_JOB_INDEX, TASKS_BY_NODE_INDEX, type TableNames } from './table-schema';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Conditional puts in flight at once when a job's tasks are written (up to 1000 per job). */
const CREATE_CONCURRENCY = 16;
/** A plan's writes in flight at once, per phase: 1,000 node updates one by one made a pass of a large fleet take most of a minute. */
const WRITE_CONCURRENCY = 16;

/** Samples live 30 days; DynamoDB's TTL removes them. */
const SAMPLE_TTL_SECONDS = 30 * 24 * 3600;

/** Segments of the Nodes table's parallel scan: 10,000 nodes are ~5 MB, five pages of 1 MB, read side by side. */
const NODE_SCAN_SEGMENTS = 4;
/**
 * How long a job stays in the live index, after its stop or creation, once it has no
 * live copy. Far longer than the index lags behind the table (well under a second), so
 * a copy written just before is seen, and the job is not read back every pass.
 */
const JOB_PRUNE_AFTER_MS = 5 * 60_000;

/** The launch lease's item in the Leases table. */
const LAUNCH_LEASE_NAME = 'launch';

export interface DynamoStateStoreOptions {
  /** Where the store reads the time for what it stamps itself (tombstones, leases). Default: the system clock. */
  readonly clock?: Clock;
  /**
   * How often a steady node's liveness is written (steady-beat.ts); 0, the default and
   * what the deployed heartbeat function uses today (only the store bench sets it),
   * writes every report. Must stay well under the policy's heartbeat timeout
   * minus one report period, or a live node could be declared LOST.
   */
  readonly heartbeatRefreshMs?: number;
  /**
   * Whether snapshot() takes finished items out of the live index (pruneFinished).
   * Default true: the scheduler's store. The API functions' stores pass false, so a
   * user's GET /jobs reads and never writes; the next pass prunes.
   */
  readonly pruneLiveIndex?: boolean;
}

/**
 * The StateStore on DynamoDB. Every write that depends on what a pass saw is
 * conditional, and every change that must hold together (a node's allocation and the
 * copies it admits; a copy's end and its node's release) is one transaction. Refusals
 * become PlanConflicts; what aws-error.ts classifies as retriable (throttling, service
 * faults, timeouts) becomes StoreUnavailableError; anything else is rethrown as is.
 */
export class DynamoStateStore implements StateStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly clock: Clock;
  private readonly heartbeatRefreshMs: number;
  private readonly pruneLiveIndex: boolean;

  constructor(
    client: DynamoDBClient,
    private readonly tables: TableNames,
    options: DynamoStateStoreOptions = {},
  ) {
    for (const [k, v] of Object.entries(tables)) {
      if (!v) throw new AdapterConfigError('DynamoStateStore', `tables.${k}`, "the table name is empty; pass the stack's table names (see the CDK outputs)");
    }
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    this.clock = options.clock ?? systemClock;
    this.heartbeatRefreshMs = options.heartbeatRefreshMs ?? 0;
    this.pruneLiveIndex = options.pruneLiveIndex ?? true;
    if (!Number.isFinite(this.heartbeatRefreshMs) || this.heartbeatRefreshMs < 0) {
      throw new AdapterConfigError('DynamoStateStore', 'heartbeatRefreshMs', `must be a number of milliseconds ≥ 0, got ${this.heartbeatRefreshMs}`);
    }
  }

  /**
   * Only what is live: the Tasks and Jobs tables' sparse LIVE_INDEX, every shard queried
   * side by side, and the Nodes table in parallel segments. All of it eventually
   * consistent — why each read may be is in lambdas/README.md ("What a pass reads").
   * Then the store's own housekeeping: what the core will never act on again leaves the
   * index (pruneFinished), so the next pass reads less.
   */
  async snapshot(): Promise<Snapshot> {
    const [jobItems, taskItems, nodes] = await Promise.all([
      this.queryLive<Job & LiveMark>(this.tables.jobs),
      this.queryLive<Task & LiveMark>(this.tables.tasks),
      this.parallelScan<NodeItem>(this.tables.nodes, NODE_SCAN_SEGMENTS),
    ]);
    const jobs = jobItems.map(fromJobItem);
    const tasks = taskItems.map(fromTaskItem);
    // A job the index does not show yet (just written) or no longer (pruned while a copy
    // of it was not yet visible) is read from the table, so none of its live copies is
    // left without its job, which would make the core ignore it.
    const known = new Set(jobs.map((j) => j.id));
    const missing = [...new Set(tasks.map((t) => t.jobId).filter((id) => !known.has(id)))];
    if (missing.length) jobs.push(...(await this.batchGet<Job & LiveMark>(this.tables.jobs, missing)).map(fromJobItem));
    if (this.pruneLiveIndex) await this.pruneFinished(jobs, tasks);
    return { jobs, tasks, nodes: nodes.filter(live).map(fromNodeItem) };
  }

  /**
   * Takes out of the live index the tasks and jobs no pass will act on again (finished:
   * core/pass/task-fate.ts decides, with the job as the snapshot holds it), each write
   * conditioned on the item being as read. Kept in the index:
   * - a copy of a slot whose live copy has a lower generation: the core numbers a slot's
   *   next copy (its id) from the highest generation it sees, and a hidden higher one
   *   would make that id collide with the finished copy's item, refused at every pass;
   * - a job while any copy of it is live, and for JOB_PRUNE_AFTER_MS after its stop (or
   *   creation), longer than the index lags. A job with no live copy is one the core
   *   has nothing to do for (it creates copies only to replace live ones); one whose
   *   copy turns up later is read back from the table by snapshot(), and a change
   *   through the API writes it back into the index with its new copies.
   * Best effort: a refused or failed write leaves the item for the next pass, which
   * costs only its read.
   */
  private async pruneFinished(jobs: readonly Job[], tasks: readonly Task[]): Promise<void> {
    const byId = new Map(jobs.map((j) => [j.id, j]));
    const finished = new Set<Task>();
    for (const t of tasks) {
      const job = byId.get(t.jobId);
      if (job && FINAL_STATUSES.has(t.status) && isFinished(t, job)) finished.add(t);
    }
    const lowestLive = new Map<string, number>();
    const holdsJob = new Set<string>();
    for (const t of tasks) {
      if (finished.has(t)) continue;
      holdsJob.add(t.jobId);
      const slot = `${t.jobId}#${t.slot}`;
      lowestLive.set(slot, Math.min(lowestLive.get(slot) ?? Infinity, t.generation));
    }
    const now = this.clock.now();
    const prunedTasks = [...finished].filter((t) => t.generation <= (lowestLive.get(`${t.jobId}#${t.slot}`) ?? Infinity));
    const prunedJobs = jobs.filter((j) => !holdsJob.has(j.id) && (j.stopRequestedAt ?? j.createdAt) < now - JOB_PRUNE_AFTER_MS);
    const unmark = async (table: string, id: string, condition: string, names: Record<string, string>, values?: Record<string, unknown>): Promise<void> => {
      try {
        await this.doc.send(
          new UpdateCommand({
            TableName: table,
            Key: { id },
            UpdateExpression: 'REMOVE #live',
            ConditionExpression: `attribute_exists(#live) AND ${condition}`,
            ExpressionAttributeNames: { '#live': LIVE_ATTRIBUTE, ...names },
            ...(values ? { ExpressionAttributeValues: values } : {}),
          }),
        );
      } catch {
        // Housekeeping only (see above): the next pass tries again.
      }
    };
    await inParallel(prunedTasks, WRITE_CONCURRENCY, (t) => unmark(this.tables.tasks, t.id, '#status = :s AND generation = :g', { '#status': 'status' }, { ':s': t.status, ':g': t.generation }));
    // Only from the revision read: an update since may have added copies.
    await inParallel(prunedJobs, WRITE_CONCURRENCY, (j) =>
      revisionOf(j) === 0
        ? unmark(this.tables.jobs, j.id, '(attribute_not_exists(revision) OR revision = :rev)', {}, { ':rev': 0 })
        : unmark(this.tables.jobs, j.id, 'revision = :rev', {}, { ':rev': revisionOf(j) }),
    );
  }

  /**
   * Tasks first, each only if absent, then the job: until the job item exists the
   * scheduler ignores its tasks, so a crash part-way leaves nothing half-visible, and a
   * retry of the same submission (same id) fills in what is missing without touching
   * copies that already run.
   */
  async createJob(job: Job, tasks: readonly Task[], version?: JobVersion): Promise<void> {
    const stored = await this.readJob(job.id);
    if (stored && !sameJob(stored, job)) throw new JobExistsError(job.id);
    await inParallel(tasks, CREATE_CONCURRENCY, async (t) => {
      try {
        await this.doc.send(new PutCommand({ TableName: this.tables.tasks, Item: liveItem(t), ConditionExpression: 'attribute_not_exists(id)' }));
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw unavailable('createJob', err);
      }
    });
    if (version) {
      try {
        await this.doc.send(new PutCommand({ TableName: this.tables.versions, Item: version, ConditionExpression: 'attribute_not_exists(jobId)' }));
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw unavailable('createJob', err);
      }
    }
    if (stored) return;
    try {
      await this.doc.send(new PutCommand({ TableName: this.tables.jobs, Item: liveItem(job), ConditionExpression: 'attribute_not_exists(id)' }));
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw unavailable('createJob', err);
      // Another attempt of the same submission won the race; a different job under this id did not.
      const winner = await this.readJob(job.id);
      if (!winner || !sameJob(winner, job)) throw new JobExistsError(job.id, { cause: err });
    }
  }

  async updateJob(next: Job, expectRevision: number, additions: { readonly tasks?: readonly Task[]; readonly version?: JobVersion } = {}): Promise<void> {
    const [first, ...later] = taskChunks(additions.tasks ?? []);
    const taskPut = (t: Task): TransactItem => ({ Put: { TableName: this.tables.tasks, Item: liveItem(t), ConditionExpression: 'attribute_not_exists(id)' } });
    const items: TransactItem[] = [
      { Put: { TableName: this.tables.jobs, Item: liveItem(next), ...revisionCondition(expectRevision) } },
      ...(additions.version ? [{ Put: { TableName: this.tables.versions, Item: additions.version } }] : []),
      ...first.map(taskPut),
    ];
    try {
      await this.transact('updateJob', items);
    } catch (err) {
      if (err instanceof TransactionCanceledException) throw new JobRevisionConflictError(next.id, expectRevision, { cause: err });
      throw err;
    }
    // The job already wants these copies; each chunk goes in only while it still does
    // (same count, not stopped), so a change or stop made meanwhile is not undone.
    for (const chunk of later) {
      const check: TransactItem = {
        ConditionCheck: {
          TableName: this.tables.jobs,
          Key: { id: next.id },
          ConditionExpression: 'attribute_exists(id) AND attribute_not_exists(stopRequestedAt) AND #count = :count',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: { ':count': next.count },
        },
      };
      try {
        await this.transact('updateJob', [check, ...chunk.map(taskPut)]);
      } catch (err) {
        if (err instanceof TransactionCanceledException) throw new JobRevisionConflictError(next.id, revisionOf(next), { cause: err });
        throw err;
      }
    }
    if (additions.version) await this.dropOldVersions(next.id, additions.version.version);
  }

  async findLiveJobByName(name: string): Promise<Job | undefined> {
    const live = (await this.listJobs()).filter((j) => j.name === name && j.stopRequestedAt === undefined);
    live.sort((a, b) => b.createdAt - a.createdAt || b.id.localeCompare(a.id));
    return live[0];
  }

  async listVersions(jobId: string): Promise<JobVersion[]> {
    return this.query<JobVersion>({ TableName: this.tables.versions, KeyConditionExpression: 'jobId = :j', ExpressionAttributeValues: { ':j': jobId }, ScanIndexForward: false, ConsistentRead: true });
  }

  /** Deletes the versions older than the newest KEPT_VERSIONS. Housekeeping: one left behind by a crash goes with the next version. */
  private async dropOldVersions(jobId: string, newest: number): Promise<void> {
    const old = await this.query<{ jobId: string; version: number }>({
      TableName: this.tables.versions,
      KeyConditionExpression: 'jobId = :j AND version <= :v',
      ExpressionAttributeValues: { ':j': jobId, ':v': oldestDropped(newest) },
      ProjectionExpression: 'jobId, version',
    });
    await inParallel(old, WRITE_CONCURRENCY, async (k) => {
      await this.send('updateJob', new DeleteCommand({ TableName: this.tables.versions, Key: { jobId: k.jobId, version: k.version } }));
    });
  }

  async getJob(jobId: string): Promise<{ job: Job; tasks: Task[] } | undefined> {
    const job = await this.readJob(jobId);
    if (!job) return undefined;
    const tasks = await this.query<Task>({ TableName: this.tables.tasks, IndexName: TASKS_BY_JOB_INDEX, KeyConditionExpression: 'jobId = :j', ExpressionAttributeValues: { ':j': jobId } });
    return { job, tasks: tasks.map(fromTaskItem) };
  }

  /**
   * Eventually consistent (half the read units): what a heartbeat reads for each copy's
   * spec. A job changed a moment ago is read as it was; the agent converges on the next
   * report, as it does when the change lands just after this read.
   */
  async getJobRecord(jobId: string): Promise<Job | undefined> {
    const item = await this.getItem<Job & LiveMark>(this.tables.jobs, jobId, { consistent: false });
    return item && fromJobItem(item);
  }

  /** The job as the table holds it now: what a submission compares itself with. */
  private async readJob(jobId: string): Promise<Job | undefined> {
    const item = await this.getItem<Job & LiveMark>(this.tables.jobs, jobId);
    return item && fromJobItem(item);
  }

  async listJobs(): Promise<Job[]> {
    return (await this.scan<Job & LiveMark>(this.tables.jobs)).map(fromJobItem);
  }

  async requestStop(jobId: string, now: number): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tables.jobs,
          Key: { id: jobId },
          // The first stop wins: a repeated DELETE keeps the original time. The revision
          // moves, so a scheduler JobUpdate computed before the stop is refused.
          UpdateExpression: 'SET stopRequestedAt = if_not_exists(stopRequestedAt, :now), revision = if_not_exists(revision, :zero) + :one',
          ConditionExpression: 'attribute_exists(id)',
          ExpressionAttributeValues: { ':now': now, ':zero': 0, ':one': 1 },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw unavailable('requestStop', err);
    }
  }

  async listNodes(): Promise<Node[]> {
    return (await this.scan<NodeItem>(this.tables.nodes)).filter(live).map(fromNodeItem);
  }

  async tasksForNode(nodeId: string): Promise<Task[]> {
    const tasks = await this.query<Task>({ TableName: this.tables.tasks, IndexName: TASKS_BY_NODE_INDEX, KeyConditionExpression: 'nodeId = :n', ExpressionAttributeValues: { ':n': nodeId } });
    return tasks.filter((t) => HOLDS_RESOURCES.has(t.status)).map(fromTaskItem);
  }

  async recordHeartbeat(hb: Heartbeat, now: number): Promise<Task[] | undefined> {
    // The copies first: whether any of them moved decides whether the node's write below
    // wakes the scheduler (a copy's move is written to the Tasks table, which has no stream).
    // One query of the node's copies instead of a read per container: the index may lag a
    // moment, but each move below is conditioned on the status, node and generation it
    // starts from, so a stale copy only makes a move be refused and tried at the next report.
    // Read even when the report lists no container: the caller needs the node's copies
    // for its answer, and gets these when none moves (one query a report, not two).
    const [node, onNode] = await Promise.all([
      this.heartbeatRefreshMs > 0 ? this.getItem<NodeItem & NodeBeatMarks>(this.tables.nodes, hb.nodeId, { consistent: false }) : undefined,
      this.query<Task>({ TableName: this.tables.tasks, IndexName: TASKS_BY_NODE_INDEX, KeyConditionExpression: 'nodeId = :n', ExpressionAttributeValues: { ':n': hb.nodeId } }),
    ]);
    const byId = new Map(onNode.map((t) => [t.id, t]));
    let copiesMoved = 0;
    // Any copy whose move was tried: what the query saw of it is no longer what holds.
    let moveTried = false;
    for (const c of hb.containers) {
      const seen = byId.get(c.taskId);
      // Only the current copy on this node moves its task; a stale copy is the agent's to stop.
      if (!seen || seen.nodeId !== hb.nodeId || seen.generation !== c.generation || !containerTransition(seen, c, now)) continue;
      moveTried = true;
      // The write puts the whole item, so it starts from a strong read: the index may not
      // yet show a pass's write that kept the status (a graceful stop's stopAt and reason),
      // and a put built on it would erase that write. Only copies that move pay the read.
      const t = await this.getItem<Task>(this.tables.tasks, c.taskId);
      if (!t || t.nodeId !== hb.nodeId || t.generation !== c.generation) continue;
      const next = containerTransition(fromTaskItem(t), c, now);
      if (!next) continue;
      const items: TransactItem[] = [
        {
          Put: {
            TableName: this.tables.tasks,
            Item: liveItem(next),
            // And nothing a pass writes without a status change may have landed since the read.
            ConditionExpression: `#status = :from AND nodeId = :node AND generation = :gen AND ${t.stopAt === undefined ? 'attribute_not_exists(stopAt)' : 'stopAt = :stopAt'}`,
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':from': t.status, ':node': hb.nodeId, ':gen': c.generation, ...(t.stopAt === undefined ? {} : { ':stopAt': t.stopAt }) },
          },
        },
      ];
      if (!HOLDS_RESOURCES.has(next.status)) items.push(this.releaseItem(hb.nodeId, t.resources.cpu, t.resources.memoryMiB));
      // A refusal means another writer moved the task first (and woke the scheduler itself);
      // the next report sees its new state.
      try {
        await this.transact('recordHeartbeat', items);
        copiesMoved++;
      } catch (err) {
        if (!(err instanceof TransactionCanceledException)) throw err;
      }
    }
    const copies = moveTried ? undefined : onNode.filter((t) => HOLDS_RESOURCES.has(t.status)).map(fromTaskItem);
    if (copiesMoved === 0 && node && steadyBeat(node, hb, now, this.heartbeatRefreshMs)) return copies;
    if (copiesMoved === 0 && (await this.recordQuietHeartbeat(hb, now))) return copies;

    const fields = {
      ':type': hb.instanceType,
      ':zone': hb.zone,
      ':labels': { ...hb.labels },
      ':capCpu': hb.capacity.cpu,
      ':capMem': hb.capacity.memoryMiB,
      ':usageCpu': hb.usage.cpu,
      ':usageMem': hb.usage.memoryMiB,
      ':now': now,
      ':price': hb.pricePerHour,
      ':zero': 0,
      ...(hb.address !== undefined ? { ':address': hb.address } : {}),
      ...(hb.capacityType !== undefined ? { ':capacityType': hb.capacityType } : {}),
    };
    const names = { '#zone': 'zone', '#quiet': QUIET_HEARTBEAT_ATTRIBUTE, ...(hb.address !== undefined ? { '#address': 'address' } : {}) };
    // An agent that reports no address leaves the last one known. This write changes the
    // node (or follows copies that moved), so it clears the quiet mark: its stream record wakes the scheduler.
    const common =
      'instanceType = :type, #zone = :zone, labels = :labels, capCpu = :capCpu, capMem = :capMem, usageCpu = :usageCpu, usageMem = :usageMem, ' +
      'lastHeartbeatAt = :now, usageAt = :now, pricePerHour = :price, allocCpu = if_not_exists(allocCpu, :zero), allocMem = if_not_exists(allocMem, :zero), launchedAt = if_not_exists(launchedAt, :now)' +
      (hb.address !== undefined ? ', #address = :address' : '') +
      (hb.capacityType !== undefined ? ', capacityType = :capacityType' : '');
    try {
      // A node's first report (or its first after launch) makes it ACTIVE...
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tables.nodes,
          Key: { id: hb.nodeId },
          UpdateExpression: `SET ${common}, #state = :active REMOVE #quiet`,
          ConditionExpression: 'attribute_not_exists(id) OR #state = :launching',
          ExpressionAttributeNames: { ...names, '#state': 'state' },
          ExpressionAttributeValues: { ...fields, ':active': 'ACTIVE', ':launching': 'LAUNCHING' },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw unavailable('recordHeartbeat', err);
      // ...any later one leaves the state the scheduler set (DRAINING, LOST, a tombstone) alone.
      await this.send(
        'recordHeartbeat',
        new UpdateCommand({ TableName: this.tables.nodes, Key: { id: hb.nodeId }, UpdateExpression: `SET ${common} REMOVE #quiet`, ExpressionAttributeNames: names, ExpressionAttributeValues: fields }),
      );
    }
    return copies;
  }

  /**
   * The heartbeat of a steady node: only its time and usage, marked quiet so its stream
   * record wakes no pass (scheduler-wake-filter.ts). Conditional on everything else the
   * report says being what the item already holds, so no read is needed: false when the
   * condition fails (something changed, or the node is new, launching, lost or gone) and
   * the caller writes the whole report. Only ACTIVE and DRAINING are steady: a LOST
   * node that reports again, or a launching one's first report, must wake a pass.
   */
  private async recordQuietHeartbeat(hb: Heartbeat, now: number): Promise<boolean> {
    const names: Record<string, string> = { '#state': 'state', '#zone': 'zone', '#quiet': QUIET_HEARTBEAT_ATTRIBUTE };
    const values: Record<string, unknown> = {
      ':active': 'ACTIVE',
      ':draining': 'DRAINING',
      ':type': hb.instanceType,
      ':zone': hb.zone,
      ':labels': { ...hb.labels },
      ':capCpu': hb.capacity.cpu,
      ':capMem': hb.capacity.memoryMiB,
      ':price': hb.pricePerHour,
      ':usageCpu': hb.usage.cpu,
      ':usageMem': hb.usage.memoryMiB,
      ':now': now,
      ':quiet': true,
    };
    let condition = '#state IN (:active, :draining) AND instanceType = :type AND #zone = :zone AND labels = :labels AND capCpu = :capCpu AND capMem = :capMem AND pricePerHour = :price';
    if (hb.address !== undefined) {
      names['#address'] = 'address';
      values[':address'] = hb.address;
      condition += ' AND #address = :address';
    }
    // A steady Spot node stays quiet: its capacity type is what the launch (or its first report) stored.
    if (hb.capacityType !== undefined) {
      values[':capacityType'] = hb.capacityType;
      condition += ' AND capacityType = :capacityType';
    }
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tables.nodes,
          Key: { id: hb.nodeId },
          UpdateExpression: 'SET lastHeartbeatAt = :now, usageAt = :now, usageCpu = :usageCpu, usageMem = :usageMem, #quiet = :quiet',
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw unavailable('recordHeartbeat', err);
    }
  }

  async applyPlan(plan: Plan): Promise<ApplyResult> {
    const conflicts: PlanConflict[] = [];
    let nodeUpdatesCommitted = 0;
    let taskUpdatesCommitted = 0;
    let assignmentsCommitted = 0;
    // Within a phase the writes are independent (each conditioned on its own items), so
    // they go out side by side. The phases stay in order: node states change before
    // anything is assigned to them, and task updates release what they held before the
    // assignments that count on that room are checked against capacity.
    await inParallel(plan.nodeUpdates, WRITE_CONCURRENCY, async (u) => {
      const sets: string[] = [];
      const removes: string[] = [];
      const values: Record<string, unknown> = { ':from': u.from, ...(u.expectEmpty ? { ':zero': 0 } : {}) };
      if (u.to) {
        sets.push('#state = :to');
        values[':to'] = u.to;
      }
      for (const marker of ['emptySince', 'underutilizedSince'] as const) {
        if (u[marker] === null) removes.push(marker);
        else if (u[marker] !== undefined) {
          sets.push(`${marker} = :${marker}`);
          values[`:${marker}`] = u[marker];
        }
      }
      if (!sets.length && !removes.length) return;
      if (typeof u.heartbeatSeen === 'number') values[':heartbeatSeen'] = u.heartbeatSeen;
      // The scheduler's own node writes wake a pass as they always have (quiet mark cleared).
      removes.push('#quiet');
      const expression = [sets.length ? `SET ${sets.join(', ')}` : '', `REMOVE ${removes.join(', ')}`].filter(Boolean).join(' ');
      try {
        await this.doc.send(
          new UpdateCommand({
            TableName: this.tables.nodes,
            Key: { id: u.nodeId },
            UpdateExpression: expression,
            ConditionExpression: `attribute_exists(id) AND #state = :from${u.expectEmpty ? ' AND allocCpu = :zero AND allocMem = :zero' : ''}${heartbeatCondition(u.heartbeatSeen)}`,
            ExpressionAttributeNames: { '#state': 'state', '#quiet': QUIET_HEARTBEAT_ATTRIBUTE },
            ExpressionAttributeValues: values,
          }),
        );
        nodeUpdatesCommitted++;
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw unavailable('applyPlan', err);
        conflicts.push({ kind: 'node-update', nodeId: u.nodeId, taskIds: [], reason: `node is not ${u.from} (or is gone)` });
      }
    });
    await inParallel(plan.taskUpdates, WRITE_CONCURRENCY, async (u) => {
      const refusal = await this.applyTaskUpdate(u, plan.now);
      if (refusal) conflicts.push({ kind: 'task-update', taskIds: [u.taskId], reason: refusal });
      else taskUpdatesCommitted++;
    });
    await inParallel(assignmentGroups(plan.assignments), WRITE_CONCURRENCY, async (group) => {
      const refusal = await this.applyGroup(group);
      if (refusal) conflicts.push({ kind: 'assignment-group', nodeId: group.nodeId, taskIds: group.assignments.map((a) => a.taskId), reason: refusal });
      else assignmentsCommitted += group.assignments.length;
    });
    let createsCommitted = 0;
    await inParallel(plan.creates ?? [], WRITE_CONCURRENCY, async (t) => {
      try {
        await this.doc.send(new PutCommand({ TableName: this.tables.tasks, Item: liveItem(t), ConditionExpression: 'attribute_not_exists(id)' }));
        createsCommitted++;
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw unavailable('applyPlan', err);
        conflicts.push({ kind: 'task-create', taskIds: [t.id], reason: 'a task with this id exists' });
      }
    });
    let jobUpdatesCommitted = 0;
    await inParallel(plan.jobUpdates ?? [], WRITE_CONCURRENCY, async (u) => {
      const refusal = await this.applyJobUpdate(u);
      if (refusal) conflicts.push({ kind: 'job-update', jobId: u.jobId, taskIds: [], reason: refusal });
      else jobUpdatesCommitted++;
    });
    return { assignmentsCommitted, taskUpdatesCommitted, nodeUpdatesCommitted, createsCommitted, jobUpdatesCommitted, conflicts };
  }

  async recordLaunch(node: Node): Promise<void> {
    try {
      await this.doc.send(new PutCommand({ TableName: this.tables.nodes, Item: toNodeItem({ ...node, allocated: { cpu: 0, memoryMiB: 0 } }), ConditionExpression: 'attribute_not_exists(id)' }));
    } catch (err) {
      // The instance already reported (its heartbeat won the race): keep what it said.
      if (!(err instanceof ConditionalCheckFailedException)) throw unavailable('recordLaunch', err);
    }
  }

  /**
   * One conditional update: the node exists, is not past draining, and holds no notice
   * as firm (reclaim-notice.ts, as a condition: a rebalance only where no notice is, an
   * interruption where none or a rebalance is). Refused, one strong read says why.
   */
  async markReclaimed(nodeId: string, reclaim: Reclaim): Promise<ReclaimOutcome> {
    const firmer = reclaim.notice === 'interruption' ? ' AND (attribute_not_exists(reclaim) OR reclaim.notice = :rebalance)' : ' AND attribute_not_exists(reclaim)';
    // A refusal whose read finds nothing firmer raced another write (a pass's, a
    // heartbeat's): the condition is tried again on the item as it is now.
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.doc.send(
          new UpdateCommand({
            TableName: this.tables.nodes,
            Key: { id: nodeId },
            // The quiet mark goes, so the stream record wakes a pass as the scheduler's own node writes do.
            UpdateExpression: 'SET #state = :draining, reclaim = :reclaim REMOVE #quiet',
            ConditionExpression: `attribute_exists(id) AND #state IN (:launching, :active, :draining)${firmer}`,
            ExpressionAttributeNames: { '#state': 'state', '#quiet': QUIET_HEARTBEAT_ATTRIBUTE },
            ExpressionAttributeValues: {
              ':draining': 'DRAINING',
              ':launching': 'LAUNCHING',
              ':active': 'ACTIVE',
              ':reclaim': { ...reclaim },
              ...(reclaim.notice === 'interruption' ? { ':rebalance': 'rebalance' } : {}),
            },
          }),
        );
        return 'marked';
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw unavailable('markReclaimed', err);
      }
      const item = await this.getItem<NodeItem>(this.tables.nodes, nodeId);
      if (!item || !live(item)) return 'not-found';
      if (GONE.has(item.state)) return 'gone';
      if (!reclaimReplaces(item.reclaim, reclaim)) return 'unchanged';
    }
    throw new StoreUnavailableError('markReclaimed', { cause: new Error(`node ${nodeId} kept changing under the notice's write; the message is delivered again`) });
  }

  async removeNode(nodeId: string): Promise<void> {
    // A tombstone rather than a delete: a heartbeat still in flight from the terminated
    // instance finds it, leaves its state alone, and reads stay blind to it until TTL.
    const expiresAt = Math.floor((this.clock.now() + NODE_TOMBSTONE_MS) / 1000);
    await this.send('removeNode', new PutCommand({ TableName: this.tables.nodes, Item: { id: nodeId, state: TOMBSTONE, expiresAt } }));
  }

  /**
   * Runs `fn` while this caller alone holds the fleet's launch lease, so passes running
   * at once cannot each launch from the same count of nodes and together exceed
   * maxNodes: the holder counts the fleet afresh and launches; the others launch nothing
   * (`held: false`) and leave it to the next pass. A holder that dies keeps the lease
   * until it expires (LAUNCH_LEASE_MS). The lease is an item of its own table: no stream
   * there, so taking it wakes no scheduler, and the scheduler's grant on it is the only one.
   */
  async withLaunchLease<T>(fn: () => Promise<T>): Promise<{ held: true; value: T } | { held: false }> {
    const holder = randomUUID();
    const key = { name: LAUNCH_LEASE_NAME };
    const now = this.clock.now();
    const leaseUntil = now + LAUNCH_LEASE_MS;
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tables.leases,
          Item: { ...key, holder, leaseUntil, [LEASE_TTL_ATTRIBUTE]: Math.floor(leaseUntil / 1000) + LEASE_TTL_GRACE_SECONDS },
          ConditionExpression: 'attribute_not_exists(#name) OR leaseUntil < :now',
          ExpressionAttributeNames: { '#name': 'name' },
          ExpressionAttributeValues: { ':now': now },
        }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return { held: false };
      throw unavailable('withLaunchLease', err);
    }
    try {
      return { held: true, value: await fn() };
    } finally {
      await this.doc
        .send(new DeleteCommand({ TableName: this.tables.leases, Key: key, ConditionExpression: 'holder = :me', ExpressionAttributeValues: { ':me': holder } }))
        // Expired and taken by another holder meanwhile: theirs now. Otherwise it expires by itself.
        .catch(() => undefined);
    }
  }

  async putSample(sample: UtilisationSample): Promise<void> {
    await this.send('putSample', new PutCommand({ TableName: this.tables.samples, Item: { series: SAMPLES_SERIES, ...sample, expiresAt: Math.floor(sample.t / 1000) + SAMPLE_TTL_SECONDS } }));
  }

  async listSamples(from: number, to: number): Promise<UtilisationSample[]> {
    const items = await this.query<UtilisationSample & { series?: string; expiresAt?: number }>({
      TableName: this.tables.samples,
      KeyConditionExpression: 'series = :s AND t BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':s': SAMPLES_SERIES, ':from': from, ':to': to },
    });
    return items.map((item) => {
      const sample: Record<string, unknown> = { ...item };
      delete sample.series;
      delete sample.expiresAt;
      return sample as unknown as UtilisationSample;
    });
  }

  /** The job replaced only from the revision the plan saw. Null when committed. */
  private async applyJobUpdate(u: JobUpdate): Promise<string | null> {
    try {
      await this.doc.send(new PutCommand({ TableName: this.tables.jobs, Item: liveItem(u.job), ...revisionCondition(u.revision) }));
      return null;
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw unavailable('applyPlan', err);
      return `job moved past revision ${u.revision} since the plan saw it (or is gone)`;
    }
  }

  /** One task update; with a release when the copy stops holding its node. Null when committed. */
  private async applyTaskUpdate(u: TaskUpdate, now: number): Promise<string | null> {
    const t = await this.getItem<Task>(this.tables.tasks, u.taskId);
    if (!t || t.status !== u.from) return t ? `task is ${t.status}, plan saw ${u.from}` : 'task not found';
    if (u.generation !== undefined && t.generation !== u.generation) return `task is at generation ${t.generation}, plan saw ${u.generation}`;
    const holds = HOLDS_RESOURCES.has(u.to);
    const next: Task & { [TASK_TTL_ATTRIBUTE]?: number } = {
      ...taskAfterUpdate(t, u, now),
      // Only STOPPED is final (a COMPLETED service restarts): only it may expire.
      [TASK_TTL_ATTRIBUTE]: u.to === 'STOPPED' ? Math.floor(now / 1000) + STOPPED_TASK_RETENTION_SECONDS : undefined,
    };
    // Pinned to the copy read above: its status and generation (and so its node).
    const put: TransactItem = {
      Put: {
        TableName: this.tables.tasks,
        Item: liveItem(next),
        ConditionExpression: '#status = :from AND generation = :gen',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':from': u.from, ':gen': t.generation },
      },
    };
    const releases = !holds && HOLDS_RESOURCES.has(t.status) && t.nodeId !== undefined;
    const items = releases ? [put, this.releaseItem(t.nodeId!, t.resources.cpu, t.resources.memoryMiB)] : [put];
    try {
      await this.transact('applyPlan', items);
      return null;
    } catch (err) {
      if (!(err instanceof TransactionCanceledException)) throw err;
      const [taskReason, nodeReason] = (err.CancellationReasons ?? []).map((r) => r.Code);
      // The node it held is gone (terminated and removed): nothing left to release.
      if (taskReason === 'None' && nodeReason === 'ConditionalCheckFailed') {
        try {
          await this.transact('applyPlan', [put]);
          return null;
        } catch (again) {
          if (!(again instanceof TransactionCanceledException)) throw again;
        }
      }
      return `task moved since the plan saw it ${u.from}`;
    }
  }

  /** One node's group of assignments in one transaction. Null when committed. */
  private async applyGroup(group: AssignmentGroup): Promise<string | null> {
    const node = await this.getItem<NodeItem>(this.tables.nodes, group.nodeId);
    if (!node) return 'node not found';
    if (!ACCEPTS_WORK.has(node.state)) return `node is ${node.state}`;
    const wantCpu = group.assignments.reduce((s, a) => s + a.resources.cpu, 0);
    const wantMem = group.assignments.reduce((s, a) => s + a.resources.memoryMiB, 0);
    if (node.allocCpu + wantCpu > node.capCpu || node.allocMem + wantMem > node.capMem) return 'node would exceed its capacity';
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.tables.nodes,
          Key: { id: group.nodeId },
          UpdateExpression: 'ADD allocCpu :cpu, allocMem :mem REMOVE #quiet',
          // Capacity pinned to what the limit was computed from; allocation bounded by it.
          ConditionExpression: '#state IN (:active, :launching) AND capCpu = :capCpu AND capMem = :capMem AND allocCpu <= :limCpu AND allocMem <= :limMem',
          ExpressionAttributeNames: { '#state': 'state', '#quiet': QUIET_HEARTBEAT_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':cpu': wantCpu,
            ':mem': wantMem,
            ':active': 'ACTIVE',
            ':launching': 'LAUNCHING',
            ':capCpu': node.capCpu,
            ':capMem': node.capMem,
            ':limCpu': node.capCpu - wantCpu,
            ':limMem': node.capMem - wantMem,
          },
        },
      },
    ];
    const releasesByNode = new Map<string, { cpu: number; mem: number }>();
    for (const a of group.assignments) {
      if (a.create) {
        items.push({ Put: { TableName: this.tables.tasks, Item: liveItem({ ...a.create, status: 'ASSIGNED' as const, nodeId: a.nodeId, generation: a.generation }), ConditionExpression: 'attribute_not_exists(id)' } });
        continue;
      }
      const releasing = a.releaseFrom !== undefined && a.from !== undefined && HOLDS_RESOURCES.has(a.from);
      items.push({
        Update: {
          TableName: this.tables.tasks,
          Key: { id: a.taskId },
          // The live mark is set already but on items written before the live index existed.
          UpdateExpression: 'SET #status = :assigned, nodeId = :node, generation = :gen, #live = if_not_exists(#live, :shard) REMOVE reason, notBefore, startedAt, stopAt',
          // A pass that placed the task since raised its generation to (at least) ours;
          // and what is released is the node the task still holds.
          ConditionExpression: `#status = :from AND generation < :gen${releasing ? ' AND nodeId = :releaseFrom' : ''}`,
          ExpressionAttributeNames: { '#status': 'status', '#live': LIVE_ATTRIBUTE },
          ExpressionAttributeValues: { ':assigned': 'ASSIGNED', ':node': a.nodeId, ':gen': a.generation, ':from': a.from, ':shard': liveShardOf(a.taskId), ...(releasing ? { ':releaseFrom': a.releaseFrom } : {}) },
        },
      });
      if (releasing) {
        const r = releasesByNode.get(a.releaseFrom!) ?? { cpu: 0, mem: 0 };
        releasesByNode.set(a.releaseFrom!, { cpu: r.cpu + a.resources.cpu, mem: r.mem + a.resources.memoryMiB });
      }
    }
    for (const [nodeId, r] of releasesByNode) {
      // A lost node already removed has nothing to release; a write would recreate it.
      if (await this.getItem<NodeItem>(this.tables.nodes, nodeId)) items.push(this.releaseItem(nodeId, r.cpu, r.mem));
    }
    try {
      await this.transact('applyPlan', items);
      return null;
    } catch (err) {
      if (!(err instanceof TransactionCanceledException)) throw err;
      const codes = (err.CancellationReasons ?? []).map((r, i) => (r.Code && r.Code !== 'None' ? `item ${i}: ${r.Code}` : '')).filter(Boolean);
      return `transaction refused (${codes.join(', ') || 'cancelled'}): node full, not accepting work, or a task moved`;
    }
  }

  private releaseItem(nodeId: string, cpu: number, mem: number): TransactItem {
    return {
      Update: {
        TableName: this.tables.nodes,
        Key: { id: nodeId },
        // A release changes the node's room: it wakes a pass (quiet mark cleared).
        UpdateExpression: 'ADD allocCpu :cpu, allocMem :mem REMOVE #quiet',
        ConditionExpression: 'attribute_exists(id)',
        ExpressionAttributeNames: { '#quiet': QUIET_HEARTBEAT_ATTRIBUTE },
        ExpressionAttributeValues: { ':cpu': -cpu, ':mem': -mem },
      },
    };
  }

  private async transact(operation: string, items: TransactItem[]): Promise<void> {
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (err) {
      if (err instanceof TransactionCanceledException) throw err;
      throw unavailable(operation, err);
    }
  }

  private async getItem<T>(table: string, id: string, o: { consistent: boolean } = { consistent: true }): Promise<T | undefined> {
    const out = await this.send('get', new GetCommand({ TableName: table, Key: { id }, ConsistentRead: o.consistent }));
    return out.Item as T | undefined;
  }

  private async scan<T>(table: string): Promise<T[]> {
    const items: T[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.send('scan', new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }));
      items.push(...((out.Items ?? []) as T[]));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** Every item of the table's live index: one query per shard, side by side. */
  private async queryLive<T>(table: string): Promise<T[]> {
    const shards = await Promise.all(
      Array.from({ length: LIVE_SHARDS }, (_, shard) =>
        this.query<T>({ TableName: table, IndexName: LIVE_INDEX, KeyConditionExpression: '#live = :shard', ExpressionAttributeNames: { '#live': LIVE_ATTRIBUTE }, ExpressionAttributeValues: { ':shard': shard } }),
      ),
    );
    return shards.flat();
  }

  /** The whole table in `segments` parallel segments, eventually consistent. */
  private async parallelScan<T>(table: string, segments: number): Promise<T[]> {
    const parts = await Promise.all(
      Array.from({ length: segments }, async (_, segment) => {
        const items: T[] = [];
        let start: Record<string, unknown> | undefined;
        do {
          const out = await this.send('scan', new ScanCommand({ TableName: table, Segment: segment, TotalSegments: segments, ExclusiveStartKey: start }));
          items.push(...((out.Items ?? []) as T[]));
          start = out.LastEvaluatedKey;
        } while (start);
        return items;
      }),
    );
    return parts.flat();
  }

  /** Items by id, 100 keys a request (BatchGetItem's limit); unprocessed keys are asked again. */
  private async batchGet<T>(table: string, ids: readonly string[]): Promise<T[]> {
    const out: T[] = [];
    for (let i = 0; i < ids.length; i += 100) {
      let keys: Record<string, unknown>[] | undefined = ids.slice(i, i + 100).map((id) => ({ id }));
      for (let attempt = 0; keys?.length; attempt++) {
        const got: BatchGetCommandOutput = await this.send('get', new BatchGetCommand({ RequestItems: { [table]: { Keys: keys } } }));
        out.push(...(((got.Responses ?? {})[table] ?? []) as T[]));
        keys = got.UnprocessedKeys?.[table]?.Keys;
        if (keys?.length) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
      }
    }
    return out;
  }

  private async query<T>(input: ConstructorParameters<typeof QueryCommand>[0]): Promise<T[]> {
    const items: T[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.send('query', new QueryCommand({ ...input, ExclusiveStartKey: start }));
      items.push(...((out.Items ?? []) as T[]));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private async send<C extends { input: unknown }>(operation: string, command: C): Promise<any> {
    try {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      return await this.doc.send(command as any);
    } catch (err) {
      throw unavailable(operation, err);
    }
  }

  /**
   * The capacity memory is one item of the Leases table (no stream there, so writing it
   * wakes no scheduler): one attribute per unavailableKey, so concurrent launches each
   * set their own entry in one UpdateItem without reading first, and the item stays
   * bounded (one entry per type × zone × capacity type) with expired entries left in place.
   */
  async capacityMemory(): Promise<CapacityMemory> {
    const out = await this.send('capacityMemory', new GetCommand({ TableName: this.tables.leases, Key: CAPACITY_MEMORY_KEY, ConsistentRead: true }));
    return capacityMemoryFrom(out.Item);
  }

  async rememberUnavailable(entries: readonly UnavailableOffering[]): Promise<void> {
    const byKey = new Map(entries.map((e) => [unavailableKey(e), e]));
    if (byKey.size === 0) return;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets = [...byKey].map(([key, entry], i) => {
      names[`#e${i}`] = key;
      values[`:e${i}`] = entry;
      return `#e${i} = :e${i}`;
    });
    await this.send(
      'rememberUnavailable',
      new UpdateCommand({ TableName: this.tables.leases, Key: CAPACITY_MEMORY_KEY, UpdateExpression: `SET ${sets.join(', ')}`, ExpressionAttributeNames: names, ExpressionAttributeValues: values }),
    );
  }

  async putLaunchTimeouts(timeouts: LaunchTimeouts | undefined): Promise<void> {
    const update = timeouts
      ? { UpdateExpression: 'SET #t = :t', ExpressionAttributeValues: { ':t': timeouts } }
      : { UpdateExpression: 'REMOVE #t' };
    await this.send('putLaunchTimeouts', new UpdateCommand({ TableName: this.tables.leases, Key: CAPACITY_MEMORY_KEY, ExpressionAttributeNames: { '#t': LAUNCH_TIMEOUTS_ATTRIBUTE }, ...update }));
  }
}

/** A job write's condition: the job exists and is still at `revision` (a job stored without one is at 0). */
function revisionCondition(revision: number): { ConditionExpression: string; ExpressionAttributeValues: Record<string, unknown> } {
  return revision === 0
    ? { ConditionExpression: 'attribute_exists(id) AND (attribute_not_exists(revision) OR revision = :rev)', ExpressionAttributeValues: { ':rev': 0 } }
    : { ConditionExpression: 'attribute_exists(id) AND revision = :rev', ExpressionAttributeValues: { ':rev': revision } };
}

/** The state a removed node's tombstone carries; never a domain state, never read back. */
const TOMBSTONE = 'TERMINATED';

function live(item: NodeItem): boolean {
  return (item.state as string) !== TOMBSTONE;
}

/** The store's bookkeeping on a task or job item: its live-index shard and its expiry. */
type LiveMark = { [LIVE_ATTRIBUTE]?: number; [TASK_TTL_ATTRIBUTE]?: number };

/** A task as the domain knows it: the store's TTL and live-index bookkeeping stays in the store. */
/** A move to LOST commits only if the node has not reported since the heartbeat the pass judged it by (its Nodes read may be stale). */
function heartbeatCondition(seen: number | null | undefined): string {
  if (seen === undefined) return '';
  return seen === null ? ' AND attribute_not_exists(lastHeartbeatAt)' : ' AND lastHeartbeatAt = :heartbeatSeen';
}

function fromTaskItem(item: Task & LiveMark): Task {
  const { [TASK_TTL_ATTRIBUTE]: _ttl, [LIVE_ATTRIBUTE]: _live, ...task } = item;
  void _ttl;
  void _live;
  return task;
}

function fromJobItem(item: Job & LiveMark): Job {
  const { [LIVE_ATTRIBUTE]: _live, ...job } = item;
  void _live;
  return job;
}

/** A task or job item filed in the live index (every write of a task or job goes through here; only pruneFinished takes it out). */
function liveItem<T extends { readonly id: string }>(item: T): T & LiveMark {
  return { ...item, [LIVE_ATTRIBUTE]: liveShardOf(item.id) };
}

/** The statuses a copy can be finished in (task-fate.ts); any other status is live work or a copy to stop. */
const FINAL_STATUSES: ReadonlySet<Task['status']> = new Set(['STOPPED', 'COMPLETED', 'FAILED']);

/** A retriable failure (aws-error.ts) becomes StoreUnavailableError; anything else (a bug, a bad table name) is rethrown as is. */
function unavailable(operation: string, err: unknown): unknown {
  return classifyAwsError(err, 'dynamodb').retriable ? new StoreUnavailableError(operation, { cause: err }) : err;
}

/** The capacity memory's item in the Leases table, and its launch-timeout attribute. */
const CAPACITY_MEMORY_KEY = { name: 'capacity-memory' };
const LAUNCH_TIMEOUTS_ATTRIBUTE = 'launchTimeouts';

/** The item's entries, each kept only if it still has the shape this code writes. */
function capacityMemoryFrom(item: Record<string, unknown> | undefined): CapacityMemory {
  const unavailable: UnavailableOffering[] = [];
  for (const [key, value] of Object.entries(item ?? {})) {
    const e = value as UnavailableOffering;
    if (typeof e !== 'object' || e === null || typeof e.until !== 'number' || key !== unavailableKeyOrNull(e)) continue;
    unavailable.push(e);
  }
  const t = item?.[LAUNCH_TIMEOUTS_ATTRIBUTE] as LaunchTimeouts | undefined;
  return { unavailable, ...(t && Array.isArray(t.nodeIds) ? { launchTimeouts: t } : {}) };
}

function unavailableKeyOrNull(e: UnavailableOffering): string | null {
  return e.kind === 'offering' || e.kind === 'vcpu-limit' ? unavailableKey(e) : null;
}
