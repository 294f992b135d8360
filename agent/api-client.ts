import { heartbeatAnswerSchema, type HeartbeatBody } from '../contract/heartbeat';
import type { RequestSigner } from '../contract/request-signer';
import { ROUTES, routePath } from '../contract/routes';
import type { DesiredTask } from '../core/agent/reconcile';
import { ControlPlaneError } from './errors';

/**
 * The agent's side of the API: the only way agent/ meets lambdas/ (DESIGN.md). One call:
 * the heartbeat, which reports what the node holds and returns what it should run, in
 * the shapes contract/heartbeat.ts declares.
 */

/** The port: the sync pass depends on this, so tests can hand it any implementation. */
export interface ControlPlane {
  /** Sends the report; returns the node's desired tasks. Throws `ControlPlaneError`. */
  heartbeat(nodeId: string, body: HeartbeatBody): Promise<DesiredTask[]>;
}

/**
 * The local API's authentication, the token read from the --token-file. In AWS the SigV4
 * signer (contract/sigv4-signer.ts, the instance profile's credentials) plugs in instead
 * with no change to the client.
 */
export function bearerToken(token: string): RequestSigner {
  const t = token.trim();
  if (t === '') throw new Error('the API token is empty; put the local API token in the --token-file');
  return async () => ({ authorization: `Bearer ${t}` });
}

export interface HttpControlPlaneOptions {
  /** The API's base URL, e.g. http://127.0.0.1:8080 or https://abc.execute-api.us-east-1.amazonaws.com. */
  readonly baseUrl: string;
  readonly sign?: RequestSigner;
  /** Per request, including reading the response. Default 10 s. */
  readonly timeoutMs?: number;
  /** Injectable for tests; default the global fetch. */
  readonly fetch?: typeof fetch;
}

export class HttpControlPlane implements ControlPlane {
  private readonly baseUrl: string;
  private readonly sign: RequestSigner | undefined;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;

  constructor(options: HttpControlPlaneOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch (err) {
      throw new Error(`the API URL ${JSON.stringify(options.baseUrl)} is not a URL; pass --api-url http://host:port`, { cause: err });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`the API URL must be http(s), got ${url.protocol}`);
    this.baseUrl = url.toString().replace(/\/+$/, '');
    this.sign = options.sign;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    if (!Number.isFinite(this.timeoutMs) || this.timeoutMs <= 0) throw new Error(`API timeout must be a positive number of ms, got ${options.timeoutMs}`);
    this.fetchFn = options.fetch ?? fetch;
  }

  async heartbeat(nodeId: string, body: HeartbeatBody): Promise<DesiredTask[]> {
    const json = await this.request('heartbeat', ROUTES.heartbeat.method, routePath(ROUTES.heartbeat, { id: nodeId }), body);
    const parsed = heartbeatAnswerSchema.safeParse(json);
    if (!parsed.success) {
      throw new ControlPlaneError(`the heartbeat response is not what the agent expects: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}; check that the agent and the API are the same version`, {
        operation: 'heartbeat',
        retriable: false,
      });
    }
    // What the reconcile table needs of each copy; slot, status and stopRequested are the scheduler's business.
    return parsed.data.tasks.map((t) => ({
      taskId: t.id,
      jobId: t.jobId,
      generation: t.generation,
      image: t.image,
      command: t.command,
      env: t.env,
      resources: t.resources,
      ...(t.ports !== undefined ? { ports: t.ports } : {}),
      ...(t.healthCheck !== undefined ? { healthCheck: t.healthCheck } : {}),
      ...(t.stopGraceSeconds !== undefined ? { stopGraceSeconds: t.stopGraceSeconds } : {}),
      ...(t.cpuLimit !== undefined ? { cpuLimit: t.cpuLimit } : {}),
      ...(t.capabilities !== undefined ? { capabilities: t.capabilities } : {}),
      ...(t.secrets !== undefined ? { secrets: t.secrets } : {}),
    }));
  }

  private async request(operation: 'heartbeat', method: string, path: string, payload: unknown): Promise<unknown> {
    const url = `${this.baseUrl}${path}`;
    const body = JSON.stringify(payload);
    const base = { 'content-type': 'application/json', accept: 'application/json' };
    const signed = this.sign ? await this.sign({ method, url, headers: base, body }) : {};
    let res: Response;
    let text: string;
    try {
      // The one signal bounds the whole exchange, body included.
      const signal = AbortSignal.timeout(this.timeoutMs);
      res = await this.fetchFn(url, { method, headers: { ...base, ...signed }, body, signal });
      text = await res.text();
    } catch (err) {
      const timedOut = (err as { name?: string } | null)?.name === 'TimeoutError';
      throw new ControlPlaneError(
        timedOut
          ? `${method} ${url} did not answer within ${this.timeoutMs} ms; the API may be overloaded, retrying next pass`
          : `${method} ${url} failed: ${describeFetchError(err)}; check that the API is reachable from this node`,
        { operation, retriable: true },
        { cause: err },
      );
    }
    if (!res.ok) {
      const retriable = res.status === 429 || res.status >= 500;
      throw new ControlPlaneError(`${method} ${url} answered ${res.status}: ${text.slice(0, 500)}${retriable ? '' : '; fix the request or the credentials before retrying'}`, {
        operation,
        status: res.status,
        retriable,
      });
    }
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new ControlPlaneError(`${method} ${url} answered ${res.status} with a body that is not JSON`, { operation, status: res.status, retriable: false }, { cause: err });
    }
  }
}

/** fetch says only "fetch failed"; the socket error (ECONNREFUSED, ENOTFOUND…) is in its cause. */
function describeFetchError(err: unknown): string {
  const msg = (err as Error | null)?.message ?? String(err);
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const detail = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : undefined;
  return detail ? `${msg} (${detail})` : msg;
}
