import { createHandler } from '../api/jobs';
import { apiDeps } from './api-deps';

export const handler = createHandler(apiDeps('jobs'));
