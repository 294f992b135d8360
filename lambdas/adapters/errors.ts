/**
 * Typed errors of the AWS adapters (SSM commander, EC2 fleet). Each sets `name`, carries
 * the ids involved and whether a later retry may succeed, and says what failed and how
 * to fix it. The SDK error that caused it rides along as `cause`.
 */

/** What an `Ec2Fleet` call was doing when it failed. */
export type FleetOperation = 'launch' | 'terminate';

/**
 * A fleet call failed. `retriable` means the same call may succeed later unchanged
 * (throttling, capacity, a 5xx); otherwise something must change first (permissions,
 * configuration, the request itself). `instanceIds` are the instances the failure
 * concerns: for `terminate`, the ones NOT terminated by this call.
 */
export class FleetError extends Error {
  override readonly name = 'FleetError';
  readonly operation: FleetOperation;
  readonly instanceIds: readonly string[];
  readonly retriable: boolean;
  constructor(
    message: string,
    details: { operation: FleetOperation; instanceIds?: readonly string[]; retriable: boolean },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.operation = details.operation;
    this.instanceIds = details.instanceIds ?? [];
    this.retriable = details.retriable;
  }
}

/**
 * Sending `stowage-agent sync` failed for a reason other than an unmanaged instance
 * (those are returned in `failed`, not thrown). `instanceIds` are the ids the command
 * did not reach (unmanaged ones included). Best effort either way: agents also sync on their own timer.
 */
export class NodeCommandError extends Error {
  override readonly name = 'NodeCommandError';
  readonly instanceIds: readonly string[];
  readonly retriable: boolean;
  constructor(message: string, details: { instanceIds: readonly string[]; retriable: boolean }, options?: { cause?: unknown }) {
    super(message, options);
    this.instanceIds = details.instanceIds;
    this.retriable = details.retriable;
  }
}

/** An adapter was constructed with configuration it cannot work with; `field` names the option. */
export class AdapterConfigError extends Error {
  override readonly name = 'AdapterConfigError';
  constructor(
    readonly adapter: string,
    readonly field: string,
    message: string,
  ) {
    super(`${adapter}: ${field}: ${message}`);
  }
}

/** The parts of an AWS SDK v3 error the adapters decide on, read by duck typing (tests and other SDK versions throw plain objects). */
export interface AwsErrorFacts {
  /** The service's error code (`ThrottlingException`, `InvalidInstanceID.NotFound`, …), or the JS error name. */
  readonly code: string;
  readonly message: string;
  readonly httpStatusCode?: number;
  /** The SDK marked it retryable (`$retryable`), or the service says it is a server fault. */
  readonly transient: boolean;
}

export function awsErrorFacts(err: unknown): AwsErrorFacts {
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    name?: unknown;
    Code?: unknown;
    message?: unknown;
    $retryable?: unknown;
    $fault?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  const code = typeof e.Code === 'string' ? e.Code : typeof e.name === 'string' ? e.name : 'UnknownError';
  const httpStatusCode = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const transient = Boolean(e.$retryable) || e.$fault === 'server' || (httpStatusCode !== undefined && httpStatusCode >= 500);
  const message = typeof e.message === 'string' ? e.message : String(err);
  return { code, message, httpStatusCode, transient };
}

/** At most `max` ids, then "and N more": error messages stay readable for a 1000-id batch. */
export function listIds(ids: readonly string[], max = 10): string {
  const shown = ids.slice(0, max).map((id) => JSON.stringify(id));
  return ids.length > max ? `${shown.join(', ')} and ${ids.length - max} more` : shown.join(', ');
}
