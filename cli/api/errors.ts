import type { FieldIssue } from '../../contract/error-body';

/**
 * Typed errors of the user CLI's calls to the Stowage API. Each message says what
 * failed and what to do, because `cli/main.ts` prints it as the whole answer (one
 * `stowage: ...` line, no stack). Commands may also branch on the fields.
 */

/**
 * Where to call or how to authenticate could not be worked out from the options:
 * a bad --api-url, an unreadable --outputs file, a missing region. `option` names
 * the flag or variable the user should fix.
 */
export class ApiConfigError extends Error {
  override readonly name = 'ApiConfigError';
  constructor(
    readonly option: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The API answered with a non-2xx status. `code`, `message` and `fields` are the API's own error body. */
export class ApiRequestError extends Error {
  override readonly name = 'ApiRequestError';
  readonly status: number;
  readonly code: string;
  /** The API's message alone (the error's `message` adds the request and a hint). */
  readonly apiMessage: string;
  readonly fields: readonly FieldIssue[];
  readonly method: string;
  readonly url: string;
  constructor(details: { method: string; url: string; status: number; code: string; message: string; fields?: readonly FieldIssue[]; hint?: string }) {
    const fields = details.fields ?? [];
    const head = `${details.method} ${details.url} was refused (HTTP ${details.status} ${details.code})`;
    // A validation error lists every field on its own line: the user fixes them all in one go.
    const body = fields.length > 0 ? `:\n${fields.map((f) => `  ${f.field}: ${f.rule}`).join('\n')}` : `: ${details.message}`;
    super(`${head}${body}${details.hint ? `\n${details.hint}` : ''}`);
    this.status = details.status;
    this.code = details.code;
    this.apiMessage = details.message;
    this.fields = fields;
    this.method = details.method;
    this.url = details.url;
  }
}

/**
 * No answer: the connection failed (`socketCode` is ECONNREFUSED, ENOTFOUND, ...) or
 * the API did not answer within the timeout (`socketCode` is `TIMEOUT`).
 */
export class ApiConnectionError extends Error {
  override readonly name = 'ApiConnectionError';
  constructor(
    readonly url: string,
    readonly socketCode: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The API answered 2xx with a body the CLI cannot read: the CLI and the API are probably different versions. */
export class ApiResponseError extends Error {
  override readonly name = 'ApiResponseError';
  constructor(
    readonly url: string,
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The request could not be signed: no AWS credentials in the default chain, or they could not be loaded. */
export class ApiCredentialsError extends Error {
  override readonly name = 'ApiCredentialsError';
}

/** A command's own input is wrong (a job file, a flag value); `source` names the file or option. */
export class CliInputError extends Error {
  override readonly name = 'CliInputError';
  constructor(
    readonly source: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
