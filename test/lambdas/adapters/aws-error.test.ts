import { ProvisionedThroughputExceededException, DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { SSMServiceException, TooManyUpdates } from '@aws-sdk/client-ssm';
import { classifyAwsError, type AwsService } from '../../../lambdas/adapters/aws-error';

const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });
const plain = (fields: Record<string, unknown>) => Object.assign(new Error(String(fields.message ?? 'failed')), fields);

describe('classifyAwsError', () => {
  it.each<[string, AwsService, unknown]>([
    ['DynamoDB throttling by code', 'dynamodb', new ProvisionedThroughputExceededException({ message: 'slow down', ...meta(400) })],
    ['EC2 throttling by code', 'ec2', new EC2ServiceException({ name: 'RequestLimitExceeded', $fault: 'client', message: 'x', ...meta(503) })],
    ['SSM throttling by code', 'ssm', new SSMServiceException({ name: 'ThrottlingException', $fault: 'client', message: 'x', ...meta(400) })],
    ['any HTTP 429', 'ssm', plain({ name: 'SomethingNew', $metadata: { httpStatusCode: 429 } })],
    ['the SDK throttling trait', 'dynamodb', plain({ name: 'SomethingNew', $retryable: { throttling: true } })],
  ])('calls %s throttling, retriable', (_what, service, err) => {
    expect(classifyAwsError(err, service)).toMatchObject({ retriable: true, kind: 'throttling' });
  });

  it.each<[string, AwsService, unknown]>([
    ['a 500', 'dynamodb', plain({ name: 'Whatever', $metadata: { httpStatusCode: 500 } })],
    ['a 503', 'ec2', plain({ name: 'Whatever', $metadata: { httpStatusCode: 503 } })],
    ["the service's own `$fault: server`", 'ssm', plain({ name: 'Whatever', $fault: 'server' })],
    ['InternalFailure with no status', 'dynamodb', plain({ name: 'InternalFailure' })],
    ['ServiceUnavailable with no status', 'ec2', plain({ name: 'ServiceUnavailable' })],
  ])('calls %s a service fault, retriable', (_what, service, err) => {
    expect(classifyAwsError(err, service)).toMatchObject({ retriable: true, kind: 'service-fault' });
  });

  it.each<[string, unknown]>([
    ['an SDK timeout', plain({ name: 'TimeoutError' })],
    ['a connection reset', plain({ name: 'Error', code: 'ECONNRESET' })],
    ['a refused connection', plain({ name: 'Error', code: 'ECONNREFUSED' })],
    ['a name that did not resolve', plain({ name: 'Error', code: 'EAI_AGAIN' })],
  ])('calls %s transient, retriable', (_what, err) => {
    expect(classifyAwsError(err, 'dynamodb')).toMatchObject({ retriable: true, kind: 'transient' });
  });

  it('trusts the service model when it marks an error retryable', () => {
    expect(classifyAwsError(plain({ name: 'SomethingTransient', $retryable: {} }), 'ssm')).toMatchObject({ retriable: true, kind: 'sdk-retryable' });
  });

  it.each<[AwsService, string]>([
    ['dynamodb', 'InternalServerError'],
    ['ec2', 'InsufficientInstanceCapacity'],
    ['ec2', 'InsufficientHostCapacity'],
    ['ec2', 'InternalError'],
    ['ec2', 'Unavailable'],
    ['ssm', 'InternalServerError'],
    ['ssm', 'TooManyUpdates'],
  ])('takes %s %s as retriable, as that service documents it', (service, code) => {
    expect(classifyAwsError(plain({ name: code, $metadata: { httpStatusCode: 400 } }), service)).toMatchObject({ code, retriable: true, kind: 'service-code' });
  });

  it("keeps one service's codes to that service", () => {
    expect(classifyAwsError(plain({ name: 'InsufficientInstanceCapacity', $metadata: { httpStatusCode: 400 } }), 'ssm').retriable).toBe(false);
    expect(classifyAwsError(plain({ name: 'TooManyUpdates', $metadata: { httpStatusCode: 400 } }), 'ec2').retriable).toBe(false);
  });

  it.each<[AwsService, string]>([
    ['dynamodb', 'ValidationException'],
    ['dynamodb', 'ResourceNotFoundException'],
    ['ec2', 'UnauthorizedOperation'],
    ['ec2', 'InvalidParameterValue'],
    ['ssm', 'AccessDeniedException'],
    ['ssm', 'InvalidDocument'],
  ])('does not retry %s %s: something must change first', (service, code) => {
    expect(classifyAwsError(plain({ name: code, $fault: 'client', $metadata: { httpStatusCode: 400 } }), service)).toMatchObject({ code, retriable: false, kind: 'not-retriable' });
  });

  it('reads the code, message and status, preferring the Query protocol Code over the name', () => {
    const err = Object.assign(new DynamoDBServiceException({ name: 'DynamoDBServiceException', $fault: 'client', message: 'bad key', ...meta(400) }), { Code: 'ValidationException' });
    expect(classifyAwsError(err, 'dynamodb')).toEqual({ code: 'ValidationException', message: 'bad key', httpStatusCode: 400, retriable: false, kind: 'not-retriable' });
  });

  it('reads what it can from things that are not errors', () => {
    expect(classifyAwsError('boom', 'ec2')).toEqual({ code: 'UnknownError', message: 'boom', httpStatusCode: undefined, retriable: false, kind: 'not-retriable' });
    expect(classifyAwsError(undefined, 'ec2')).toMatchObject({ code: 'UnknownError', retriable: false });
  });

  it('classifies the SDK classes the adapters see in practice', () => {
    expect(classifyAwsError(new TooManyUpdates({ message: 'busy', ...meta(400) }), 'ssm').retriable).toBe(true);
  });
});
