import { SQSClient } from '@aws-sdk/client-sqs';
import { createHandler } from '../api/jobs';
import { wakeAfterChange } from '../api/wake-after-change';
import { SqsPassWaker } from '../adapters/sqs-pass-waker';
import { ENV, loadBalancerUrlFrom, required } from '../config';
import { adminsFrom } from '../api/ownership';
import { apiDeps } from './api-deps';

const deps = apiDeps('jobs');
// A stop, scale or rollback asks for a pass at once through the wake queue.
const waker = new SqsPassWaker({ sqs: new SQSClient({}), queueUrl: required(process.env, ENV.wakeQueueUrl) });

export const handler = wakeAfterChange(createHandler({ ...deps, loadBalancerUrl: loadBalancerUrlFrom(process.env), admins: adminsFrom(process.env) }), waker, deps.clock, deps.log);
