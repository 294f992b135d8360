import type { Command } from 'commander';
import type { ErrorBody, FieldIssue } from '../../contract/error-body';
import type { RequestSigner } from '../../contract/request-signer';
import type { ResponseOf } from '../../contract/route-shapes';
import { ROUTES, routePath, type HttpMethod, type RouteName } from '../../contract/routes';
import { sigV4Signer } from '../../contract/sigv4-signer';
import { resolveEndpoint, type ApiOptions, type Endpoint } from './endpoint';
import { ApiConnectionError, ApiCredentialsError, ApiRequestError, ApiResponseError } from './errors';

export interface RequestOptions {
  /** Sent as JSON. */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly query?: Record<string, string>;
}

export interface RouteCallOptions extends RequestOptions {
  /** Values of the route's `{name}` path parameters. */
  readonly params?: Readonly<Record<string, string>>;
}

/** The success body of the route named `N` (contract/route-shapes.ts). */
export type RouteResponse<N extends RouteName> = ResponseOf<(typeof ROUTES)[N]['key']>;

export interface ApiClientOptions {
  readonly endpoint: Endpoint;
  /** Per attempt, reading the body included. Default 15 s. */
  readonly timeoutMs?: number;
  /** Injectable for tests; default the global fetch. */
  readonly fetch?: typeof fetch;
  /** Replaces the signer the endpoint's auth implies (tests sign with fixed credentials and clock). */
  readonly sign?: RequestSigner;
  /** Waits before each retry; its length is the number of retries. Default [250, 1000]. */
  readonly retryDelaysMs?: readonly number[];
}

export const DEFAULT_TIMEOUT_MS = 15_000;

/** Connection failures where the request may never have arrived, so sending it again is worth a try. */
const RETRIABLE_SOCKET = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
/** Answers that say "not now" rather than "no". */
const RETRIABLE_STATUS = new Set([429, 502, 503, 504]);

/**
 * The user CLI's one way to call the Stowage API, local or deployed: authenticates
 * each request as the endpoint says, times it out, retries what is safe to retry, and
 * turns every failure into a typed error whose message says what to do.
 */
export class ApiClient {
  readonly endpoint: Endpoint;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;
  private readonly sign: RequestSigner | undefined;
  private readonly retryDelaysMs: readonly number[];

