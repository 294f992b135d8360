import { DescribeInstancesCommand, TerminateInstancesCommand, type EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { DisableRuleCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { UpdateEventSourceMappingCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { classifyAwsError } from './aws-error';
import { AdapterConfigError, listIds } from './errors';

/**
 * What `cdk destroy` needs done before CloudFormation deletes the network: nothing may
 * launch any more, and every instance the scheduler launched must be gone. An instance
 * still alive holds its network interface in a stack subnet and its security group, so
 * their deletion fails (DependencyViolation) and the instance keeps billing.
 *
 * Order: the triggers first (the one-minute rule, the Nodes stream mapping), so no new
 * pass starts; then sweeps, each terminating every live instance with the stack tag,
 * until none is left and a pass that was already running when the triggers stopped has
 * had time to end (its launches land in a later sweep).
 */
export interface StackTeardownOptions {
  readonly ec2: EC2Client;
  readonly events: EventBridgeClient;
  readonly lambda: LambdaClient;
  readonly stackTag: { readonly key: string; readonly value: string };
  /** Between sweeps. Default 10 s. */
  readonly pollMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

export interface TeardownTriggers {
  readonly ruleName: string;
  /** The UUID of the scheduler's event source mapping on the Nodes stream. */
  readonly eventSourceMappingId: string;
  /** The UUID of the scheduler's event source mapping on the wake queue; absent: none. */
  readonly wakeMappingId?: string;
  /** The UUID of the interruptions function's mapping on the interruption queue; absent: none. */
  readonly interruptionMappingId?: string;
}

export interface TeardownOutcome {
  /** Every instance a sweep asked EC2 to terminate. */
  readonly terminated: readonly string[];
  readonly sweeps: number;
}

/** The sweeps ran out of time with instances still alive; the stack's deletion must wait for them. */
export class TeardownTimeoutError extends Error {
  override readonly name = 'TeardownTimeoutError';
  constructor(readonly instanceIds: readonly string[]) {
    super(
      `${listIds(instanceIds)} ${instanceIds.length === 1 ? 'is' : 'are'} still not terminated; ` +
        'the stack cannot delete its subnets and security group while they live — wait until EC2 shows them terminated, then run cdk destroy again',
    );
  }
}

/** An AWS call of the teardown failed; `operation` names it, the cause is the SDK error. */
export class TeardownError extends Error {
  override readonly name = 'TeardownError';
  constructor(
    readonly operation: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${operation} failed: ${message}`, options);
  }
}

/** EC2 states of an instance that still holds its network interface. */
const ALIVE = ['pending', 'running', 'stopping', 'stopped', 'shutting-down'];
/** DescribeInstances answers with up to this many per page; TerminateInstances takes at most 1000 ids. */
const TERMINATE_BATCH = 1000;

export class StackTeardown {
  private readonly o: Required<Pick<StackTeardownOptions, 'pollMs' | 'sleep' | 'now'>> & StackTeardownOptions;

  constructor(options: StackTeardownOptions) {
    const fail = (field: string, message: string) => new AdapterConfigError('StackTeardown', field, message);
    if (!options?.ec2 || !options.events || !options.lambda) throw fail('clients', 'ec2, events and lambda clients are all required');
    if (!options.stackTag?.key || !options.stackTag.value) throw fail('stackTag', 'needs a key and a non-empty value: an empty one would match instances of other stacks');
    this.o = { pollMs: 10_000, sleep: (ms) => new Promise((r) => setTimeout(r, ms)), now: Date.now, ...options };
  }

  /** Stops what wakes the scheduler. Already gone counts as stopped: a retried delete finds them so. */
  async stopTriggers(t: TeardownTriggers): Promise<void> {
    try {
      await this.o.events.send(new DisableRuleCommand({ Name: t.ruleName }));
    } catch (err) {
      if (codeOf(err) !== 'ResourceNotFoundException') throw new TeardownError(`DisableRule ${t.ruleName}`, messageOf(err), { cause: err });
    }
    for (const uuid of [t.eventSourceMappingId, t.wakeMappingId, t.interruptionMappingId]) if (uuid) await this.disableMapping(uuid);
  }

  /** A mapping still being created or updated answers ResourceInUseException; it settles within seconds. */
  private async disableMapping(uuid: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.o.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: false }));
        return;
      } catch (err) {
        const code = codeOf(err);
        if (code === 'ResourceNotFoundException') return;
        if (code !== 'ResourceInUseException' || attempt >= 10) {
          throw new TeardownError(`UpdateEventSourceMapping ${uuid} (Enabled=false)`, messageOf(err), { cause: err });
        }
        await this.o.sleep(Math.min(this.o.pollMs, 3_000));
      }
    }
  }

  /**
   * Sweeps until no instance with the stack tag is alive and `quietUntil` has passed,
   * or throws TeardownTimeoutError at `deadline`.
   */
  async terminateAll(opts: { quietUntil: number; deadline: number }): Promise<TeardownOutcome> {
    const terminated = new Set<string>();
    for (let sweeps = 1; ; sweeps++) {
      const alive = await this.liveInstances();
      const toTerminate = alive.filter((i) => i.State?.Name !== 'shutting-down').map((i) => i.InstanceId!);
      for (let k = 0; k < toTerminate.length; k += TERMINATE_BATCH) {
        const batch = toTerminate.slice(k, k + TERMINATE_BATCH);
        await this.terminate(batch);
        for (const id of batch) terminated.add(id);
      }
      const now = this.o.now();
      if (alive.length === 0 && now >= opts.quietUntil) return { terminated: [...terminated], sweeps };
      if (now + this.o.pollMs > opts.deadline) {
        if (alive.length === 0) return { terminated: [...terminated], sweeps };
        throw new TeardownTimeoutError(alive.map((i) => i.InstanceId!));
      }
      await this.o.sleep(this.o.pollMs);
    }
  }

  private async liveInstances(): Promise<Instance[]> {
    const out: Instance[] = [];
    let NextToken: string | undefined;
    do {
      try {
        const page = await this.o.ec2.send(
          new DescribeInstancesCommand({
            Filters: [
              { Name: `tag:${this.o.stackTag.key}`, Values: [this.o.stackTag.value] },
              { Name: 'instance-state-name', Values: ALIVE },
            ],
            ...(NextToken ? { NextToken } : {}),
          }),
        );
        for (const r of page.Reservations ?? []) {
          // The filter is the service's promise; the tag is checked again here, as Ec2Fleet does.
          for (const i of r.Instances ?? []) if (i.InstanceId && ALIVE.includes(i.State?.Name ?? '') && ownedBy(i, this.o.stackTag)) out.push(i);
        }
        NextToken = page.NextToken;
      } catch (err) {
        throw new TeardownError('DescribeInstances of the stack\'s instances', messageOf(err, 'ec2'), { cause: err });
      }
    } while (NextToken);
    return out;
  }

  /** One batch; an id gone between describe and here (NotFound fails the whole call) is dropped and the rest retried. */
  private async terminate(ids: readonly string[]): Promise<void> {
    try {
      await this.o.ec2.send(new TerminateInstancesCommand({ InstanceIds: [...ids] }));
    } catch (err) {
      if (classifyAwsError(err, 'ec2').code !== 'InvalidInstanceID.NotFound') throw new TeardownError(`TerminateInstances ${listIds(ids)}`, messageOf(err, 'ec2'), { cause: err });
      for (const id of ids) {
        try {
          await this.o.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
        } catch (one) {
          if (classifyAwsError(one, 'ec2').code !== 'InvalidInstanceID.NotFound') throw new TeardownError(`TerminateInstances ${id}`, messageOf(one, 'ec2'), { cause: one });
        }
      }
    }
  }
}

function ownedBy(i: Instance, tag: { key: string; value: string }): boolean {
  return (i.Tags ?? []).some((t) => t.Key === tag.key && t.Value === tag.value);
}

function codeOf(err: unknown): string {
  const e = err as { name?: unknown; Code?: unknown } | null;
  return typeof e?.Code === 'string' ? e.Code : typeof e?.name === 'string' ? e.name : 'UnknownError';
}

function messageOf(err: unknown, service?: 'ec2'): string {
  if (service) {
    const f = classifyAwsError(err, service);
    return `${f.code}: ${f.message}${f.retriable ? ' (retriable: run cdk destroy again)' : ''}`;
  }
  return `${codeOf(err)}: ${err instanceof Error ? err.message : String(err)}`;
}
