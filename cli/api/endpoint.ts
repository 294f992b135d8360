import { readFileSync } from 'node:fs';
import { regionOfApiUrl } from '../../contract/sigv4-signer';
import { credentialsFile, localDir, readCredentials } from '../../local/credentials';
import { ApiConfigError } from './errors';

/**
 * Where the user CLI calls and how it proves who it is. Resolved once per command from
 * the flags, the environment and the files they name; `client.ts` turns it into calls.
 */
export interface Endpoint {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:8080 or https://abc.execute-api.us-east-1.amazonaws.com. */
  readonly baseUrl: string;
  readonly auth: EndpointAuth;
  /** Where the URL came from, for messages: "--api-url", "STOWAGE_API_URL", "outputs file x.json", "local credential file ...". */
  readonly source: string;
  /** The local cloud of `npm run local` (its credential file named the URL): its containers are in this machine's Docker. */
  readonly local?: true;
}

export type EndpointAuth =
  /** `source` says where the token came from, so a 401 can say which one to fix. */
  | { readonly kind: 'bearer'; readonly token: string; readonly source: string }
  | { readonly kind: 'sigv4'; readonly region: string }
  | { readonly kind: 'none' };

/** The options every API command takes (see `addApiOptions`). */
export interface ApiOptions {
  readonly apiUrl?: string;
  readonly outputs?: string;
  readonly region?: string;
}

/** The CfnOutput of infra/stowage-stack.ts that holds the API's base URL. */
export const API_URL_OUTPUT = 'ApiUrl';

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/**
 * Resolution order: --api-url (or STOWAGE_API_URL) wins; else --outputs (a
 * `cdk deploy --outputs-file` JSON); else the local cloud's credential file.
 * Auth: the local credential's bearer token (the local admin), or STOWAGE_TOKEN when set
 * (a local user's token); SigV4 (default AWS credential chain) for an
 * execute-api URL or whenever --region is given (a custom domain in front of API
 * Gateway); else STOWAGE_TOKEN as a bearer token; else nothing.
 */
export function resolveEndpoint(options: ApiOptions, env: NodeJS.ProcessEnv = process.env): Endpoint {
  const region = options.region === undefined ? undefined : checkRegion(options.region);
  const explicit = nonEmpty(options.apiUrl) ? { url: options.apiUrl, source: '--api-url' } : nonEmpty(env.STOWAGE_API_URL) ? { url: env.STOWAGE_API_URL, source: 'STOWAGE_API_URL' } : undefined;
  if (explicit) {
    const baseUrl = checkUrl(explicit.url, explicit.source);
    return { baseUrl, source: explicit.source, auth: remoteAuth(baseUrl, region, env) };
  }
  if (options.outputs !== undefined) {
    const baseUrl = apiUrlFromOutputs(options.outputs);
    return { baseUrl, source: `outputs file ${options.outputs}`, auth: remoteAuth(baseUrl, region, env) };
  }
  // readCredentials throws LocalCredentialsError saying to start `npm run local` or pass --api-url.
  const dir = localDir(env);
  const creds = readCredentials(dir);
  const file = credentialsFile(dir);
  const baseUrl = checkUrl(creds.apiUrl, `the apiUrl in ${file}`);
  // STOWAGE_TOKEN speaks for another local principal (`stowage local token --user NAME`);
  // without it, the credential file's own token: the local admin.
  if (nonEmpty(env.STOWAGE_TOKEN)) return { baseUrl, local: true, source: `local credential file ${file}`, auth: { kind: 'bearer', token: env.STOWAGE_TOKEN.trim(), source: 'STOWAGE_TOKEN (a local user token: issue a fresh one with `stowage local token --user NAME`)' } };
  return { baseUrl, local: true, source: `local credential file ${file}`, auth: { kind: 'bearer', token: creds.token, source: `the local cloud's token in ${file} (restart \`npm run local\` to renew it)` } };
}

function remoteAuth(baseUrl: string, region: string | undefined, env: NodeJS.ProcessEnv): EndpointAuth {
  const fromUrl = regionOfApiUrl(baseUrl);
  if (region !== undefined || fromUrl !== undefined) return { kind: 'sigv4', region: region ?? fromUrl! };
  if (nonEmpty(env.STOWAGE_TOKEN)) return { kind: 'bearer', token: env.STOWAGE_TOKEN.trim(), source: 'STOWAGE_TOKEN' };
  return { kind: 'none' };
}

/**
 * The API URL from a CDK outputs file: `{ "<Stack>": { "<OutputKey>": "<value>" } }`.
 * The key is `ApiUrl` at the stack's top level; nested constructs prefix and suffix it,
 * so any key containing it is accepted, as long as exactly one stack has one.
 */
export function apiUrlFromOutputs(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ApiConfigError('--outputs', `cannot read the outputs file ${file} (${code}); write it with \`npx cdk deploy --outputs-file ${file}\``, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ApiConfigError('--outputs', `the outputs file ${file} is not JSON (${(err as Error).message}); write it again with \`npx cdk deploy --outputs-file ${file}\``, { cause: err });
  }
  if (!isRecord(parsed)) throw new ApiConfigError('--outputs', `the outputs file ${file} is not a JSON object of stacks; expected { "<StackName>": { "${API_URL_OUTPUT}": "https://..." } }`);
  const found: Array<{ stack: string; key: string; value: unknown }> = [];
  for (const [stack, outputs] of Object.entries(parsed)) {
    if (!isRecord(outputs)) continue;
    // Exact key first: a stack may also hold other outputs whose names merely contain it.
    const key = API_URL_OUTPUT in outputs ? API_URL_OUTPUT : Object.keys(outputs).find((k) => k.includes(API_URL_OUTPUT));
    if (key !== undefined) found.push({ stack, key, value: outputs[key] });
  }
  if (found.length === 0) {
    throw new ApiConfigError('--outputs', `the outputs file ${file} has no output named like "${API_URL_OUTPUT}" in any stack (stacks: ${Object.keys(parsed).join(', ') || 'none'}); is it the outputs of the Stowage stack? Or pass --api-url`);
  }
  if (found.length > 1) {
    throw new ApiConfigError('--outputs', `the outputs file ${file} has an API URL in more than one stack (${found.map((f) => `${f.stack}.${f.key}`).join(', ')}); pass the one you mean with --api-url`);
  }
  const [{ stack, key, value }] = found;
  if (typeof value !== 'string') throw new ApiConfigError('--outputs', `${stack}.${key} in the outputs file ${file} is not a string URL`);
  return checkUrl(value, `${stack}.${key} in the outputs file ${file}`);
}

function checkUrl(raw: string, source: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch (err) {
    throw new ApiConfigError(source, `${source} is not a URL: ${JSON.stringify(raw)}; expected e.g. http://127.0.0.1:8080 or https://abc123.execute-api.us-east-1.amazonaws.com`, { cause: err });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ApiConfigError(source, `${source} must be an http(s) URL, got ${JSON.stringify(raw)}`);
  if (url.search !== '' || url.hash !== '') throw new ApiConfigError(source, `${source} must be a base URL without ?query or #fragment, got ${JSON.stringify(raw)}`);
  return url.toString().replace(/\/+$/, '');
}

function checkRegion(region: string): string {
  if (!REGION.test(region)) throw new ApiConfigError('--region', `--region must be an AWS region such as us-east-1, got ${JSON.stringify(region)}`);
  return region;
}

function nonEmpty(s: string | undefined): s is string {
  return s !== undefined && s.trim() !== '';
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
