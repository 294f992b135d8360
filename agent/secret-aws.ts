import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { parseSecretRef } from '../contract/secret-refs';
import { secretError, type SecretSource } from './secret-source';

/** Codes a retry cannot get past: the reference or the node role must change. */
const FINAL = new Set(['AccessDeniedException', 'ParameterNotFound', 'ParameterVersionNotFound', 'ResourceNotFoundException', 'InvalidKeyId', 'ValidationException', 'InvalidParameterException', 'DecryptionFailure']);

/**
 * Secret values from AWS with the node role, which may read only parameters under
 * `/stowage/<stack>/` and secrets named `stowage/<stack>/…` (infra/node-fleet.ts):
 * GetParameter with decryption for a parameter (a SecureString is decrypted with its KMS
 * key; the aws/ssm key needs no grant of its own), GetSecretValue for a secret (its
 * current version, as a string).
 */
export interface AwsSecretClients {
  /**
   * A client for the ARN's region. By region because `stowage-agent sync`, run by the SSM
   * agent, has no AWS_REGION in its environment, and the ARN names the region anyway.
   */
  readonly ssm: (region: string) => Pick<SSMClient, 'send'>;
  readonly secretsManager: (region: string) => Pick<SecretsManagerClient, 'send'>;
}

export class AwsSecretSource implements SecretSource {
  constructor(private readonly clients: AwsSecretClients) {}

  async read(refs: Readonly<Record<string, string>>): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const [name, arn] of Object.entries(refs)) {
      const ref = parseSecretRef(arn);
      if (!ref) throw secretError(name, arn, 'it is not an SSM parameter or Secrets Manager secret ARN', false);
      let value: string | undefined;
      try {
        if (ref.service === 'ssm') {
          // By ARN: GetParameter takes a parameter's ARN as its Name (a parameter in this account and region).
          const res = await this.clients.ssm(ref.region).send(new GetParameterCommand({ Name: arn, WithDecryption: true }));
          value = res.Parameter?.Value;
        } else {
          const res = await this.clients.secretsManager(ref.region).send(new GetSecretValueCommand({ SecretId: arn }));
          value = res.SecretString;
          if (value === undefined && res.SecretBinary !== undefined) throw secretError(name, arn, 'it is a binary secret; env takes text, so store it as a string', false);
        }
      } catch (err) {
        if ((err as Error)?.name === 'RuntimeError') throw err;
        const code = (err as { name?: string } | null)?.name ?? 'Error';
        throw secretError(name, arn, `${code}${FINAL.has(code) ? ' (check the ARN and that it is under the stack\'s prefix)' : '; the next pass retries'}`, !FINAL.has(code), err);
      }
      if (value === undefined) throw secretError(name, arn, 'the answer held no value', false);
      out[name] = value;
    }
    return out;
  }
}
