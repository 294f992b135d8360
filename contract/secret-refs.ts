import { z } from 'zod';
import { limitedRecord } from './node-labels';

/**
 * A job's `secrets`: env names mapped to where the value is kept, never the value — an
 * SSM Parameter Store parameter or a Secrets Manager secret, by ARN, as ECS's
 * `secrets[].valueFrom` takes them. Only the ARNs are stored and shown; the agent reads
 * the values when it starts a copy, with the node role, and hands them to the container
 * as env.
 *
 * What a stack may read is a naming rule IAM can enforce by ARN: parameters under
 * `/stowage/<stack>/`, secrets named `stowage/<stack>/…`. The issue's other option, "secrets
 * tagged stowage:stack=<stack>", cannot be checked at submit without a call to Secrets
 * Manager per secret, and a tag condition would let anyone allowed to tag a secret hand
 * it to the stack; a name prefix is checked here for free and is what the node role's
 * grant names, so a refused ARN is one the nodes could not read anyway.
 */

export const MAX_SECRETS = 50;

/** `arn:aws:ssm:<region>:<account>:parameter/<path>`: the path without its leading slash, as SSM's ARNs spell it. */
const SSM_PARAMETER_ARN = /^arn:aws(?:-[a-z]+)*:ssm:([a-z0-9-]+):(\d{12}):parameter\/([A-Za-z0-9_.\-/]{1,1011})$/;
/**
 * `arn:aws:secretsmanager:<region>:<account>:secret:<name>`; Secrets Manager appends `-`
 * and six random characters to the name in a secret's full ARN, and accepts the name
 * alone (a partial ARN) too, so both read.
 */
const SECRET_ARN = /^arn:aws(?:-[a-z]+)*:secretsmanager:([a-z0-9-]+):(\d{12}):secret:([A-Za-z0-9/_+=.@-]{1,512})$/;

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface SecretRef {
  readonly service: 'ssm' | 'secretsmanager';
  readonly region: string;
  readonly account: string;
  /** The parameter's path without its leading `/`, or the secret's name (with its random suffix when the ARN has one). */
  readonly name: string;
}

/** The parts of a secret reference, or undefined when it is neither ARN form. */
export function parseSecretRef(arn: string): SecretRef | undefined {
  const p = SSM_PARAMETER_ARN.exec(arn);
  if (p) return { service: 'ssm', region: p[1], account: p[2], name: p[3] };
  const s = SECRET_ARN.exec(arn);
  if (s) return { service: 'secretsmanager', region: s[1], account: s[2], name: s[3] };
  return undefined;
}

/** The prefix a stack's secrets are named under, in both services (a parameter path drops its leading `/` in an ARN). */
export function secretPrefixOf(stack: string): string {
  return `stowage/${stack}/`;
}

/**
 * Why the stack may not read this reference, or undefined when it may. The rule is the
 * node role's grant (infra/node-fleet.ts): `parameter/stowage/<stack>/*` and
 * `secret:stowage/<stack>/*`.
 */
export function secretScopeProblem(arn: string, stack: string): string | undefined {
  const ref = parseSecretRef(arn);
  if (!ref) return 'must be an SSM parameter ARN (arn:aws:ssm:<region>:<account>:parameter/<path>) or a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)';
  const prefix = secretPrefixOf(stack);
  if (!ref.name.startsWith(prefix) || ref.name.length === prefix.length) {
    return ref.service === 'ssm'
      ? `names parameter /${ref.name}, outside what this stack may read: parameters under /${prefix} only; store it as /${prefix}<name>`
      : `names secret ${ref.name}, outside what this stack may read: secrets named ${prefix}<name> only; create it under that name`;
  }
  return undefined;
}

/**
 * The name a reference has within the stack (the path after `stowage/<stack>/`): the
 * local cloud keeps its secrets file by it, so `stowage secret put DB_PASSWORD` answers
 * `arn:aws:ssm:local:000000000000:parameter/stowage/local/DB_PASSWORD`.
 */
export function secretKeyOf(arn: string, stack: string): string | undefined {
  if (secretScopeProblem(arn, stack) !== undefined) return undefined;
  return parseSecretRef(arn)!.name.slice(secretPrefixOf(stack).length);
}

export const secretsSchema = limitedRecord(
  z.string().max(128).regex(ENV_KEY, 'secret names are env names: must match ^[A-Za-z_][A-Za-z0-9_]*$'),
  z.string().refine((arn) => parseSecretRef(arn) !== undefined, {
    message: 'must be an SSM parameter ARN (arn:aws:ssm:<region>:<account>:parameter/<path>) or a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>); the value itself never goes in a job',
  }),
  MAX_SECRETS,
);
