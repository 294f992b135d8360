import { createHandler } from '../api/jobs';
import { loadBalancerUrlFrom } from '../config';
import { apiDeps } from './api-deps';

export const handler = createHandler({ ...apiDeps('jobs'), loadBalancerUrl: loadBalancerUrlFrom(process.env) });