  constructor(options: ApiClientOptions) {
    this.endpoint = options.endpoint;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isFinite(this.timeoutMs) || this.timeoutMs <= 0) throw new RangeError(`the API timeout must be a positive number of ms, got ${options.timeoutMs}`);
    this.fetchFn = options.fetch ?? fetch;
    this.sign = options.sign ?? signerFor(options.endpoint);
    this.retryDelaysMs = options.retryDelaysMs ?? [250, 1000];
  }

  /** Calls one of the API's routes (contract/routes.ts); the answer is typed by the route's shape. */
  call<N extends RouteName>(name: N, options: RouteCallOptions = {}): Promise<RouteResponse<N>> {
    const route = ROUTES[name];
    return this.request<RouteResponse<N>>(route.method, routePath(route, options.params), options);
  }

  /**
   * Calls `method path` and returns the parsed JSON body (undefined for an empty one).
   * Throws ApiRequestError (non-2xx), ApiConnectionError (no answer), ApiResponseError
   * (unreadable 2xx) or ApiCredentialsError (cannot sign).
   */
  async request<T>(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<T> {
    const url = this.urlFor(path, options.query);
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = { accept: 'application/json', ...lowercaseKeys(options.headers ?? {}) };
    if (body !== undefined) headers['content-type'] = 'application/json';
    // A POST is retried only with an Idempotency-Key: without one, a retry could make a second job.
    const retriable = method !== 'POST' || headers['idempotency-key'] !== undefined;
    for (let attempt = 0; ; attempt++) {
      const delay = retriable ? this.retryDelaysMs[attempt] : undefined;
      try {
        return await this.once<T>(method, url, headers, body);
      } catch (err) {
        if (delay === undefined || !worthRetrying(err)) throw err;
        await sleep(retryAfterMs(err) ?? delay);
      }
    }
  }

  private async once<T>(method: HttpMethod, url: string, headers: Record<string, string>, body: string | undefined): Promise<T> {
    let signed: Readonly<Record<string, string>> = {};
    if (this.sign) {
      try {
        signed = await this.sign({ method, url, headers, body: body ?? '' });
      } catch (err) {
        throw new ApiCredentialsError(
          `cannot sign the request to ${url} with SigV4: ${(err as Error).message}; set AWS credentials (AWS_PROFILE, \`aws configure\`, \`aws sso login\`, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)`,
          { cause: err },
        );
      }
    }
    let res: Response;
    let text: string;
    try {
      // One signal bounds the whole exchange, body included.
      res = await this.fetchFn(url, { method, headers: { ...headers, ...signed }, body, signal: AbortSignal.timeout(this.timeoutMs) });
      text = await res.text();
    } catch (err) {
      throw this.connectionError(method, url, err);
    }
    if (!res.ok) throw this.requestError(method, url, res, text);
    if (text.trim() === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new ApiResponseError(url, res.status, `${method} ${url} answered ${res.status} with a body that is not JSON (${text.slice(0, 80)}...); is ${this.endpoint.source} the Stowage API's base URL?`, { cause: err });
    }
  }

  private urlFor(path: string, query: Record<string, string> | undefined): string {
    const qs = query && Object.keys(query).length > 0 ? `?${new URLSearchParams(query).toString()}` : '';
    return `${this.endpoint.baseUrl}${path.startsWith('/') ? path : `/${path}`}${qs}`;
  }

  private connectionError(method: string, url: string, err: unknown): ApiConnectionError {
    if ((err as { name?: string } | null)?.name === 'TimeoutError') {
      return new ApiConnectionError(url, 'TIMEOUT', `${method} ${url} did not answer within ${this.timeoutMs / 1000} s; the API may be overloaded or unreachable from here (the URL came from ${this.endpoint.source})`, { cause: err });
    }
    const code = socketCode(err);
    const local = isLoopback(this.endpoint.baseUrl);
    const what =
      code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? `the host name does not resolve; check the URL in ${this.endpoint.source}`
        : local
          ? `is \`npm run local\` running? (the URL came from ${this.endpoint.source})`
          : `check your network and the URL in ${this.endpoint.source}`;
    return new ApiConnectionError(url, code, `cannot reach the Stowage API: ${method} ${url} failed (${code}); ${what}`, { cause: err });
  }

  private requestError(method: string, url: string, res: Response, text: string): ApiRequestError {
    const parsed = parseErrorBody(text);
    const code = parsed.code ?? (res.status === 401 ? 'unauthorized' : res.status === 403 ? 'forbidden' : `http-${res.status}`);
    const message = parsed.message ?? (text.trim() === '' ? res.statusText || 'no message' : text.trim().slice(0, 300));
    const err = new ApiRequestError({ method, url, status: res.status, code, message, fields: parsed.fields, hint: this.hintFor(res.status, parsed.code !== undefined) });
    const retryAfter = Number(res.headers.get('retry-after'));
    if (Number.isFinite(retryAfter) && retryAfter > 0) retryAfterByError.set(err, Math.min(retryAfter, 5) * 1000);
    return err;
  }

  /** What to check for the statuses that are about the CLI's setup rather than the request. */
  private hintFor(status: number, fromStowage: boolean): string | undefined {
    const auth = this.endpoint.auth;
    if (status === 401) {
      if (auth.kind === 'bearer') return `the API refused the token from ${auth.source}`;
      if (auth.kind === 'none') return 'the API wants credentials: set STOWAGE_TOKEN for a bearer token, or pass --region to sign with your AWS credentials';
      return 'the API refused the SigV4 signature; check your AWS credentials and --region';
    }
    if (status === 403 && auth.kind === 'sigv4') {
      return `check that your AWS identity (\`aws sts get-caller-identity\`) may call execute-api:Invoke on this API, and that its region is ${auth.region}`;
    }
    if (status === 404 && !fromStowage) return `the answer is not from the Stowage API; is ${this.endpoint.source} its base URL?`;
    return undefined;
  }
}

