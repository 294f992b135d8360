import { createHandler } from '../api/nodes';
import { apiDeps } from './api-deps';

export const handler = createHandler(apiDeps('nodes'));
