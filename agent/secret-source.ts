import { RuntimeError } from '../control/container-runtime-errors';

/**
 * Where the agent reads a job's secret values when it starts a copy: SSM Parameter Store
 * and Secrets Manager with the node role in AWS (secret-aws.ts), the local cloud's
 * secrets file locally (secret-file.ts). Values go straight into the container's env:
 * they are never written to the agent's config, its logs, or a heartbeat.
 */
export interface SecretSource {
  /**
   * The value of each reference (env name → ARN), or a RuntimeError (operation
   * create) naming the first that could not be read, and never a value.
   */
  read(refs: Readonly<Record<string, string>>): Promise<Record<string, string>>;
}

/** A secret that could not be read; the message names the env name and the ARN, never a value. */
export function secretError(name: string, arn: string, why: string, retriable: boolean, cause?: unknown): RuntimeError {
  return new RuntimeError(`secret ${name} (${arn}) could not be read: ${why}`, { operation: 'create', retriable }, cause === undefined ? undefined : { cause });
}
