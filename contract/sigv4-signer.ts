import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import type { OutgoingRequest, RequestSigner } from './request-signer';

/**
 * Signs API calls with SigV4: for API Gateway (service `execute-api`), as its IAM
 * authorisation asks of every route, or for a Lambda function URL with IAM auth
 * (service `lambda`), which the agent reports its heartbeats to. The agent signs with
 * the instance profile's credentials — the identity the heartbeat route checks: only the
 * node role's session named after this instance may report for it; the user CLI signs
 * with the user's.
 */
export interface SigV4Options {
  readonly region: string;
  /** Default `execute-api`; `lambda` for a function URL (signingTargetOf says which a URL needs). */
  readonly service?: SigningService;
  /** Default: the SDK's provider chain (on EC2, the instance profile via IMDSv2; for a user, their profile or environment). */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Injectable so tests sign at a fixed instant. */
  readonly now?: () => Date;
}

export function sigV4Signer(options: SigV4Options): RequestSigner {
  const signer = new SignatureV4({ service: options.service ?? 'execute-api', region: options.region, credentials: options.credentials ?? defaultProvider(), sha256: NodeSha256 });
  return async (req: OutgoingRequest) => {
    const url = new URL(req.url);
    const query: Record<string, string> = {};
    url.searchParams.forEach((v, k) => (query[k] = v));
    const signed = await signer.sign(
      {
        method: req.method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port ? Number(url.port) : undefined,
        path: url.pathname,
        query,
        // `host` is part of what is signed; fetch sends the same value.
        headers: { ...req.headers, host: url.host },
        body: req.body,
      },
      { signingDate: options.now?.() },
    );
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(signed.headers)) if (k.toLowerCase() !== 'host') headers[k] = String(v);
    return headers;
  };
}

export type SigningService = 'execute-api' | 'lambda';

/** The region of an API Gateway URL (`<id>.execute-api.<region>.amazonaws.com`), or undefined for any other host. */
export function regionOfApiUrl(apiUrl: string): string | undefined {
  const m = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(new URL(apiUrl).hostname);
  return m?.[1];
}

/**
 * What a URL's requests are signed for: an API Gateway URL (`execute-api`) or a Lambda
 * function URL (`<id>.lambda-url.<region>.on.aws`, service `lambda`), with its region;
 * undefined for any other host (the local API, which takes a bearer token).
 */
export function signingTargetOf(url: string): { readonly region: string; readonly service: SigningService } | undefined {
  const api = regionOfApiUrl(url);
  if (api) return { region: api, service: 'execute-api' };
  const m = /^[a-z0-9]+\.lambda-url\.([a-z0-9-]+)\.on\.aws$/.exec(new URL(url).hostname);
  return m ? { region: m[1], service: 'lambda' } : undefined;
}

/** SHA-256 (and HMAC-SHA-256 with a secret) from node:crypto, in the shape SignatureV4 asks for. */
class NodeSha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.fresh();
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === 'string' ? data : toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', typeof this.secret === 'string' ? this.secret : toBuffer(this.secret));
  }
}

function toBuffer(data: ArrayBuffer | ArrayBufferView): Buffer {
  return ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);
}
