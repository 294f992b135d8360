import { secretScopeProblem } from '../../contract/secret-refs';
import { ValidationError } from './errors';

/** What the submit routes need to check a job's secret references. */
export interface SecretScopeDeps {
  /**
   * The stack whose nodes will read the secrets (its name: `local` for the local
   * cloud). Absent: this deployment names none, and a job with secrets is refused, since
   * no reference could be shown to be readable.
   */
  readonly stackName?: string;
}

/**
 * 400 naming every reference the stack's nodes may not read, with the rule: refused at
 * submit, rather than a copy failing to start on every node it is placed on.
 */
export function refuseUnreadableSecrets(secrets: Readonly<Record<string, string>> | undefined, deps: SecretScopeDeps): void {
  const entries = Object.entries(secrets ?? {});
  if (entries.length === 0) return;
  const stack = deps.stackName;
  if (stack === undefined) throw new ValidationError([{ field: 'secrets', rule: 'this deployment names no stack, so no secret can be read by its nodes; remove secrets' }], 'job');
  const issues = entries.flatMap(([name, arn]) => {
    const problem = secretScopeProblem(arn, stack);
    return problem === undefined ? [] : [{ field: `secrets.${name}`, rule: problem }];
  });
  if (issues.length > 0) throw new ValidationError(issues, 'job');
}
