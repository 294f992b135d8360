import type { FieldIssue } from '../../contract/error-body';

/**
 * The errors an API handler throws to refuse a request. Each carries its HTTP status
 * and a stable machine-readable `code`; `respond.ts` is the one place that turns them
 * (and every other error) into a response. Messages say what was refused and how to
 * fix it; they are shown to the caller, so they never carry internals.
 */
export abstract class ApiError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  /** Extra response headers (e.g. Retry-After). */
  readonly headers: Readonly<Record<string, string>> = {};
}


/** 400: the request (body, path or query) broke one or more rules; every one is listed. */
export class ValidationError extends ApiError {
  override readonly name = 'ValidationError';
  readonly status = 400;
  readonly code = 'validation-failed';
  constructor(
    readonly fields: readonly FieldIssue[],
    what = 'request',
  ) {
    super(`${what} is invalid: ${fields.map((f) => `${f.field}: ${f.rule}`).join('; ')}`);
  }
}

/** 400: the body is not JSON (or not UTF-8) at all. */
export class MalformedBodyError extends ApiError {
  override readonly name = 'MalformedBodyError';
  readonly status = 400;
  readonly code = 'malformed-body';
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`request body is not valid JSON: ${reason}; send a JSON object with Content-Type: application/json`, options);
  }
}

/** 413: the body is larger than the route accepts. Checked before parsing. */
export class PayloadTooLargeError extends ApiError {
  override readonly name = 'PayloadTooLargeError';
  readonly status = 413;
  readonly code = 'payload-too-large';
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`request body is ${bytes} bytes; this route accepts at most ${limit} bytes`);
  }
}

/** 403: the caller is authenticated but may not act on this resource. */
export class ForbiddenError extends ApiError {
  override readonly name = 'ForbiddenError';
  readonly status = 403;
  readonly code = 'forbidden';
}

/** 404: no such resource. */
export class NotFoundError extends ApiError {
  override readonly name = 'NotFoundError';
  readonly status = 404;
  readonly code = 'not-found';
  constructor(
    readonly kind: string,
    readonly id: string,
    /** How `id` was looked up: a job may be named by its id or its name. */
    by: 'id' | 'name or id' = 'id',
  ) {
    super(`no ${kind} with ${by} ${id}; list them with GET /${kind}s`);
  }
}

/** 404: no route answers this method and path (a function URL takes any path; one route serves). */
export class RouteNotFoundError extends ApiError {
  override readonly name = 'RouteNotFoundError';
  readonly status = 404;
  readonly code = 'no-route';
  constructor(method: string, path: string, served: string) {
    super(`no route ${method} ${path}; this URL serves only ${served}`);
  }
}

/** 409: the request conflicts with what is stored or still in progress; `code` says which. */
export class ConflictError extends ApiError {
  override readonly name = 'ConflictError';
  readonly status = 409;
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** 409: the job's expose rule (path and host) is one a live job already holds. */
export class ExposeRuleTakenError extends ApiError {
  override readonly name = 'ExposeRuleTakenError';
  readonly status = 409;
  readonly code = 'expose-rule-taken';
  /** Without `ownerName` and `ownerId` (the holder is a job the caller may not see) the message names no job. */
  constructor(
    readonly rule: { readonly path?: string; readonly host?: string },
    readonly ownerName?: string,
    readonly ownerId?: string,
  ) {
    const what = [rule.host !== undefined ? `host ${rule.host}` : '', rule.path !== undefined ? `path ${rule.path}` : ''].filter(Boolean).join(' and ');
    super(
      ownerName !== undefined
        ? `expose rule ${what} is already used by job ${ownerName} (${ownerId}); choose another path or host, or stop that job first`
        : `expose rule ${what} is already used by another job; choose another path or host`,
    );
  }
}

/** 422: an Idempotency-Key already used for a different request body. */
export class IdempotencyKeyReusedError extends ApiError {
  override readonly name = 'IdempotencyKeyReusedError';
  readonly status = 422;
  readonly code = 'idempotency-key-reused';
  constructor(options?: { cause?: unknown }) {
    super('this Idempotency-Key was already used for a different job; retry with the original body, or use a new key for a new job', options);
  }
}

/** 503: a dependency failed in a way a retry may fix. */
export class ServiceUnavailableError extends ApiError {
  override readonly name = 'ServiceUnavailableError';
  readonly status = 503;
  readonly code = 'unavailable';
  override readonly headers = { 'retry-after': '1' };
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