/** The flags every API command takes. Returns the command, for chaining. */
export function addApiOptions(cmd: Command): Command {
  return cmd
    .option('--api-url <url>', 'the Stowage API base URL (default: $STOWAGE_API_URL, else --outputs, else the local cloud of `npm run local`)')
    .option('--outputs <file>', 'a `cdk deploy --outputs-file` JSON; the API URL is its ApiUrl output')
    .option('--region <region>', 'AWS region to sign for (default: the one in an execute-api URL); forces SigV4 signing');
}

/** Resolves the endpoint from the options and the environment, then makes the client. */
export async function clientFromOptions(opts: ApiOptions, env: NodeJS.ProcessEnv = process.env, overrides: Omit<ApiClientOptions, 'endpoint'> = {}): Promise<ApiClient> {
  return new ApiClient({ ...overrides, endpoint: resolveEndpoint(opts, env) });
}

function signerFor(endpoint: Endpoint): RequestSigner | undefined {
  const auth = endpoint.auth;
  if (auth.kind === 'sigv4') return sigV4Signer({ region: auth.region });
  if (auth.kind === 'bearer') {
    const header = `Bearer ${auth.token}`;
    return async () => ({ authorization: header });
  }
  return undefined;
}

// Keyed by error object rather than a public field: how long to wait is the client's business.
const retryAfterByError = new WeakMap<object, number>();

function retryAfterMs(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null ? retryAfterByError.get(err) : undefined;
}

function worthRetrying(err: unknown): boolean {
  if (err instanceof ApiRequestError) return RETRIABLE_STATUS.has(err.status);
  if (err instanceof ApiConnectionError) return RETRIABLE_SOCKET.has(err.socketCode);
  return false;
}

/**
 * Stowage's error body (contract/error-body.ts), or what can be read of one, or API
 * Gateway's own `{ message }`: read field by field rather than all or nothing, so a
 * proxy's or an older API's answer still gives what it has.
 */
function parseErrorBody(text: string): Partial<ErrorBody['error']> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof json !== 'object' || json === null) return {};
  const error = (json as { error?: unknown }).error;
  if (typeof error === 'object' && error !== null) {
    const e = error as { code?: unknown; message?: unknown; fields?: unknown };
    const fields = Array.isArray(e.fields)
      ? e.fields.filter((f): f is FieldIssue => typeof f === 'object' && f !== null && typeof f.field === 'string' && typeof f.rule === 'string')
      : undefined;
    return { code: typeof e.code === 'string' ? e.code : undefined, message: typeof e.message === 'string' ? e.message : undefined, fields };
  }
  const message = (json as { message?: unknown }).message;
  return typeof message === 'string' ? { message } : {};
}

/** fetch says only "fetch failed"; the socket error (ECONNREFUSED, ENOTFOUND...) is in its cause. */
function socketCode(err: unknown): string {
  let e: unknown = err;
  let innermost = 'network error';
  for (let depth = 0; depth < 4 && typeof e === 'object' && e !== null; depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string') return code;
    // Some refusals carry no code, only a message (fetch's "bad port" for ports it will not call).
    if (depth > 0 && typeof message === 'string' && message !== '') innermost = message;
    e = (e as { cause?: unknown }).cause;
  }
  return innermost;
}

function isLoopback(baseUrl: string): boolean {
  const host = new URL(baseUrl).hostname;
  return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
}

function lowercaseKeys(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
