/**
 * The one answer to "may the same AWS call succeed later, unchanged?" for every AWS
 * adapter (DynamoStateStore, Ec2Fleet, SsmNodeCommander, AlbLoadBalancer). Each adapter first handles the
 * errors that mean something to it (a refused condition, an instance already gone, an
 * unmanaged instance); whatever is left is classified here, and the adapter turns the
 * answer into its port's typed error.
 *
 * Retriable: throttling, service faults, transient network failures and timeouts (the
 * errors the SDK's own standard retry strategy retries), plus the few codes a service
 * documents as "retry later" under a name of its own. Everything else is not: a retry
 * cannot get past a bad request, a missing permission or a wrong table name.
 *
 * Errors are read by duck typing, not `instanceof`: tests and other SDK versions throw
 * plain objects with the same fields.
 */

/** The services whose adapters live beside this module. */
export type AwsService = 'dynamodb' | 'ec2' | 'ssm' | 'elbv2' | 'logs';

/** Which rule made an error retriable, or that none did. */
export type AwsErrorKind = 'throttling' | 'service-fault' | 'transient' | 'sdk-retryable' | 'service-code' | 'not-retriable';

export interface AwsErrorFacts {
  /** The service's error code (`ThrottlingException`, `InvalidInstanceID.NotFound`, …), or the JS error name. */
  readonly code: string;
  readonly message: string;
  readonly httpStatusCode?: number;
  readonly retriable: boolean;
  readonly kind: AwsErrorKind;
}

/**
 * Throttling codes of any AWS service: the list the AWS SDK for JavaScript v3 retries as
 * throttling in its standard retry mode (`THROTTLING_ERROR_CODES` in @smithy/core's
 * service-error-classification; AWS SDKs and Tools Reference Guide, "Retry behavior").
 */
const THROTTLING_CODES: ReadonlySet<string> = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);

/** Server faults every AWS Query/JSON API may answer ("Common Errors" of each API reference: InternalFailure 500, ServiceUnavailable 503). */
const SERVICE_FAULT_CODES: ReadonlySet<string> = new Set(['InternalFailure', 'ServiceUnavailable']);

/** Timeouts the SDK reports by name (`TRANSIENT_ERROR_CODES` in the same SDK module). */
const TIMEOUT_CODES: ReadonlySet<string> = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

/** Node.js socket errors (`err.code`) the SDK retries as transient: the request may never have reached the service. */
const NETWORK_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Codes a service documents as "retry later" under a name of its own, beyond the
 * common lists above.
 */
const SERVICE_CODES: Readonly<Record<AwsService, ReadonlySet<string>>> = {
  // Amazon DynamoDB API Reference, "Common errors" of every data-plane operation:
  // InternalServerError, "an error occurred on the server side" (HTTP 500).
  dynamodb: new Set(['InternalServerError']),
  // Amazon EC2 API Reference, "Error codes for the Amazon EC2 API", server errors:
  // no capacity of the type or host in the zone right now (a later launch may find
  // some), an internal error ("retry your request"), an overloaded server.
  ec2: new Set(['InsufficientInstanceCapacity', 'InsufficientHostCapacity', 'InternalError', 'Unavailable']),
  // AWS Systems Manager API Reference: InternalServerError (HTTP 500) on every action,
  // and TooManyUpdates, "concurrent updates for a resource that supports one update at a time".
  ssm: new Set(['InternalServerError', 'TooManyUpdates']),
  // Elastic Load Balancing API Reference (version 2015-12-01), the Errors of each action,
  // under the wire code and the SDK's exception name: PriorRequestNotComplete (HTTP 429,
  // a prior request on the resource is still in progress), HealthUnavailable (500, target
  // health could not be read), InsufficientCapacity (500), and ResourceInUse (400): a
  // target group a rule was just deleted from is briefly still in use by the listener.
  elbv2: new Set([
    'PriorRequestNotComplete',
    'PriorRequestNotCompleteException',
    'HealthUnavailable',
    'HealthUnavailableException',
    'InsufficientCapacity',
    'InsufficientCapacityException',
    'ResourceInUse',
    'ResourceInUseException',
  ]),
  // Amazon CloudWatch Logs API Reference, FilterLogEvents "Errors": ServiceUnavailableException
  // (HTTP 500, "the service cannot complete the request"); throttling is in the common list.
  logs: new Set(['ServiceUnavailableException']),
};

interface SdkErrorShape {
  name?: unknown;
  Code?: unknown;
  code?: unknown;
  message?: unknown;
  $retryable?: { throttling?: unknown } | unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/**
 * Classifies an error thrown by an AWS SDK v3 client call to `service`. The rules, in
 * the order they are tried:
 * - throttling: HTTP 429, a code in THROTTLING_CODES, or `$retryable.throttling`;
 * - service fault: HTTP 5xx, `$fault: 'server'`, or a code in SERVICE_FAULT_CODES;
 * - transient: a timeout by name, or a Node.js socket error code (NETWORK_CODES);
 * - sdk-retryable: the service model marks the error retryable (`$retryable` present);
 * - service-code: a code the service documents as retriable (SERVICE_CODES);
 * - otherwise not retriable.
 */
export function classifyAwsError(err: unknown, service: AwsService): AwsErrorFacts {
  const e: SdkErrorShape = typeof err === 'object' && err !== null ? (err as SdkErrorShape) : {};
  const code = typeof e.Code === 'string' ? e.Code : typeof e.name === 'string' ? e.name : 'UnknownError';
  const httpStatusCode = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const message = typeof e.message === 'string' ? e.message : String(err);
  const facts = (kind: AwsErrorKind): AwsErrorFacts => ({ code, message, httpStatusCode, retriable: kind !== 'not-retriable', kind });

  const retryable = e.$retryable;
  const throttlingTrait = typeof retryable === 'object' && retryable !== null && (retryable as { throttling?: unknown }).throttling === true;
  if (httpStatusCode === 429 || THROTTLING_CODES.has(code) || throttlingTrait) return facts('throttling');
  if ((httpStatusCode !== undefined && httpStatusCode >= 500 && httpStatusCode <= 599) || e.$fault === 'server' || SERVICE_FAULT_CODES.has(code)) return facts('service-fault');
  if (TIMEOUT_CODES.has(code) || (typeof e.code === 'string' && NETWORK_CODES.has(e.code))) return facts('transient');
  if (retryable !== undefined) return facts('sdk-retryable');
  if (SERVICE_CODES[service].has(code)) return facts('service-code');
  return facts('not-retriable');
}
