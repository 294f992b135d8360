import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { SQSClient } from '@aws-sdk/client-sqs';
import { CloudWatchLogReader } from '../adapters/cloudwatch-log-reader';
import { createHandler } from '../api/jobs';
import { wakeAfterChange } from '../api/wake-after-change';
import { SqsPassWaker } from '../adapters/sqs-pass-waker';
import { ENV, loadBalancerUrlFrom, required } from '../config';
import { adminsFrom } from '../api/ownership';
import { apiDeps } from './api-deps';

const deps = apiDeps('jobs');
// A stop, scale or rollback asks for a pass at once through the wake queue.
const waker = new SqsPassWaker({ sqs: new SQSClient({}), queueUrl: required(process.env, ENV.wakeQueueUrl) });

const logReader = new CloudWatchLogReader({ logs: new CloudWatchLogsClient({}), groupPrefix: required(process.env, ENV.logGroupPrefix) });

export const handler = wakeAfterChange(createHandler({ ...deps, loadBalancerUrl: loadBalancerUrlFrom(process.env), admins: adminsFrom(process.env), logReader }), waker, deps.clock, deps.log);
