import { CreateLogGroupCommand, PutRetentionPolicyCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { RuntimeError } from '../control/container-runtime-errors';

/**
 * Makes sure a job's log group exists, with the stack's retention, before Docker's
 * awslogs driver writes to it. The agent, not Docker, creates it: a group Docker creates
 * (`awslogs-create-group`) has no retention, so every line would be kept (and paid for)
 * forever; creating it at submit instead would make the API depend on CloudWatch Logs
 * for every job, even one that never starts. The node role may create groups and set
 * retention only under the stack's prefix.
 */
export interface LogGroups {
  /** Throws RuntimeError (operation create; retriable unless refused for good). */
  ensure(group: string, retentionDays: number): Promise<void>;
}

export class CloudWatchLogGroups implements LogGroups {
  /** Groups made (or found) by this process: one pair of calls per job and agent process. */
  private readonly ready = new Set<string>();

  constructor(private readonly logs: Pick<CloudWatchLogsClient, 'send'>) {}

  async ensure(group: string, retentionDays: number): Promise<void> {
    if (this.ready.has(group)) return;
    try {
      await this.logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    } catch (err) {
      if (codeOf(err) !== 'ResourceAlreadyExistsException') throw failure(`CreateLogGroup ${group}`, err);
    }
    try {
      // Set every time the group is first seen by this process, so a changed stack
      // setting reaches the groups of jobs that are still running.
      await this.logs.send(new PutRetentionPolicyCommand({ logGroupName: group, retentionInDays: retentionDays }));
    } catch (err) {
      throw failure(`PutRetentionPolicy ${group}`, err);
    }
    this.ready.add(group);
  }
}

function codeOf(err: unknown): string {
  const e = err as { name?: unknown; Code?: unknown } | null;
  return typeof e?.name === 'string' ? e.name : typeof e?.Code === 'string' ? e.Code : '';
}

/** Access denied or a bad name cannot pass on a retry; anything else (throttling, faults, network) may. */
function failure(what: string, err: unknown): RuntimeError {
  const code = codeOf(err);
  const permanent = code === 'AccessDeniedException' || code === 'InvalidParameterException';
  return new RuntimeError(
    `${what} failed (${code || String(err)}); ${permanent ? 'the node role must allow it under the stack\'s log prefix' : 'the next pass retries'}`,
    { operation: 'create', retriable: !permanent },
    { cause: err },
  );
}
