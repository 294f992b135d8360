import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { RegistryAuthError } from './errors';

/** Credentials for one registry, as the Docker engine's pull takes them (X-Registry-Auth). */
export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
  readonly serveraddress: string;
}

/** Credentials for the registry of an image, or undefined to pull anonymously. */
export interface RegistryAuth {
  credentialsFor(image: string): Promise<RegistryCredentials | undefined>;
}

/**
 * A private ECR registry host: `<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]`.
 * Docker Hub, public.ecr.aws and every other registry are pulled without credentials.
 */
const ECR_HOST = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;

export function ecrRegistryOf(image: string): { host: string; account: string; region: string } | undefined {
  const slash = image.indexOf('/');
  if (slash < 0) return undefined;
  const host = image.slice(0, slash);
  const m = ECR_HOST.exec(host);
  return m ? { host, account: m[1], region: m[2] } : undefined;
}

/** A token is used until this long before it expires (ECR's last 12 hours), so a slow pull never starts with a stale one. */
const REFRESH_BEFORE_MS = 30 * 60_000;

/**
 * Pull credentials for private ECR images, from ecr:GetAuthorizationToken with the
 * node role's credentials (the SDK's default chain reads them from IMDS). A token is
 * per region and valid for every repository the role may read there, so one is cached
 * per region until shortly before it expires.
 */
export class EcrRegistryAuth implements RegistryAuth {
  private readonly clientFor: (region: string) => Pick<ECRClient, 'send'>;
  private readonly now: () => number;
  private readonly cache = new Map<string, { username: string; password: string; expiresAt: number }>();

  constructor(options: { clientFor?: (region: string) => Pick<ECRClient, 'send'>; now?: () => number } = {}) {
    const clients = new Map<string, ECRClient>();
    this.clientFor =
      options.clientFor ??
      ((region) => {
        let c = clients.get(region);
        if (!c) clients.set(region, (c = new ECRClient({ region })));
        return c;
      });
    this.now = options.now ?? Date.now;
  }

  async credentialsFor(image: string): Promise<RegistryCredentials | undefined> {
    const registry = ecrRegistryOf(image);
    if (!registry) return undefined;
    let token = this.cache.get(registry.region);
    if (!token || token.expiresAt - REFRESH_BEFORE_MS <= this.now()) {
      token = await this.fetchToken(registry.region, image);
      this.cache.set(registry.region, token);
    }
    return { username: token.username, password: token.password, serveraddress: `https://${registry.host}` };
  }

  private async fetchToken(region: string, image: string): Promise<{ username: string; password: string; expiresAt: number }> {
    let out;
    try {
      out = await this.clientFor(region).send(new GetAuthorizationTokenCommand({}));
    } catch (err) {
      const e = err as { name?: string; message?: string };
      throw new RegistryAuthError(
        image,
        `ECR GetAuthorizationToken in ${region} failed with ${e?.name ?? 'an error'}: ${e?.message ?? String(err)}` +
          (e?.name === 'AccessDeniedException' ? ' — the node role needs ecr:GetAuthorizationToken (the stack grants it)' : ''),
        { cause: err },
      );
    }
    const data = out.authorizationData?.[0];
    const decoded = data?.authorizationToken ? Buffer.from(data.authorizationToken, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw new RegistryAuthError(image, `ECR GetAuthorizationToken in ${region} answered without a usable token (expected base64 of "AWS:<password>")`);
    return {
      username: decoded.slice(0, colon),
      password: decoded.slice(colon + 1),
      expiresAt: data?.expiresAt instanceof Date ? data.expiresAt.getTime() : this.now() + 60 * 60_000,
    };
  }
}
